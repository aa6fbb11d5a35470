"""Every create form posted twice makes one record (issue 13, part 6): a double click, Back and save again, or
the same page saved from two tabs. The form carries a one-time key made when it was opened; the second post
finds what the first made, lands where the first did and is told nothing was saved twice. Never a 500. All
names are fictional."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import (
    BreakGlass,
    Family,
    NextStep,
    Notification,
    Person,
    RestrictedAccess,
    TimelineEntry,
)
from earlyhelp.models.case_notes import CaseNote
from earlyhelp.models.family_plans import FamilyPlanReview
from tests.factories import make_episode, make_household, make_user
from tests.helpers import date_parts, error_messages, fresh, soup_of


def key_of(soup, form: str = "main form") -> str:
    """The one-time key the page put in its form."""
    key = soup.select_one(f"{form} input[name=submission_key]")["value"]
    assert len(key) == 32, "a one-time key, made when the form was opened"
    return key


def twice(client, endpoint, data, **values):
    """The same form posted twice, as a double click or Back and save again sends it."""
    return client.post(endpoint, data, **values), client.post(endpoint, data, **values)


def banners(client, response) -> list[str]:
    """The banners on the page the post landed on: its message, and any about the person's access."""
    assert response.status_code == 302, error_messages(soup_of(response))
    page = client.page(response.headers["Location"])
    return [" ".join(b.get_text().split()) for b in page.select(".govuk-notification-banner__content")]


def banner(client, response) -> str:
    """The message the page the post landed on shows (the page's only banner)."""
    [message] = banners(client, response)
    return message


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(clock.now(), tick=False)
    return time_machine


@pytest.fixture
def lead(client, frozen):
    """Robin Quillfeather, signed in, leading the early help of a family of two."""
    robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=2)
    make_episode(family, lead=robin)
    client.sign_in(robin)
    return robin, family


# A new family, a new person


def test_a_new_family_posted_twice_is_one_family_and_the_second_post_is_told_so(client, frozen):
    from tests.views.test_families import new_family_form

    client.sign_in(make_user("practitioner", team_name="Early help team", name="Robin Quillfeather"))
    data = new_family_form() | {"submission_key": key_of(client.page("families.new"))}
    first, again = twice(client, "families.new", data)

    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"], "the second post lands where the first did"
    assert count(Family, Family.address == "12 Imaginary Lane, Testtown") == 1
    family = db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown"))
    assert count(Person, Person.family_id == family.id) == 2
    assert count(TimelineEntry, TimelineEntry.family_id == family.id) == 1
    assert banner(client, again).startswith(f"Family {family.reference} was already created. Nothing was saved twice")


def test_a_new_family_form_used_by_someone_else_is_refused_and_shows_nothing_of_the_family(client, app, frozen):
    from tests.helpers import TestClient
    from tests.views.test_families import new_family_form

    client.sign_in(make_user("practitioner", team_name="Early help team", name="Robin Quillfeather"))
    data = new_family_form() | {"submission_key": key_of(client.page("families.new"))}
    assert client.post("families.new", data).status_code == 302
    other = TestClient(app)
    other.sign_in(make_user("practitioner", team_name="Early help team", name="Sam Okonjo-Barrow"))
    refused = other.post("families.new", data)
    assert refused.status_code == 200
    assert error_messages(soup_of(refused)) == ["This form has already been used. Open the page again to start afresh"]
    assert count(Family, Family.address == "12 Imaginary Lane, Testtown") == 1


def test_a_person_added_twice_is_one_person_and_the_second_post_is_told_so(client, lead):
    from tests.views.test_family_records import add_form

    _, family = lead
    page = client.page("families.add_person", family_id=family.id, lives="household")
    data = add_form() | {"submission_key": key_of(page)}
    first, again = twice(client, "families.add_person", data, family_id=family.id)

    assert first.headers["Location"] == again.headers["Location"]
    assert count(Person, Person.family_id == family.id, Person.first_name == "Wynn") == 1
    assert banner(client, again) == "Wynn Newborn was already added to the household. Nothing was saved twice."


# Next steps


