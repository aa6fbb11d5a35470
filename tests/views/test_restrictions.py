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
from earlyhelp.models import AuditEvent, Notification, RestrictedAccess, TimelineEntry
from earlyhelp.services import notifications, restrictions
from earlyhelp.services.break_glass import break_glass
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

SHORT = "Explain {asked} in a sentence of at least 10 characters: say what happened or what was decided, not \u201cn/a\u201d"


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


# Nobody is locked out silently


def test_the_page_ticks_the_family_s_leads_says_why_each_person_is_offered_and_warns(client, world):
    carer = make_user("social_worker", team_name="Social care team", name="Casey Carer")
    make_transfer(world.episode, actor=world.sam, proposed_lead_id=carer.id)
    client.sign_in(world.manager)
    page = client.page("restrictions.edit", family_id=world.family.id)
    boxes = {box["value"]: box for box in page.select("input[name=named]")}
    hints = {value: text_of(page, f"#{box['aria-describedby']}") for value, box in boxes.items()}
    assert hints[str(world.sam.id)] == "Lead for early help. Early help team"
    assert hints[str(world.robin.id)] == "Early help team"
    assert hints[str(carer.id)] == "Proposed lead for children's social care (step-up). Social care team"
    ticked = {value for value, box in boxes.items() if box.has_attr("checked")}
    assert ticked == {str(world.manager.id), str(world.sam.id), str(carer.id)}
    assert text_of(page, "#lose-access") == (
        "! Warning Anyone you do not name loses access straight away, including the family's next steps in their "
        "work lists."
    )


def test_the_teams_of_an_open_step_up_are_offered(client, world):
    colleague = make_user("social_worker", team_name="Social care team", name="Cam Colleague")
    make_transfer(world.episode, actor=world.sam)
    client.sign_in(world.manager)
    page = client.page("restrictions.edit", family_id=world.family.id)
    box = page.select_one(f"input[name=named][value='{colleague.id}']")
    assert box is not None and not box.has_attr("checked")
    assert text_of(page, f"#{box['aria-describedby']}") == "Social care team"


def notices_of(user):
    return db.session.scalars(select(Notification).filter_by(user_id=user.id)).all()


MESSAGE = "A family record you worked on has been restricted. Ask Morgan Manager if you need access."


def test_whoever_could_see_it_and_is_not_named_is_told_without_case_text(client, world):
    outsider = make_user("practitioner", team_name="Social care team", name="Oli Outsider")
    client.sign_in(world.manager)
    assert restrict_through_page(client, world.family, named=[world.robin]).status_code == 302
    (notice,) = notices_of(world.sam)
    assert notice.message == MESSAGE and notice.family_id is None and notice.kind == "restricted"
    assert world.family.reference not in notice.message
    assert notices_of(world.robin) == [] and notices_of(world.manager) == [] and notices_of(outsider) == []

    assert notifications.unread_count(world.sam) == 1  # kept, although Sam may no longer see the family
    sam = TestClient(client.app)
    sam.sign_in(world.sam)
    assert MESSAGE in text_of(sam.page("main.notifications_list"), "main")


def test_whoever_is_taken_off_the_list_is_told(client, world):
    restrictions.restrict_family(world.family, reason=REASON, named=[world.robin], actor=world.manager)
    client.sign_in(world.manager)
    assert restrict_through_page(client, world.family, named=[world.manager]).status_code == 302
    assert [notice.message for notice in notices_of(world.robin)] == [MESSAGE]
    assert len(notices_of(world.sam)) == 1  # told once, when the record was first restricted


def test_restricting_ends_the_break_glass_so_lifting_it_brings_none_back(client, world):
    outsider = make_user("practitioner", team_name="Social care team", name="Oli Outsider")
    glass = break_glass(world.family, reason="Police call out of hours: who is the lead worker?", actor=outsider)
    client.sign_in(outsider)
    assert client.get("families.show", family_id=world.family.id).status_code == 200

    restrict(world)
    assert fresh(glass).expires_at == clock.now()
    assert notices_of(outsider) == []  # the break-glass reader is not among the people offered
    restrictions.lift_restriction(world.family, reason="The member of staff has left the council.", actor=world.manager)
    assert client.get("families.show", family_id=world.family.id).status_code == 404


# Bad input keeps what was typed and says what to fix


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Explain why this record is being restricted"),
        ("   ", "Explain why this record is being restricted"),
        ("Too short", SHORT.format(asked="why this record is being restricted")),
        ("n/a", SHORT.format(asked="why this record is being restricted")),
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


def test_unticking_yourself_still_names_you_as_the_page_says(client, world):
    client.sign_in(world.manager)
    page = client.page("restrictions.edit", family_id=world.family.id)
    assert "You are always included" in text_of(page, "#restrict-form")
    response = restrict_through_page(client, world.family, named=[])
    assert response.status_code == 302
    assert "Record restricted: 1 person may see it" in soup_of(client.get(response.headers["Location"])).get_text(" ")
    named = set(db.session.scalars(select(RestrictedAccess.user_id).filter_by(family_id=world.family.id)))
    assert named == {world.manager.id}


def test_a_manager_or_head_of_service_must_be_among_the_named(app):
    """The actor always is (only they may restrict); the rule is what keeps a restriction liftable."""
    practitioner = make_user("practitioner", name="Pat Practitioner")
    with pytest.raises(Refused, match="Name at least one team manager or head of service") as refused:
        restrictions.someone_can_lift([practitioner])
    assert refused.value.field == "named"
    restrictions.someone_can_lift([practitioner, make_user("team_manager")])
    restrictions.someone_can_lift([make_user("head_of_service", team_name=None)])


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
    assert error_messages(page) == [SHORT.format(asked="why the restriction is being lifted")]
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
