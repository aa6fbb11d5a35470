"""Restricting a family: setting and lifting it through the pages, the refusals, and that to anyone not
named the family appears nowhere. All names are fictional."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, RestrictedAccess, TimelineEntry
from earlyhelp.services import restrictions
from earlyhelp.services.referrals import agency_quality
from tests.factories import (
    make_episode,
    make_household,
    make_next_step,
    make_referral,
    make_supervision,
    make_transfer,
    make_user,
)
from tests.helpers import TestClient, error_messages, fresh, soup_of, statements_of, text_of

REASON = "A member of staff's sister: only the team manager and Robin may see it."


@pytest.fixture
def frozen():
    from datetime import datetime

    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def world(app, frozen):
    """A family held by the early help team: Morgan manages it, Sam leads the episode, Robin is in the team."""
    manager = make_user("team_manager", name="Morgan Manager")
    robin = make_user("practitioner", name="Robin Named")
    sam = make_user("practitioner", name="Sam Unnamed")
    admin = make_user("administrator", name="Ada Admin")
    family = make_household()
    episode = make_episode(family, lead=sam)
    return SimpleNamespace(manager=manager, robin=robin, sam=sam, admin=admin, family=family, episode=episode)


def restrict_through_page(client, family, *, reason=REASON, named=()):
    return client.post(
        "restrictions.edit",
        {"reason": reason, "named": [str(person.id) for person in named]},
        family_id=family.id,
    )


def hidden_from(body: str, family) -> bool:
    return family.reference not in body and family.members[0].last_name not in body


# Setting, changing and lifting it


def test_a_manager_restricts_a_record_naming_people_from_the_team(client, world):
    client.sign_in(world.manager)
    page = client.page("families.show", family_id=world.family.id)
    assert "Restrict this record" in text_of(page, "#restriction")

    page = client.page("restrictions.edit", family_id=world.family.id)
    offered = {box.find_next("label").get_text(" ", strip=True): box for box in page.select("input[name=named]")}
    assert set(offered) == {
        "Morgan Manager (you)",
        "Robin Named, Early help practitioner",
        "Sam Unnamed, Early help practitioner",
    }
    assert offered["Morgan Manager (you)"].has_attr("checked")
    assert "Ada Admin" not in page.get_text()

    response = restrict_through_page(client, world.family, named=[world.robin])
    assert response.status_code == 302
    page = soup_of(client.get(response.headers["Location"]))
    assert "Record restricted: 2 people may see it" in page.get_text(" ")
    banner = text_of(page, "#restriction")
    assert "Restricted record: only the people named can see it" in banner
    assert "Morgan Manager (you)" in banner and "Robin Named" in banner and "Sam" not in banner
    assert "Change or lift the restriction" in banner

    family = fresh(world.family)
    assert family.restricted and family.restricted_reason == REASON
    assert family.restricted_by_id == world.manager.id and family.restricted_at == clock.now()
    named = set(db.session.scalars(select(RestrictedAccess.user_id).filter_by(family_id=family.id)))
    assert named == {world.manager.id, world.robin.id}
    timeline = db.session.scalars(select(TimelineEntry.summary).filter_by(family_id=family.id)).all()
    assert "Record restricted" in timeline and not any("sister" in entry for entry in timeline)
    event = db.session.scalars(select(AuditEvent).filter_by(action="restrict", family_id=family.id)).one()
    assert event.outcome == "ok" and event.detail == "named: 2 people"


def test_a_named_practitioner_sees_the_banner_but_may_not_change_the_restriction(client, world):
    restrictions.restrict_family(world.family, reason=REASON, named=[world.robin], actor=world.manager)
    client.sign_in(world.robin)
    banner = text_of(client.page("families.show", family_id=world.family.id), "#restriction")
    assert "Morgan Manager" in banner and "Robin Named (you)" in banner
    assert "Change or lift" not in banner
    assert client.get("restrictions.edit", family_id=world.family.id).status_code == 404


def test_a_manager_changes_who_is_named_and_then_lifts_the_restriction(client, world):
    restrictions.restrict_family(world.family, reason=REASON, named=[world.robin], actor=world.manager)
    client.sign_in(world.manager)
    page = client.page("restrictions.edit", family_id=world.family.id)
    assert page.select_one("h1").get_text(strip=True) == "Change or lift the restriction"
    assert page.select_one("textarea[name=reason]").get_text().strip() == REASON
    checked = {box["value"] for box in page.select("input[name=named][checked]")}
    assert checked == {str(world.manager.id), str(world.robin.id)}

    response = restrict_through_page(client, world.family, named=[world.manager, world.sam])
    assert response.status_code == 302
    named = set(db.session.scalars(select(RestrictedAccess.user_id).filter_by(family_id=world.family.id)))
    assert named == {world.manager.id, world.sam.id}
    event = db.session.scalars(select(AuditEvent).filter_by(action="change_restriction")).one()
    assert event.detail == "named: 2 people (added 1, removed 1)"

    token = client.csrf_token("families.search")
    response = client.post(
        "restrictions.lift",
        {"lift-csrf_token": token, "lift-reason": "The member of staff has left the council."},
        family_id=world.family.id,
    )
    assert response.status_code == 302
    page = soup_of(client.get(response.headers["Location"]))
    assert "Restriction lifted" in page.get_text(" ")
    assert "Restrict this record" in text_of(page, "#restriction")
    family = fresh(world.family)
    assert not family.restricted
    assert db.session.scalars(select(RestrictedAccess).filter_by(family_id=family.id)).all() == []
    assert "Restriction lifted" in db.session.scalars(select(TimelineEntry.summary).filter_by(family_id=family.id))
    event = db.session.scalars(select(AuditEvent).filter_by(action="lift_restriction")).one()
    assert event.detail == "was named: 2 people" and "left" not in event.detail

    client.sign_in(world.robin)  # Robin was not named: with the restriction lifted, the team sees it again
    assert client.get("families.show", family_id=family.id).status_code == 200


# Bad input keeps what was typed and says what to fix


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why this record is being restricted"),
        ("   ", "Enter why this record is being restricted"),
        ("Too short", "The reason must be at least 10 characters"),
    ],
)
def test_a_reason_of_at_least_ten_characters_is_needed(client, world, reason, message):
    client.sign_in(world.manager)
    response = restrict_through_page(client, world.family, reason=reason, named=[world.robin])
    assert response.status_code == 200
    page = soup_of(response)
    assert error_messages(page) == [message]
    assert page.select_one("textarea[name=reason]").get_text().strip() == reason.strip()
    assert {box["value"] for box in page.select("input[name=named][checked]")} == {str(world.robin.id)}
    assert not fresh(world.family).restricted
    refused = db.session.scalars(select(AuditEvent).filter_by(action="restrict", outcome="refused")).one()
    assert refused.family_id == world.family.id and refused.detail == ""


def test_somebody_must_be_named(client, world):
    client.sign_in(world.manager)
    page = soup_of(restrict_through_page(client, world.family, named=[]))
    assert error_messages(page) == ["Select at least one person who may see this record"]
    assert page.select_one("textarea[name=reason]").get_text().strip() == REASON
    assert not fresh(world.family).restricted


def test_an_administrator_is_never_named(client, world):
    client.sign_in(world.manager)
    page = soup_of(restrict_through_page(client, world.family, named=[world.robin, world.admin]))
    assert error_messages(page) == ["Select people from the list"]
    assert not fresh(world.family).restricted
    with pytest.raises(Refused, match="Ada Admin is an administrator"):
        restrictions.restrict_family(world.family, reason=REASON, named=[world.admin], actor=world.manager)
    assert not fresh(world.family).restricted


def test_lifting_needs_a_reason(client, world):
    restrictions.restrict_family(world.family, reason=REASON, named=[world.robin], actor=world.manager)
    client.sign_in(world.manager)
    token = client.csrf_token("families.search")
    response = client.post(
        "restrictions.lift", {"lift-csrf_token": token, "lift-reason": "Gone"}, family_id=world.family.id
    )
    page = soup_of(response)
    assert response.status_code == 200
    assert error_messages(page) == ["The reason must be at least 10 characters"]
    assert page.select_one("textarea[name=lift-reason]").get_text().strip() == "Gone"
    assert fresh(world.family).restricted


def test_a_practitioner_may_not_restrict_a_family_they_work_with(client, world):
    client.sign_in(world.sam)
    page = client.page("families.show", family_id=world.family.id)
    assert page.select_one("#restriction") is None
    assert client.get("restrictions.edit", family_id=world.family.id).status_code == 404
    assert restrict_through_page(client, world.family, named=[world.sam]).status_code == 404
    assert not fresh(world.family).restricted
    denied = db.session.scalars(select(AuditEvent).filter_by(outcome="denied", family_id=world.family.id)).all()
    assert len(denied) == 2


def test_a_manager_of_another_team_may_not_find_the_page(client, world):
    other = make_user("team_manager", team_name="Social care team")
    client.sign_in(other)
    assert client.get("restrictions.edit", family_id=world.family.id).status_code == 404
    assert client.post("restrictions.lift", {}, family_id=world.family.id).status_code == 404


# To anyone not named it appears nowhere


@pytest.fixture
def worked_on(world):
    """Everything about the family that Sam (its lead, not to be named) and the front door would see."""
    officer = make_user("front_door", team_name="Front door", name="Fran Frontdoor")
    referral = make_referral(world.family, actor=officer)
    referral.clarity = "yes"
    transfer = make_transfer(world.episode, actor=world.sam)
    step = make_next_step(world.sam, family=world.family, what="Phone Oakfield School about attendance")
    make_supervision(
        world.manager, world.sam, world.family, held_on=clock.today(), next_on=clock.today() + timedelta(weeks=4)
    )
    db.session.commit()
    return SimpleNamespace(officer=officer, referral=referral, transfer=transfer, step=step)


def restrict(world):
    restrictions.restrict_family(world.family, reason=REASON, named=[world.robin], actor=world.manager)


def record_pages(world, worked_on):
    return [
        ("families.show", {"family_id": world.family.id}),
        ("family_plans.overview", {"family_id": world.family.id}),
        ("referrals.show", {"referral_id": worked_on.referral.id}),
        ("transfers.show", {"transfer_id": worked_on.transfer.id}),
        ("transfers.handover_summary", {"transfer_id": worked_on.transfer.id}),
        ("transfers.family_letter", {"transfer_id": worked_on.transfer.id}),
        ("transfers.new_step_up", {"episode_id": world.episode.id}),
    ]


def test_every_record_page_is_not_found_for_someone_who_works_with_the_family_but_is_not_named(
    client, world, worked_on
):
    client.sign_in(world.sam)
    before = {
        endpoint: client.get(endpoint, **values).status_code for endpoint, values in record_pages(world, worked_on)
    }
    assert 404 not in before.values(), before
    restrict(world)
    for endpoint, values in record_pages(world, worked_on):
        response = client.get(endpoint, **values)
        assert response.status_code == 404, endpoint
        assert hidden_from(response.get_data(as_text=True), world.family), endpoint


def test_a_next_step_on_it_is_not_found_for_its_owner_who_is_not_named(client, world, worked_on):
    client.sign_in(world.sam)
    restrict(world)
    for endpoint in ("next_steps.close", "next_steps.reschedule"):
        response = client.get(endpoint, step_id=worked_on.step.id)
        assert response.status_code == 404, endpoint
        assert hidden_from(response.get_data(as_text=True), world.family), endpoint
    assert client.post("next_steps.done", {}, step_id=worked_on.step.id).status_code == 404


def test_the_named_still_open_it(client, world, worked_on):
    restrict(world)
    client.sign_in(world.robin)
    assert client.get("families.show", family_id=world.family.id).status_code == 200
    assert client.get("transfers.show", transfer_id=worked_on.transfer.id).status_code == 200


def test_it_leaves_the_front_door_queue_and_the_quality_counts(client, world, worked_on):
    client.sign_in(worked_on.officer)
    assert not hidden_from(client.get("referrals.queue").get_data(as_text=True), world.family)
    since = clock.now() - timedelta(days=90)
    assert sum(c["yes"] for c in agency_quality(worked_on.officer, since=since)["School"].values()) == 1
    quality_before = text_of(client.page("referrals.quality"), "main")
    restrict(world)
    body = client.get("referrals.queue").get_data(as_text=True)
    assert hidden_from(body, world.family)
    for endpoint in ("referrals.show", "referrals.feedback_letter", "referrals.decide"):
        response = client.get(endpoint, referral_id=worked_on.referral.id)
        assert response.status_code == 404, endpoint
        assert hidden_from(response.get_data(as_text=True), world.family), endpoint
    assert agency_quality(worked_on.officer, since=since) == {}
    assert text_of(client.page("referrals.quality"), "main") != quality_before


def test_it_leaves_my_work_supervision_and_the_transfer_queues(client, world, worked_on):
    client.sign_in(world.sam)
    lists = [  # each list, and what it shows of the family's work before the restriction
        ("main.home", {}, "Phone Oakfield School"),
        ("supervision.index", {}, "Case supervision"),
        ("transfers.queues", {"queue": "mine"}, world.family.reference),
    ]
    for endpoint, values, shown in lists:
        assert shown in text_of(client.page(endpoint, **values), "main"), endpoint
    restrict(world)
    for endpoint, values, shown in lists:
        page = client.page(endpoint, **values)
        assert hidden_from(str(page), world.family), endpoint
        assert shown not in text_of(page, "main"), endpoint


def test_the_transfer_queue_counts_leave_it_out(client, world, worked_on):
    client.sign_in(world.sam)
    assert "My requests (1)" in text_of(client.page("transfers.queues", queue="mine"), "main")
    restrict(world)
    assert "My requests (0)" in text_of(client.page("transfers.queues", queue="mine"), "main")


def search_results(client, **criteria) -> str:
    return str(client.page("families.search", **criteria).select_one("#family-results tbody") or "")


def test_family_search_does_not_find_it(client, world):
    client.sign_in(world.sam)
    surname = world.family.members[0].last_name
    assert world.family.reference in search_results(client, name=surname)
    restrict(world)
    assert hidden_from(search_results(client, name=surname), world.family)
    assert hidden_from(search_results(client, reference=world.family.reference), world.family)
    assert hidden_from(search_results(client, postcode=world.family.postcode), world.family)


def possible_matches(client, family) -> str:
    """What the new family page says may match, when a new household has one of this family's children in it."""
    child = family.children[0]
    born = child.date_of_birth
    response = client.post(
        "families.new",
        {
            "address": "12 Imaginary Lane, Testtown",
            "postcode": "zz99 9zz",
            "languages": "English",
            "interpreter_needed": "no",
            "culture_and_identity": "",
            "members-0-first_name": child.first_name,
            "members-0-last_name": child.last_name,
            "members-0-date_of_birth": [str(born.day), str(born.month), str(born.year)],
            "members-0-relationship_to_child": "Son",
            "members-0-school_or_setting": "",
            "members-0-is_child": "yes",
            "members-0-child_words": "",
        },
    )
    assert response.status_code == 200, response.headers.get("Location")
    page = soup_of(response)
    return " ".join(str(region) for region in page.select("#possible-matches, #possible-matches-elsewhere"))


def test_the_duplicate_check_on_a_new_family_does_not_find_it(client, world):
    client.sign_in(world.sam)
    assert world.family.reference in possible_matches(client, world.family)
    restrict(world)
    assert hidden_from(possible_matches(client, world.family), world.family)


# The same number of statements with 5 people and with 50


def statements_with(client, world, people: int) -> tuple[int, int]:
    team = [make_user("practitioner", name=f"Pat Colleague {n}") for n in range(people)]
    restrictions.restrict_family(world.family, reason=REASON, named=team, actor=world.manager)
    client.sign_in(world.manager)
    return (
        statements_of(client, "restrictions.edit", family_id=world.family.id),
        statements_of(client, "families.show", family_id=world.family.id),
    )


def test_the_restriction_page_and_the_banner_run_as_many_statements_for_5_people_as_for_50(app, world):
    five = statements_with(TestClient(app), world, 5)
    restrictions.lift_restriction(world.family, reason="Starting again with more people.", actor=world.manager)
    fifty = statements_with(TestClient(app), world, 50)
    assert five == fifty