def test_a_next_step_added_twice_to_a_handover_plan_is_one_step_and_the_plan_is_not_refused(client, today):
    from tests.views.test_handover_plan_nothing_lost import typed_plan
    from tests.views.test_transfers import accepted_step_up, next_step_form

    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    page = client.page("transfers.edit_plan", transfer_id=transfer.id)
    data = (
        typed_plan(page.select_one("#version")["value"])
        | next_step_form(today + timedelta(days=7))
        | {"submission_key": key_of(page), "submit_step": "Add next step"}
    )
    first, again = twice(client, "transfers.add_next_step", data, transfer_id=transfer.id)

    assert first.headers["Location"] == again.headers["Location"], "no refusal of a plan saved by the first post"
    where = (NextStep.source_type == "handover_plan", NextStep.source_id == transfer.handover_plan.id)
    assert count(NextStep, *where) == 1
    assert banner(client, again) == "This next step was already added to the handover plan. Nothing was saved twice."


def test_a_next_step_added_twice_to_a_family_plan_is_one_step(client, lead):
    from tests.views.test_family_plans import a_draft, plan_form, step_form

    robin, family = lead
    plan = a_draft(family, robin)
    page = client.page("family_plans.edit", plan_id=plan.id)
    data = plan_form(plan) | {"version": page.select_one("input[name=version]")["value"]}
    data |= {"loaded": page.select_one("input[name=loaded]")["value"]}
    data |= step_form() | {"submission_key": key_of(page), "submit_step": "Add next step"}
    first, again = twice(client, "family_plans.add_step", data, plan_id=plan.id)

    assert first.headers["Location"] == again.headers["Location"]
    assert count(NextStep, NextStep.source_type == "family_plan", NextStep.source_id == plan.id) == 1
    assert banner(client, again) == "This next step was already added to the plan. Nothing was saved twice."


def test_back_and_add_again_with_the_page_opened_afresh_is_one_step(client, lead):
    """Going Back reloads the page (a fresh one-time key) and the browser fills in what was typed."""
    from tests.views.test_family_plans import a_draft, plan_form, step_form

    robin, family = lead
    plan = a_draft(family, robin)
    for _ in range(2):
        page = client.page("family_plans.edit", plan_id=plan.id)
        data = plan_form(plan) | {"version": page.select_one("input[name=version]")["value"]}
        data |= {"loaded": page.select_one("input[name=loaded]")["value"]}
        data |= step_form() | {"submission_key": key_of(page), "submit_step": "Add next step"}
        response = client.post("family_plans.add_step", data, plan_id=plan.id)
        assert response.status_code == 302

    assert count(NextStep, NextStep.source_type == "family_plan", NextStep.source_id == plan.id) == 1
    assert banner(client, response) == "This next step was already added to the plan. Nothing was saved twice."


def test_a_next_step_key_from_another_familys_form_is_refused_never_a_500(client, lead):
    from tests.views.test_family_plans import a_draft, step_form

    robin, family = lead
    other_family = make_household(children=1)
    make_episode(other_family, lead=robin)
    plan, other_plan = a_draft(family, robin), a_draft(other_family, robin)
    key = key_of(client.page("family_plans.edit", plan_id=plan.id))
    assert client.post("family_plans.add_step", step_form() | {"submission_key": key}, plan_id=plan.id).status_code
    response = client.post("family_plans.add_step", step_form() | {"submission_key": key}, plan_id=other_plan.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == [
        "This form has already been used. Open the page again to add a next step"
    ]
    assert count(NextStep, NextStep.family_id == other_family.id) == 0


# Breaking the glass


def test_breaking_the_glass_twice_is_one_opening_and_the_managers_are_told_once(client, make_user, frozen):
    from tests.views.test_break_glass import REASON, held_by_social_care

    family, _, manager = held_by_social_care(make_user)
    client.sign_in(make_user("practitioner", team_name="Early help team", name="Robin Quillfeather"))
    page = client.page("families.break_glass", family_id=family.id)
    first, again = twice(
        client, "families.break_glass", {"reason": REASON, "submission_key": key_of(page)}, family_id=family.id
    )

    assert first.headers["Location"] == again.headers["Location"]
    assert count(BreakGlass, BreakGlass.family_id == family.id) == 1
    assert count(Notification, Notification.user_id == manager.id, Notification.kind == "break_glass") == 1
    assert any(text.startswith("You had already opened this record, until ") for text in banners(client, again))


# Case-note corrections


def test_a_correction_posted_twice_is_one_correction_and_another_correction_after_it_is_refused(client, time_machine):
    from tests.views.test_case_notes import NOW, add, form

    time_machine.move_to(NOW, tick=False)  # the day the note was written: the correction is not late
    robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=2)
    make_episode(family, lead=robin)
    client.sign_in(robin)
    note = add(family, robin, text="Dad moved out on Friday.")
    address = f"/case-notes/{note.id}/correct"
    data = form(family, text="Dad moved out on Saturday.", reason="Mum rang: it was Saturday.")
    data |= {"submission_key": key_of(client.page("case_notes.correct", note_id=note.id))}
    first = client.post("case_notes.correct", data, note_id=note.id, csrf_from=address)
    again = client.post("case_notes.correct", data, note_id=note.id, csrf_from=address)

    assert first.headers["Location"] == again.headers["Location"]
    assert count(CaseNote, CaseNote.corrects_id == note.id) == 1
    assert banner(client, again) == "This correction was already saved. Nothing was saved twice."

    other_tab = data | {"submission_key": "a" * 32, "text": "Dad moved out on Sunday."}
    refused = client.post("case_notes.correct", other_tab, note_id=note.id, csrf_from=address)
    assert refused.status_code == 200, "a second correction of the same note is refused, never a 500"
    [message] = error_messages(soup_of(refused))
    assert message.startswith("This note was corrected by Robin Quillfeather on "), message
    assert count(CaseNote, CaseNote.corrects_id == note.id) == 1


# Restrictions


def test_a_restriction_posted_twice_names_each_person_once_and_says_it_was_already_saved(client, frozen):
    from tests.views.test_restrictions import REASON

    manager = make_user("team_manager", name="Morgan Manager")
    robin = make_user("practitioner", name="Robin Named")
    family = make_household()
    make_episode(family, lead=make_user("practitioner", name="Sam Unnamed"))
    client.sign_in(manager)
    client.page("restrictions.edit", family_id=family.id)
    data = {"reason": REASON, "named": [str(robin.id)]}
    first, again = twice(client, "restrictions.edit", data, family_id=family.id)

    assert first.headers["Location"] == again.headers["Location"]
    assert sorted(
        db.session.scalars(select(RestrictedAccess.user_id).where(RestrictedAccess.family_id == family.id))
    ) == sorted([manager.id, robin.id])
    restricted = TimelineEntry.summary.in_(["Record restricted", "Restriction changed"])
    assert count(TimelineEntry, TimelineEntry.family_id == family.id, restricted) == 1
    assert "This restriction was already saved: 2 people may see it. Nothing was changed." in banners(client, again)


# Family plan reviews


def review_form(**overrides) -> dict:
    return {
        "held_on": date_parts(clock.today()),
        "attended": "Alex, Robin",
        "outcome": "continue",
        "next_review_on": date_parts(clock.today() + timedelta(weeks=8)),
        "note": "Mornings are calmer.",
        "submit_review": "y",
    } | overrides


@pytest.mark.parametrize(
    ("outcome", "note"),
    [("continue", "Mornings are calmer."), ("change", "The goals need to change."), ("close", "Early help is done.")],
)
def test_a_review_posted_twice_is_one_review_whatever_it_decided(client, lead, outcome, note):
    from earlyhelp.models import FamilyPlan
    from tests.views.test_family_plans import CLEAR, a_draft, issued

    robin, family = lead
    plan = issued(a_draft(family, robin, **CLEAR | {"lead_contact": "01632 960111"}), robin)
    overview = client.page("family_plans.overview", family_id=family.id)
    data = review_form(outcome=outcome, note=note) | {"submission_key": key_of(overview, "form[action$=reviews]")}
    first, again = twice(client, "family_plans.review", data, plan_id=plan.id)

    assert first.headers["Location"] == again.headers["Location"]
    assert count(FamilyPlanReview, FamilyPlanReview.plan_id == plan.id) == 1
    assert count(FamilyPlan, FamilyPlan.family_id == family.id) == (2 if outcome == "change" else 1)
    assert banner(client, again) == "This review was already recorded by Robin Quillfeather. Nothing was saved twice."
    assert fresh(plan).is_closed == (outcome == "close")


def test_a_forged_overlong_key_is_cut_to_the_columns_length_never_a_500(client, lead):
    from tests.views.test_family_records import add_form

    _, family = lead
    data = add_form() | {"submission_key": "k" * 300}
    first, again = twice(client, "families.add_person", data, family_id=family.id)
    assert first.status_code == again.status_code == 302
    assert count(Person, Person.family_id == family.id, Person.first_name == "Wynn") == 1


@pytest.fixture
def today(time_machine):
    time_machine.move_to(clock.now(), tick=False)
    return clock.today()
