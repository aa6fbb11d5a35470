"""Step-up and step-down, as the people who use them see it: ask, approve, decide, hand over. All names are fictional."""

import re
import uuid
from contextlib import contextmanager
from datetime import date, time, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from earlyhelp import clock
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, LevelOfNeed, NextStep, Person, TimelineEntry, Transfer
from earlyhelp.services import transfers
from tests.factories import make_episode, make_household, make_transfer, make_user, reference, team
from tests.factories_transfers import many_requests
from tests.helpers import TestClient, date_parts, error_messages, fresh, pdf_text, soup_of, text_of

# People


def early_help_lead(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def early_help_manager(name="Morgan Thistlewhite"):
    return make_user("team_manager", team_name="Early help team", name=name)


def social_worker(name="Kit Marrowby"):
    return make_user("social_worker", team_name="Social care team", name=name)


def social_care_manager(name="Jo Brackenfold"):
    return make_user("team_manager", team_name="Social care team", name=name)


def browser(app, user) -> TestClient:
    """A second (or third) person's own browser, signed in."""
    other = TestClient(app)
    other.sign_in(user)
    return other


@pytest.fixture
def today():
    """Today, with the clock stopped where the run has put it, for tests that compare dates with the pages."""
    with time_machine.travel(clock.now(), tick=False):
        yield clock.today()


# Forms as a browser posts them


def children_rows(family, **per_child):
    data = {}
    for index, child in enumerate(family.children):
        data |= {
            f"children-{index}-person_id": str(child.id),
            f"children-{index}-included": "yes",
            f"children-{index}-child_words": f"{child.first_name} says: I want the shouting to stop.",
            f"children-{index}-reason_not_included": "",
        }
    return data | per_child


def step_up_form(family, **overrides):
    return (
        {
            "submission_key": uuid.uuid4().hex,
            "immediate_danger": "no",
            "what_has_changed": "Police were called to the home twice this week.",
            "worries": "The children are left alone late at night.",
            "level": str(reference(LevelOfNeed, number=3).id),
            "receiving_team": str(team("Social care team").id),
            "family_told": "yes",
            "told_on": date_parts(clock.today() - timedelta(days=1)),
            "told_by": "Robin Quillfeather",
            "family_agreement": "yes",
            "family_words": "",
            "override_reason": "",
            "not_to_share": "",
        }
        | children_rows(family)
        | overrides
    )


def step_down_form(family, **overrides):
    """A step-down the family agrees to, every checklist answer yes, one outcome for the whole family."""
    data = {
        "submission_key": uuid.uuid4().hex,
        "why_now": "The child protection plan has ended and home is calmer.",
        "threshold_reviewed": "yes",
        "threshold_reviewed_note": "",
        "clear_outcomes": "yes",
        "clear_outcomes_note": "",
        "outstanding_tasks_listed": "yes",
        "outstanding_tasks_listed_note": "",
        "worries": "Routines are still fragile after school.",
        "level": str(reference(LevelOfNeed, number=2).id),
        "receiving_team": str(team("Early help team").id),
        "proposed_lead": "",
        "family_told": "yes",
        "told_on": date_parts(clock.today() - timedelta(days=1)),
        "told_by": "Kit Marrowby",
        "family_agreement": "yes",
        "family_words": "",
        "not_to_share": "",
    } | children_rows(family)
    for index in range(3):
        data |= {
            f"outcomes-{index}-person": "",
            f"outcomes-{index}-what_different": "",
            f"outcomes-{index}-by_when": ["", "", ""],
            f"outstanding-{index}-what": "",
            f"outstanding-{index}-owner": "",
            f"outstanding-{index}-due_on": ["", "", ""],
        }
    data |= {
        "outcomes-0-person": "family",
        "outcomes-0-what_different": "The children get to school on time at least 9 days in 10.",
        "outcomes-0-by_when": date_parts(clock.today() + timedelta(weeks=12)),
    }
    return data | overrides


def plan_form(version, **overrides):
    return {
        "version": str(version),
        "meeting_kind": "meeting",
        "meeting_on": ["", "", ""],
        "meeting_place": "",
        "attendees": "",
        "information_shared": "",
        "family_told_what": "",
        "children_views": "",
        "contingency": "",
        "step_up_contact": "",
    } | overrides


def next_step_form(due_on, **overrides):
    return {
        "what": "Book a dentist appointment for the children",
        "owner_kind": "family_member",
        "owner_user": "",
        "owner_name": "Alex Testfamily",
        "owner_agency": "",
        "due_in": "date",
        "due_on": date_parts(due_on),
    } | overrides


# Reading what the database holds now (the app commits in its own sessions)


def next_steps_of(family) -> int:
    """How many next steps the family has in the database."""
    return db.session.scalar(select(func.count()).select_from(NextStep).where(NextStep.family_id == family.id))


def a_task(owner, due_on, what="Chase the health visitor") -> dict:
    """The first outstanding-task row of the step-down form, filled in."""
    return {
        "outstanding-0-what": what,
        "outstanding-0-owner": str(owner.id),
        "outstanding-0-due_on": date_parts(due_on),
    }


def transfers_of(family):
    db.session.expire_all()
    return db.session.scalars(select(Transfer).where(Transfer.family_id == family.id)).all()


def the_request_of(family) -> Transfer:
    [transfer] = transfers_of(family)
    return transfer


def involvement(soup) -> dict[str, str]:
    """The family page's current involvement: service name to its lead, as a person reads it."""
    cards = {}
    for card in soup.select(".govuk-summary-card"):
        lead = card.find(lambda tag: tag.name == "p" and "Lead:" in tag.get_text())
        cards[card.select_one(".govuk-summary-card__title").get_text(strip=True)] = lead.select_one("strong").get_text(
            strip=True
        )
    return cards


def when_changed(transfer) -> str:
    return f"on {clock.long_moment(fresh(transfer).state_changed_at)}"


def plan_version(client, transfer) -> str:
    return client.page("transfers.edit_plan", transfer_id=transfer.id).select_one("#version")["value"]


def advance(transfer, *steps):
    """Set up: move a request on through the service, as (action, person[, lead or reason]) steps."""
    for action, actor, *extra in steps:
        lead = extra[0] if extra and not isinstance(extra[0], str) else None
        reason = extra[0] if extra and isinstance(extra[0], str) else ""
        transfers.act(transfer.id, TransferAction(action), actor=actor, lead=lead, reason=reason)
    return fresh(transfer)


def step_up_case(lead=None):
    """A family of two children with an open early help episode led by `lead`."""
    lead = lead or early_help_lead()
    family = make_household(children=2)
    return family, make_episode(family, service_code="early_help", lead=lead)


def a_sent_step_up():
    """Robin's step-up request for a family of two, submitted and approved by the manager: sent to social care."""
    lead, manager = early_help_lead(), early_help_manager()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead), ("approve", manager))
    return lead, manager, family, episode, transfer


def step_down_case(worker=None):
    worker = worker or social_worker()
    family = make_household(children=2)
    return family, make_episode(family, service_code="social_care", lead=worker)


def refusals_of(transfer) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "transfer",
            AuditEvent.record_id == str(transfer.id),
            AuditEvent.outcome == "refused",
        )
    ).all()


# 1. Starting a step-up


def test_the_step_up_form_lists_every_child_in_the_household(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    soup = client.page("transfers.new_step_up", episode_id=episode.id)
    assert text_of(soup, "h1") == "Request a step-up to children's social care"
    assert [h.get_text(strip=True) for h in soup.select(".app-child-row h3")] == [c.full_name for c in family.children]
    assert "Robin Quillfeather stays responsible for the family until the receiving team accepts" in text_of(
        soup, "main"
    )
    assert soup.select_one("#submission_key")["value"]
    assert soup.select_one(".govuk-back-link")["href"] == client.url("families.show", family_id=family.id)


def test_a_step_up_missing_everything_explains_each_thing_to_add_and_keeps_what_was_typed(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = {
        "submission_key": uuid.uuid4().hex,
        "worries": "Kept worry about the bruises.",
        "children-0-person_id": str(family.children[0].id),
        "children-1-person_id": str(family.children[1].id),
    }
    response = client.post("transfers.new_step_up", data, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert sorted(error_messages(soup)) == sorted(
        [
            "Select yes if any child is in immediate danger",
            "Enter what has changed: the new information",
            "Select the level of need now",
            "Select the receiving team",
            "Select whether the family has been told about this request",
            "Select yes if this child is part of the request",
            "Select yes if this child is part of the request",
            "Include at least one child in the request",
        ]
    )
    assert soup.title.get_text().startswith("Error:")
    assert soup.select_one("#worries").get_text().strip() == "Kept worry about the bruises."
    assert transfers_of(family) == []


def test_the_step_up_error_summary_lists_problems_in_the_order_the_questions_appear(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = {
        "submission_key": uuid.uuid4().hex,
        "worries": "Some worry.",
        "children-0-person_id": str(family.children[0].id),
        "children-1-person_id": str(family.children[1].id),
    }
    assert error_messages(soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))) == [
        "Select yes if any child is in immediate danger",
        "Enter what has changed: the new information",
        "Select the level of need now",
        "Select the receiving team",
        "Select yes if this child is part of the request",
        "Select yes if this child is part of the request",
        "Include at least one child in the request",
        "Select whether the family has been told about this request",
    ]


def test_each_child_needs_their_views_or_a_reason_for_being_left_out_and_typed_values_stay(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(
        family,
        **{
            "children-0-child_words": "  ",
            "children-1-included": "no",
            "children-1-reason_not_included": "",
            "what_has_changed": "A kept note about the new injury.",
        },
    )
    soup = soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))
    assert error_messages(soup) == [
        "Enter this child's views, or say why they could not be asked",
        f"Explain why {family.children[1].first_name} is not part of the request",
    ]
    assert soup.select_one("#what_has_changed").get_text().strip() == "A kept note about the new injury."
    assert soup.select_one("#children-1-included-2").has_attr("checked")
    assert transfers_of(family) == []


def test_going_ahead_without_the_familys_agreement_needs_a_safeguarding_reason(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(
        family,
        family_agreement="no",
        family_words="Dad said no.",
        override_reason="",
        not_to_share="Kept: not the new address.",
    )
    soup = soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))
    assert error_messages(soup) == ["Explain the safeguarding reason for going ahead without the family's agreement"]
    assert soup.select_one("#not_to_share").get_text().strip() == "Kept: not the new address."
    assert transfers_of(family) == []


def test_text_that_is_too_long_is_refused_with_its_limit(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family, worries="w" * 5001, **{"children-0-child_words": "v" * 5001})
    assert error_messages(soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))) == [
        "The worries must be 5000 characters or fewer",
        "Their views must be 5000 characters or fewer",
    ]
    assert transfers_of(family) == []


def test_a_complete_step_up_is_saved_as_a_draft_and_opens_the_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family, **{"children-1-included": "no", "children-1-reason_not_included": "Lives with dad."})
    response = client.post("transfers.new_step_up", data, episode_id=episode.id)
    assert response.status_code == 302
    transfer = the_request_of(family)
    assert response.headers["Location"] == client.url("transfers.show", transfer_id=transfer.id)
    assert (transfer.state, transfer.direction, transfer.requested_by_id) == ("draft", "step_up", lead.id)
    assert [(c.person_id, c.included) for c in transfer.children] == [
        (family.children[0].id, True),
        (family.children[1].id, False),
    ]
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert "Step-up request saved as a draft" in text_of(soup, ".govuk-notification-banner")
    assert text_of(soup, "#transfer-state") == "Draft"
    assert "govuk-tag--grey" in soup.select_one("#transfer-state")["class"]
    assert "Robin Quillfeather (Early help) until the receiving team accepts" in text_of(soup, "#responsible")
    assert "Lives with dad." in text_of(soup, "main")


def test_posting_the_same_step_up_form_twice_makes_one_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family)
    first = client.post("transfers.new_step_up", data, episode_id=episode.id)
    second = client.post("transfers.new_step_up", data, episode_id=episode.id)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(transfers_of(family)) == 1


@contextmanager
def lookups_missing(submission_key):
    """The same form sent twice at once: this request looks for the key, and for an open request, before the
    other one has saved it, then finds the key taken when it saves. Its first look for the key and its looks
    for an open request are made to find nothing."""
    missed = []

    def miss(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("SELECT") or "FROM transfer" not in statement:
            return statement, parameters
        values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters or ())
        if "transfer.from_episode_id = " in statement or (submission_key in values and not missed):
            missed.append(statement)
            statement = statement.replace("WHERE ", "WHERE 1 = 0 AND ", 1)
        return statement, parameters

    event.listen(db.engine, "before_cursor_execute", miss, retval=True)
    try:
        yield missed
    finally:
        event.remove(db.engine, "before_cursor_execute", miss)


def test_the_slower_of_two_identical_posts_at_once_goes_to_the_request_the_other_saved(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family)
    winner = make_transfer(episode, actor=lead, submission_key=data["submission_key"])
    with lookups_missing(data["submission_key"]) as missed:
        response = client.post("transfers.new_step_up", data, episode_id=episode.id)
    assert missed
    assert len(transfers_of(family)) == 1
    assert error_messages(soup_of(response)) == []
    assert response.status_code == 302
    assert response.headers["Location"] == client.url("transfers.show", transfer_id=winner.id)


def test_a_child_in_immediate_danger_puts_what_to_do_now_on_the_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    assert "call the police on 999 now" in text_of(
        client.page("transfers.new_step_up", episode_id=episode.id), ".app-danger-advice"
    )
    response = client.post("transfers.new_step_up", step_up_form(family, immediate_danger="yes"), episode_id=episode.id)
    soup = client.page(response.headers["Location"])
    assert "The requester says a child is in immediate danger. Act on it now" in text_of(soup, ".app-danger-advice")


def test_a_step_up_cannot_start_from_an_involvement_that_has_ended(client, today):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    form = step_up_form(family)
    episode.ended_on = today
    db.session.commit()
    client.sign_in(lead)
    soup = client.page("transfers.new_step_up", episode_id=episode.id)
    assert error_messages(soup) == ["This involvement has ended, so no request can start from it"]
    assert soup.find("button", string=re.compile("Save request as a draft")) is None
    response = client.post("transfers.new_step_up", form, episode_id=episode.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == ["This involvement has ended, so no request can start from it"]
    assert transfers_of(family) == []


def test_a_second_step_up_while_one_is_open_links_to_the_open_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    open_request = make_transfer(episode, actor=lead)
    client.sign_in(lead)
    soup = client.page("transfers.new_step_up", episode_id=episode.id)
    assert "A step-up request for this family is already open: see the request" in text_of(soup, "#open-request")
    assert soup.select_one("#open-request a")["href"] == client.url("transfers.show", transfer_id=open_request.id)
    assert soup.find("button", string=re.compile("Save request as a draft")) is None
    response = client.post("transfers.new_step_up", step_up_form(family), episode_id=episode.id)
    assert response.status_code == 200
    assert soup_of(response).select_one("#open-request a")["href"] == client.url(
        "transfers.show", transfer_id=open_request.id
    )
    assert len(transfers_of(family)) == 1
    [refusal] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "episode", AuditEvent.outcome == "refused")
    ).all()
    assert (refusal.action, refusal.record_id, refusal.family_id) == ("start_transfer", str(episode.id), family.id)


def test_a_step_up_from_a_social_care_episode_or_an_unknown_one_is_not_found(client):
    lead = early_help_lead()
    _, social_care = step_down_case()
    client.sign_in(lead)
    assert client.get("transfers.new_step_up", episode_id=social_care.id).status_code == 404
    assert client.get("transfers.new_step_up", episode_id=999999).status_code == 404
    assert client.get("/episodes/99999999999999999999/step-up").status_code == 404


def test_each_childs_views_are_stored_against_that_child_even_if_the_household_order_changes(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    older, younger = family.children
    client.sign_in(lead)
    client.page("transfers.new_step_up", episode_id=episode.id)
    data = step_up_form(
        family,
        **{
            "children-0-child_words": f"I am {older.first_name} and I want to stay at my school.",
            "children-1-child_words": f"I am {younger.first_name} and I miss my nan.",
        },
    )
    # Meanwhile a colleague corrects the older child's date of birth: they are in fact the youngest.
    older.date_of_birth = younger.date_of_birth + timedelta(days=400)
    db.session.commit()
    assert client.post("transfers.new_step_up", data, episode_id=episode.id).status_code == 302
    views = {child.person_id: child.child_words for child in the_request_of(family).children}
    assert views[older.id] == f"I am {older.first_name} and I want to stay at my school."
    assert views[younger.id] == f"I am {younger.first_name} and I miss my nan."


def test_a_child_added_to_the_household_while_writing_is_listed_again_and_nothing_is_saved(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family)
    family.members.append(
        Person(first_name="Cal", last_name=family.members[0].last_name, is_child=True, relationship_to_child="Son")
    )
    db.session.commit()
    soup = soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))
    assert "The children in the household changed" in text_of(soup, "main")
    assert len(soup.select(".app-child-row")) == 3
    assert transfers_of(family) == []


# 2. Starting a step-down


def test_the_step_down_checklist_must_be_answered_yes_or_no(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    soup = client.page("transfers.new_step_down", episode_id=episode.id)
    assert text_of(soup, "h1") == "Request a step-down to early help"
    assert [h.get_text(strip=True) for h in soup.select(".app-child-row h3.govuk-heading-m")] == [
        c.full_name for c in family.children
    ]
    data = step_down_form(family, why_now="Kept: the plan ended last week.")
    for box in ("threshold_reviewed", "clear_outcomes", "outstanding_tasks_listed"):
        data.pop(box)
    soup = soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))
    assert error_messages(soup) == [
        "Select yes if the level of need has been reviewed against the threshold",
        "Select yes if there are clear outcomes for early help to work towards",
        "Select yes if the outstanding tasks are listed, each with an owner and a date",
    ]
    assert soup.select_one("#why_now").get_text().strip() == "Kept: the plan ended last week."
    assert transfers_of(family) == []


def test_outstanding_tasks_become_next_steps_with_an_owner_and_a_due_date(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    receiver = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    due = today + timedelta(days=10)
    data = step_down_form(
        family,
        proposed_lead=str(receiver.id),
        **{
            "outstanding-1-what": "Finish the school attendance plan",
            "outstanding-1-owner": str(receiver.id),
            "outstanding-1-due_on": date_parts(due),
        },
    )
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    transfer = the_request_of(family)
    assert (transfer.direction, transfer.state, transfer.proposed_lead_id) == ("step_down", "draft", receiver.id)
    assert transfer.family_agrees and transfer.threshold_reviewed and transfer.clear_outcomes
    [step] = db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all()
    assert (step.what, step.owner_user_id, step.due_on) == ("Finish the school attendance plan", receiver.id, due)
    assert (step.source_type, step.source_id) == ("handover_plan", transfer.handover_plan.id)
    soup = client.page(response.headers["Location"])
    assert "Finish the school attendance plan" in text_of(soup, "main")
    assert "Ellis Pemberwick" in text_of(soup, "main")


def test_a_half_filled_task_row_says_what_is_missing_and_nothing_is_saved(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family, **{"outstanding-0-what": "Kept: chase the health visitor"})
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    row = text_of(soup, ".app-child-row:has(#outstanding-0-what)")
    assert "Select who will do it" in row
    assert "Enter the date it needs to be done by" in row
    assert soup.select_one("#outstanding-0-what")["value"] == "Kept: chase the health visitor"
    assert transfers_of(family) == []
    assert next_steps_of(family) == 0


def test_a_proposed_lead_or_a_task_owner_not_on_the_list_is_refused(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    not_early_help = social_worker("Hollis Wrongteam")
    client.sign_in(worker)
    data = step_down_form(family, proposed_lead=str(not_early_help.id), **a_task(not_early_help, today))
    soup = soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))
    assert error_messages(soup) == ["Select a lead practitioner from the list", "Select who will do it from the list"]
    data["proposed_lead"] = ""
    soup = soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))
    assert "Select who will do it from the list" in text_of(soup, ".app-child-row:has(#outstanding-0-what)")
    assert transfers_of(family) == []


def test_a_task_due_in_the_past_is_refused_and_nothing_is_saved(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    owner = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    data = step_down_form(family, **a_task(owner, today - timedelta(days=1)))
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        "Outstanding task “Chase the health visitor”: the date it needs to be done by must be today or in the future"
    ]
    assert soup.select_one("#outstanding-0-what")["value"] == "Chase the health visitor"
    assert transfers_of(family) == []
    assert next_steps_of(family) == 0


def test_a_task_due_today_is_accepted(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    owner = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    data = step_down_form(family, **a_task(owner, today))
    assert client.post("transfers.new_step_down", data, episode_id=episode.id).status_code == 302
    [step] = db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all()
    assert step.due_on == today


def test_a_half_filled_task_row_is_listed_in_the_error_summary(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family, **{"outstanding-0-what": "Chase the health visitor"})
    soup = soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))
    assert soup.title.get_text().startswith("Error:")
    assert error_messages(soup) == ["Select who will do it", "Enter the date it needs to be done by"]


def test_when_the_family_says_no_to_early_help_it_is_recorded_on_the_timeline_and_no_request_is_made(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    response = client.post(
        "transfers.step_down_refused", {"note": "Mum said she does not want another worker."}, episode_id=episode.id
    )
    assert response.headers["Location"] == client.url("families.show", family_id=family.id)
    soup = client.page("families.show", family_id=family.id)
    assert "the family did not agree to early help" in text_of(soup, ".govuk-notification-banner")
    assert (
        "Step-down to early help not made: the family did not agree. Mum said she does not want another worker."
        in text_of(soup, "#family-timeline")
    )
    assert transfers_of(family) == []
    assert fresh(episode).is_open
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.family_id == family.id))
    assert (entry.record_type, entry.record_id, entry.actor_id) == ("episode", episode.id, worker.id)


def test_saying_the_family_said_no_without_saying_what_they_said_asks_for_it_and_keeps_the_request_form(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    response = client.post("transfers.step_down_refused", {"note": "  "}, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Explain what the family said about early help" in text_of(soup, "details[open]")
    assert [h.get_text(strip=True) for h in soup.select(".app-child-row h3.govuk-heading-m")] == [
        c.full_name for c in family.children
    ]
    assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.family_id == family.id)) is None


def test_a_missing_note_when_the_family_says_no_is_in_the_error_summary(client):
    worker = social_worker()
    _, episode = step_down_case(worker)
    client.sign_in(worker)
    soup = soup_of(client.post("transfers.step_down_refused", {"note": ""}, episode_id=episode.id))
    assert error_messages(soup) == ["Explain what the family said about early help"]
    assert soup.title.get_text().startswith("Error:")


# 3. Who may start a request


def test_someone_who_neither_leads_nor_manages_the_episode_cannot_start_a_request(client):
    lead = early_help_lead()
    family, up_episode = step_up_case(lead)
    _, down_episode = step_down_case()
    colleague = early_help_lead("Avery Notthelead")
    other_manager = social_care_manager("Drew Otherteam")
    client.sign_in(colleague)
    assert client.get("transfers.new_step_up", episode_id=up_episode.id).status_code == 403
    assert client.post("transfers.new_step_up", step_up_form(family), episode_id=up_episode.id).status_code == 403
    assert "Request a step-up" not in text_of(client.page("families.show", family_id=family.id), "main")

    manager = browser(client.app, other_manager)
    assert manager.get("transfers.new_step_up", episode_id=up_episode.id).status_code == 404  # not their family
    assert manager.get("transfers.new_step_down", episode_id=down_episode.id).status_code == 200  # manages that team
    other_worker = browser(client.app, social_worker("Fenn Notassigned"))
    assert other_worker.get("transfers.new_step_down", episode_id=down_episode.id).status_code == 403
    assert (
        other_worker.post("transfers.step_down_refused", {"note": "No."}, episode_id=down_episode.id).status_code == 403
    )
    assert transfers_of(family) == []


def test_a_social_worker_cannot_ask_for_a_step_up_and_a_practitioner_cannot_ask_for_a_step_down(client):
    lead = early_help_lead()
    _, up_episode = step_up_case(lead)
    _, down_episode = step_down_case(social_worker())
    client.sign_in(lead)
    assert client.get("transfers.new_step_down", episode_id=down_episode.id).status_code == 403
    other = browser(client.app, social_worker("Gale Wrongrole"))
    assert other.get("transfers.new_step_up", episode_id=up_episode.id).status_code == 403


def test_the_lead_and_a_manager_of_the_team_see_the_link_to_start_a_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    link = client.page("families.show", family_id=family.id).find(
        "a", string=re.compile("Request a step-up to social care")
    )
    assert link["href"] == client.url("transfers.new_step_up", episode_id=episode.id)
    manager = browser(client.app, early_help_manager())
    assert manager.page("families.show", family_id=family.id).find("a", string=re.compile("Request a step-up"))
    assert manager.get(link["href"]).status_code == 200


# 4. The whole step-up, by the people who do each part


def test_a_step_up_goes_from_request_to_completed_handover_with_no_gap_in_responsibility(client, app, today):
    lead = early_help_lead()
    approver = early_help_manager()
    decider = social_care_manager()
    receiver = social_worker()
    family, episode = step_up_case(lead)

    client.sign_in(lead)
    assert client.post("transfers.new_step_up", step_up_form(family), episode_id=episode.id).status_code == 302
    request = {"transfer_id": the_request_of(family).id}
    soup = client.page("transfers.show", **request)
    assert [b.get_text(strip=True) for b in soup.select("form.app-action button")] == [
        "Send for manager approval",
        "Withdraw the request",
    ]
    assert client.post("transfers.submit", **request).status_code == 302
    assert text_of(client.page("transfers.show", **request), "#transfer-state") == "Awaiting approval"
    open_requests = client.page("families.show", family_id=family.id).select_one("#open-transfers + ul")
    assert " ".join(open_requests.get_text(" ").split()) == "Step-up to Social care team Awaiting approval"

    manager = browser(app, approver)
    assert "Approve and send" in text_of(manager.page("transfers.show", **request), "main")
    assert manager.post("transfers.approve", **request).status_code == 302
    soup = manager.page("transfers.show", **request)
    assert text_of(soup, "#transfer-state") == "Sent"
    assert "working day" in text_of(soup, "#decision-clock")

    social_care = browser(app, decider)
    response = social_care.post(
        "transfers.accept", {"accept-lead": str(receiver.id), "accept-reason": "We will start this week."}, **request
    )
    assert response.status_code == 302
    soup = social_care.page("transfers.show", **request)
    assert text_of(soup, "#transfer-state") == "Accepted"
    assert text_of(soup, "#responsible") == (
        "Kit Marrowby (Social care team), with Robin Quillfeather until the handover is complete"
    )
    # No gap: both services are involved, the sending lead still there and the receiving lead named.
    assert involvement(social_care.page("families.show", family_id=family.id)) == {
        "Early help": "Robin Quillfeather",
        "Children's social care": "Kit Marrowby",
    }

    worker = browser(app, receiver)
    plan = {
        "meeting_on": date_parts(today),
        "meeting_place": "The family home",
        "attendees": "Robin Quillfeather, Kit Marrowby and mum",
        "contingency": "Call the out of hours team on the number in this letter.",
    }
    version = plan_version(worker, the_request_of(family))
    response = worker.post("transfers.edit_plan", plan_form(version, **plan), **request)
    assert response.status_code == 302, error_messages(soup_of(response))

    soup = soup_of(worker.post("transfers.complete_handover", **request))
    assert error_messages(soup) == ["Record that the handover meeting or joint visit has happened"]
    assert the_request_of(family).state == "accepted"

    version = plan_version(worker, the_request_of(family))
    response = worker.post("transfers.edit_plan", plan_form(version, meeting_held="y", **plan), **request)
    assert response.status_code == 302
    assert "Held" in text_of(worker.page("transfers.show", **request), "#handover-plan")
    assert worker.post("transfers.complete_handover", **request).status_code == 302

    soup = worker.page("transfers.show", **request)
    assert text_of(soup, "#transfer-state") == "Handover complete"
    assert text_of(soup, "#responsible") == "Kit Marrowby (Social care team)"
    assert not fresh(episode).is_open
    assert "handover complete" in fresh(episode).closure_reason
    assert involvement(worker.page("families.show", family_id=family.id)) == {"Children's social care": "Kit Marrowby"}
    history = [" ".join(row.select("td")[2].get_text(" ").split()) for row in soup.select("#history tbody tr")]
    assert history == [
        "Handover complete",
        "Accepted: We will start this week.",
        "Approved and sent",
        "Sent for approval",
        "Created",
    ]


def test_the_person_who_asked_cannot_approve_their_own_request_even_as_a_manager(client, app):
    requester = early_help_manager()
    family, episode = step_up_case(early_help_lead())
    client.sign_in(requester)
    client.post("transfers.new_step_up", step_up_form(family), episode_id=episode.id)
    transfer = the_request_of(family)
    assert client.post("transfers.submit", transfer_id=transfer.id).status_code == 302
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert "Approve and send" not in text_of(soup, "main")
    response = client.post("transfers.approve", transfer_id=transfer.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == ["You cannot approve or return your own request. Ask another manager"]
    soup = soup_of(client.post("transfers.return", {"return-reason": "Self check"}, transfer_id=transfer.id))
    assert error_messages(soup) == ["You cannot approve or return your own request. Ask another manager"]
    assert fresh(transfer).state == "awaiting_approval"

    other = browser(app, early_help_manager("Sam Larkspurrow"))
    assert other.post("transfers.approve", transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).state == "sent"


def test_a_practitioner_or_a_manager_of_another_team_cannot_approve(client, app):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(lead)
    assert error_messages(soup_of(client.post("transfers.approve", transfer_id=transfer.id))) == [
        "Only a team manager of the sending team can approve or return this request"
    ]
    outsider = browser(app, social_care_manager())  # the request is not yet sent to them: not their family
    assert outsider.post("transfers.approve", transfer_id=transfer.id).status_code == 404
    assert fresh(transfer).state == "awaiting_approval"


def test_a_manager_returns_a_request_with_a_reason_and_the_requester_sees_it(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    manager = browser(app, early_help_manager())
    soup = soup_of(manager.post("transfers.return", {"return-reason": ""}, transfer_id=transfer.id))
    assert error_messages(soup) == ["Explain why the request is being returned"]
    assert "Explain why the request is being returned" in text_of(soup, ".govuk-form-group--error:has(#return-reason)")
    assert soup.select_one(".govuk-error-summary a")["href"] == "#return-reason"
    soup = soup_of(manager.post("transfers.return", {"return-reason": "n/a"}, transfer_id=transfer.id))
    assert error_messages(soup) == [
        "Explain why the request is being returned in a sentence of at least 10 characters: say what happened or"
        " what was decided, not \u201cn/a\u201d"
    ]
    assert soup.select_one("#return-reason").get_text(strip=True) == "n/a"
    assert fresh(transfer).state == "awaiting_approval"
    response = manager.post("transfers.return", {"return-reason": "Add what school told you."}, transfer_id=transfer.id)
    assert response.status_code == 302
    client.sign_in(lead)
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert text_of(soup, "#transfer-state") == "Draft"
    assert "Add what school told you." in text_of(soup, "#history")


def test_accepting_needs_a_lead_from_the_receiving_team(client, app):
    lead, manager, _, episode, transfer = a_sent_step_up()
    worker = social_worker()
    gone = social_worker("Rowan Leftlastyear")
    gone.active = False
    db.session.commit()
    client.sign_in(social_care_manager())
    soup = client.page("transfers.show", transfer_id=transfer.id)
    choices = [o.get_text(strip=True) for o in soup.select("#accept-lead option")]
    assert "Kit Marrowby" in choices
    assert "Robin Quillfeather" not in choices
    assert "Rowan Leftlastyear" not in choices

    not_named, not_theirs = (
        "Select the lead who will take the case",
        "Select a practitioner or social worker of Social care team",
    )
    for posted, message in (
        ("", not_named),
        (str(lead.id), not_theirs),
        (str(gone.id), not_theirs),
        ("nobody", not_named),
        ("99999999999999999999", not_named),
    ):
        response = client.post("transfers.accept", {"accept-lead": posted}, transfer_id=transfer.id)
        assert response.status_code == 200, posted
        assert error_messages(soup_of(response)) == [message], posted
    assert fresh(transfer).state == "sent"
    assert client.post("transfers.accept", {"accept-lead": str(worker.id)}, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).receiving_lead_id == worker.id


def test_only_the_receiving_team_can_accept_or_decline(client):
    lead, manager, _, episode, transfer = a_sent_step_up()
    worker = social_worker()
    client.sign_in(manager)
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert "Accept" not in [b.get_text(strip=True) for b in soup.select("form.app-action button")]
    soup = soup_of(client.post("transfers.accept", {"accept-lead": str(worker.id)}, transfer_id=transfer.id))
    assert error_messages(soup) == ["Only the receiving team can accept or decline this request"]
    assert fresh(transfer).state == "sent"


# 5. Decline, withdraw, and arriving too late


def test_a_declined_request_keeps_the_family_with_the_sender_and_shows_the_rationale_and_advice(client, app):
    lead, manager, family, episode, transfer = a_sent_step_up()
    client.sign_in(social_care_manager())
    soup = soup_of(client.post("transfers.decline", {"decline-advice": "Kept advice."}, transfer_id=transfer.id))
    assert error_messages(soup) == ["Explain why the request is declined"]
    assert soup.select_one("#decline-advice").get_text().strip() == "Kept advice."

    response = client.post(
        "transfers.decline",
        {
            "decline-reason": "The worries are met by the current early help plan.",
            "decline-advice": "Add a parenting course and review in four weeks.",
        },
        transfer_id=transfer.id,
    )
    assert response.status_code == 302
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert text_of(soup, "#transfer-state") == "Declined"
    summary = text_of(soup, "#transfer-summary")
    assert "Why it was declined The worries are met by the current early help plan." in summary
    assert "Advice Add a parenting course and review in four weeks." in summary
    assert text_of(soup, "#responsible").startswith("Robin Quillfeather (Early help)")
    assert involvement(client.page("families.show", family_id=family.id)) == {"Early help": "Robin Quillfeather"}
    assert fresh(episode).is_open

    client.sign_out()
    client.sign_in(lead)  # the letter is the two teams' to issue (the decider only decides)
    letter = text_of(client.page("transfers.family_letter", transfer_id=transfer.id), "#letter-preview")
    assert "Robin Quillfeather from early help will carry on working with you" in letter


def test_a_new_request_after_a_declined_one_links_to_it(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    declined = advance(
        make_transfer(episode, actor=lead),
        ("submit", lead),
        ("approve", early_help_manager()),
        ("decline", social_care_manager(), "Below threshold for now"),
    )
    client.sign_in(lead)
    response = client.post("transfers.new_step_up", step_up_form(family), episode_id=episode.id)
    soup = client.page(response.headers["Location"])
    link = soup.select_one(f"#transfer-summary a[href='{client.url('transfers.show', transfer_id=declined.id)}']")
    assert link.get_text().startswith("The request declined on")


def test_the_requester_withdraws_a_request_with_a_reason(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(lead)
    soup = soup_of(client.post("transfers.withdraw", {"withdraw-reason": " "}, transfer_id=transfer.id))
    assert error_messages(soup) == ["Explain why the request is being withdrawn"]
    response = client.post(
        "transfers.withdraw", {"withdraw-reason": "Mum moved to her sister's."}, transfer_id=transfer.id
    )
    assert response.status_code == 302
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert text_of(soup, "#transfer-state") == "Withdrawn"
    assert "Mum moved to her sister's." in text_of(soup, "#history")
    assert soup.select("form.app-action") == []
    assert "None open." in text_of(client.page("families.show", family_id=family.id), "main")


def test_someone_else_cannot_withdraw_a_request(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(early_help_lead("Avery Notthelead"))
    soup = soup_of(
        client.post("transfers.withdraw", {"withdraw-reason": "Tidying up an old request"}, transfer_id=transfer.id)
    )
    assert error_messages(soup) == ["Only the person who made the request, or their manager, can withdraw it"]
    assert fresh(transfer).state == "draft"


def test_arriving_after_someone_else_decided_gives_a_plain_message_not_an_error(client, app):
    lead, manager, _, episode, transfer = a_sent_step_up()
    worker = social_worker()
    first = browser(app, social_care_manager())
    client.sign_in(social_worker("Lane Latecomer"))
    client.page("transfers.show", transfer_id=transfer.id)  # both have the request open

    assert first.post("transfers.accept", {"accept-lead": str(worker.id)}, transfer_id=transfer.id).status_code == 302
    message = f"This request was accepted by Jo Brackenfold {when_changed(transfer)}"
    for action, data in [
        ("decline", {"decline-reason": "Not for us."}),
        ("accept", {"accept-lead": str(worker.id)}),
        ("approve", {}),
        ("withdraw", {"withdraw-reason": "Changed my mind."}),
    ]:
        response = client.post(f"transfers.{action}", data, transfer_id=transfer.id)
        assert response.status_code == 200, action
        assert error_messages(soup_of(response)) == [message], action
    assert fresh(transfer).state == "accepted"
    assert sorted(event.action for event in refusals_of(transfer)) == ["accept", "approve", "decline", "withdraw"]


def test_acting_on_a_withdrawn_or_completed_request_says_what_happened(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("withdraw", lead, "No longer needed"))
    client.sign_in(lead)
    message = f"This request was withdrawn by Robin Quillfeather {when_changed(transfer)}"
    assert error_messages(soup_of(client.post("transfers.submit", transfer_id=transfer.id))) == [message]
    assert error_messages(soup_of(client.post("transfers.complete_handover", transfer_id=transfer.id))) == [message]


def test_an_unknown_request_is_not_found(client):
    client.sign_in(early_help_lead())
    assert client.get("transfers.show", transfer_id=999999).status_code == 404
    assert client.post("transfers.approve", transfer_id=999999).status_code == 404
    assert client.get("transfers.edit_plan", transfer_id=999999).status_code == 404
    assert client.get("/transfers/99999999999999999999").status_code == 404


def test_a_step_down_accepted_by_early_help_names_both_leads_and_starts_the_meeting_clock(client, app):
    worker = social_worker()
    family, episode = step_down_case(worker)
    receiver = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    client.post("transfers.new_step_down", step_down_form(family), episode_id=episode.id)
    request = {"transfer_id": the_request_of(family).id}
    assert client.post("transfers.submit", **request).status_code == 302
    assert browser(app, social_care_manager()).post("transfers.approve", **request).status_code == 302
    early_help = browser(app, early_help_manager())
    assert early_help.post("transfers.accept", {"accept-lead": str(receiver.id)}, **request).status_code == 302
    soup = early_help.page("transfers.show", **request)
    assert "working days after acceptance on" in text_of(soup, "#meeting-clock")
    assert text_of(soup, "#responsible") == (
        "Ellis Pemberwick (Early help team), with Kit Marrowby until the handover is complete"
    )
    assert involvement(early_help.page("families.show", family_id=family.id)) == {
        "Children's social care": "Kit Marrowby",
        "Early help": "Ellis Pemberwick",
    }


# 6. Going ahead without the family's agreement


def test_a_step_up_without_the_familys_agreement_waits_for_another_manager_to_authorise_it(client, app):
    requester = early_help_manager()
    family, episode = step_up_case(early_help_lead())
    client.sign_in(requester)
    data = step_up_form(
        family, family_agreement="no", family_words="Mum said no.", override_reason="Telling dad would put mum at risk."
    )
    client.post("transfers.new_step_up", data, episode_id=episode.id)
    request = {"transfer_id": the_request_of(family).id}
    assert client.post("transfers.submit", **request).status_code == 302
    soup = client.page("transfers.show", **request)
    assert "Reason for going ahead: Telling dad would put mum at risk." in text_of(soup, "#override")
    assert "Not yet authorised by a team manager." in text_of(soup, "#override")
    assert soup.select_one("#override form") is None
    soup = soup_of(client.post("transfers.authorise_override", **request))
    assert error_messages(soup) == ["You cannot authorise your own request. Ask another manager"]

    other = browser(app, early_help_manager("Sam Larkspurrow"))
    soup = soup_of(other.post("transfers.approve", **request))
    assert error_messages(soup) == [
        "The family has not agreed. Authorise going ahead without their agreement before approving"
    ]
    assert the_request_of(family).state == "awaiting_approval"
    assert other.page("transfers.show", **request).select_one("#override form button")

    reasoning = {"authorisation_reason": "Telling dad first would put mum and the children at risk."}
    assert other.post("transfers.authorise_override", reasoning, **request).status_code == 302
    soup = other.page("transfers.show", **request)
    assert "Authorised by Sam Larkspurrow" in text_of(soup, "#override")
    assert other.post("transfers.approve", **request).status_code == 302
    transfer = the_request_of(family)
    assert (transfer.state, transfer.override_authorised_by.name) == ("sent", "Sam Larkspurrow")


def test_only_a_manager_of_the_sending_team_can_authorise_going_ahead(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead))
    client.sign_in(lead)
    assert client.post("transfers.authorise_override", transfer_id=transfer.id).status_code == 403
    # A manager of another team has no relationship with the family: for them the request does not exist.
    outsider = browser(app, social_care_manager())
    assert outsider.get("transfers.show", transfer_id=transfer.id).status_code == 404
    assert outsider.post("transfers.authorise_override", transfer_id=transfer.id).status_code == 404
    assert fresh(transfer).override_authorised_at is None
    assert refusals_of(transfer) == []


def test_a_request_the_family_agrees_to_needs_no_authorisation(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(early_help_manager())
    assert client.page("transfers.show", transfer_id=transfer.id).select_one("#override") is None
    assert error_messages(soup_of(client.post("transfers.authorise_override", transfer_id=transfer.id))) == [
        "This request does not need a manager's authorisation"
    ]


def test_authorising_a_withdrawn_request_is_refused_with_a_plain_message(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(
        make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead), ("withdraw", lead, "Moved away")
    )
    client.sign_in(early_help_manager())
    response = client.post("transfers.authorise_override", transfer_id=transfer.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == [
        f"This request was withdrawn by Robin Quillfeather {when_changed(transfer)}"
    ]
    assert fresh(transfer).override_authorised_at is None


def test_a_second_authorisation_does_not_replace_the_first(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead))
    first, second = early_help_manager(), early_help_manager("Sam Larkspurrow")
    client.sign_in(first)
    late = browser(app, second)
    late.page("transfers.show", transfer_id=transfer.id)  # both managers have the page open
    reasoning = {"authorisation_reason": "Dad must not learn of the referral before the strategy discussion."}
    assert client.post("transfers.authorise_override", reasoning, transfer_id=transfer.id).status_code == 302
    authorised_at = fresh(transfer).override_authorised_at
    soup = soup_of(late.post("transfers.authorise_override", reasoning, transfer_id=transfer.id))
    assert error_messages(soup) == [
        f"This was already authorised by Morgan Thistlewhite on {clock.long_moment(authorised_at)}"
    ]
    assert fresh(transfer).override_authorised_by_id == first.id


# 7. Two people editing one handover plan


def accepted_step_up():
    """A step-up accepted by social care with Kit Marrowby as the receiving lead."""
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    receiver = social_worker()
    transfer = advance(
        make_transfer(episode, actor=lead),
        ("submit", lead),
        ("approve", early_help_manager()),
        ("accept", social_care_manager(), receiver),
    )
    return family, transfer, lead, receiver


def test_the_second_person_to_save_the_handover_plan_is_told_and_keeps_what_they_typed(client, app):
    _, transfer, lead, receiver = accepted_step_up()
    plan = {"transfer_id": transfer.id}
    client.sign_in(receiver)
    other = browser(app, lead)
    mine, theirs = plan_version(client, transfer), plan_version(other, transfer)

    data = plan_form(mine, meeting_place="Testtown family centre", attendees="Kit Marrowby and both parents")
    assert client.post("transfers.edit_plan", data, **plan).status_code == 302
    saved = fresh(transfer.handover_plan)

    data = plan_form(theirs, meeting_place="Testtown library", attendees="Robin Quillfeather and mum")
    response = other.post("transfers.edit_plan", data, **plan)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        f"Kit Marrowby saved this handover plan on {clock.long_moment(saved.updated_at)}, after you opened this page. "
        "Your changes are below but have not been saved; the fields you did not change now show what they saved. "
        "Check, then save again"
    ]
    assert soup.select_one("#meeting_place")["value"] == "Testtown library"
    assert soup.select_one("#attendees").get_text().strip() == "Robin Quillfeather and mum"
    assert soup.select_one("#version")["value"] == str(saved.version)
    assert "Testtown family centre" in text_of(soup, "#saved-plan")
    saved = fresh(transfer.handover_plan)
    assert (saved.meeting_place, saved.attendees, saved.updated_by_id) == (
        "Testtown family centre",
        "Kit Marrowby and both parents",
        receiver.id,
    )
    [refusal] = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
    assert (refusal.action, refusal.record_id, refusal.user_id) == ("update_handover_plan", str(transfer.id), lead.id)


def test_after_being_told_someone_else_saved_the_plan_saving_again_works(client, app):
    _, transfer, lead, receiver = accepted_step_up()
    plan = {"transfer_id": transfer.id}
    client.sign_in(receiver)
    other = browser(app, lead)
    mine, theirs = plan_version(client, transfer), plan_version(other, transfer)
    assert (
        client.post("transfers.edit_plan", plan_form(mine, meeting_place="Testtown family centre"), **plan).status_code
        == 302
    )
    soup = soup_of(other.post("transfers.edit_plan", plan_form(theirs, meeting_place="Testtown library"), **plan))
    assert len(error_messages(soup)) == 1
    again = plan_form(soup.select_one("#version")["value"], meeting_place="Testtown library")
    assert other.post("transfers.edit_plan", again, **plan).status_code == 302
    assert fresh(transfer.handover_plan).meeting_place == "Testtown library"


def test_a_meeting_marked_held_needs_its_date_and_a_meeting_kind_is_required(client):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    data = plan_form(plan_version(client, transfer), meeting_kind="", meeting_held="y", attendees="Kept names")
    soup = soup_of(client.post("transfers.edit_plan", data, transfer_id=transfer.id))
    assert error_messages(soup) == [
        "Select a handover meeting or a joint visit",
        "Enter the date of the meeting or visit that happened",
    ]
    assert soup.select_one("#attendees").get_text().strip() == "Kept names"
    assert not fresh(transfer.handover_plan).meeting_held


def test_a_meeting_marked_held_cannot_be_dated_in_the_future(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    tomorrow = today + timedelta(days=1)
    data = plan_form(plan_version(client, transfer), meeting_on=date_parts(tomorrow), meeting_held="y")
    response = client.post("transfers.edit_plan", data, transfer_id=transfer.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["A meeting that has happened cannot have a date in the future"]
    assert soup.select_one(".govuk-error-summary a")["href"] == "#meeting_on-day"
    assert not fresh(transfer.handover_plan).meeting_held
    data = plan_form(plan_version(client, transfer), meeting_on=date_parts(today), meeting_held="y")
    assert client.post("transfers.edit_plan", data, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer.handover_plan).meeting_held


def test_the_handover_plan_of_a_completed_request_is_closed(client, today):
    _, transfer, lead, receiver = accepted_step_up()
    plan = fresh(transfer.handover_plan)
    plan.meeting_on, plan.meeting_held = today, True
    db.session.commit()
    advance(transfer, ("complete_handover", receiver))
    client.sign_in(receiver)
    assert "Complete the handover plan" not in text_of(client.page("transfers.show", transfer_id=transfer.id), "main")
    data = plan_form(plan_version(client, transfer), meeting_place="Too late")
    response = client.post("transfers.edit_plan", data, transfer_id=transfer.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == ["This request is handover complete: its handover plan is closed"]
    assert fresh(transfer.handover_plan).meeting_place == ""


def test_only_the_two_teams_can_open_the_handover_plan(client):
    _, transfer, _, _ = accepted_step_up()
    client.sign_in(make_user("front_door", team_name="Front door", name="Nico Frontdesk"))
    assert client.get("transfers.edit_plan", transfer_id=transfer.id).status_code == 404
    db.session.expire_all()
    [denied] = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert (denied.record_type, denied.record_id, denied.family_id) == (
        "transfer",
        str(transfer.id),
        transfer.family_id,
    )


# 8. Next steps in the handover plan


def test_a_next_step_due_in_the_past_or_without_an_owner_is_refused_with_a_specific_message(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    later = today + timedelta(days=14)
    cases = [
        (next_step_form(today - timedelta(days=1)), "The date it needs to be done by must be today or in the future"),
        (next_step_form(later, owner_kind="user", owner_user=""), "Select who will do it"),
        (
            next_step_form(later, owner_kind="family_member", owner_name=" "),
            "Enter the name of the person who will do it",
        ),
        (
            next_step_form(later, owner_kind="partner", owner_name="", owner_agency="Testtown Primary"),
            "Enter the name of the person who will do it",
        ),
        (next_step_form(later, owner_kind=""), "Select who will do it"),
        (next_step_form(later) | {"due_on": ["", "", ""]}, "Enter the date it needs to be done by"),
        (next_step_form(later, what=""), "Enter what needs to happen"),
    ]
    for data, message in cases:
        response = client.post("transfers.add_next_step", data, transfer_id=transfer.id)
        assert response.status_code == 200, message
        soup = soup_of(response)
        assert error_messages(soup) == [message]
        if data["what"]:
            assert soup.select_one("#what")["value"] == data["what"]
    # Only the receiving lead's first contact (allocation) is there: nothing was added to the handover plan.
    count = select(func.count()).select_from(NextStep).where(NextStep.source_type == "handover_plan")
    assert db.session.scalar(count) == 0


def test_family_facing_next_steps_are_in_the_family_letter_and_professional_ones_are_not(client, today):
    family, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    data = next_step_form(
        today + timedelta(days=7), what="Take Ash to the dentist", owner_name="Alex Testfamily", family_facing="y"
    )
    response = client.post("transfers.add_next_step", data, transfer_id=transfer.id)
    assert response.status_code == 302
    assert response.headers["Location"] == client.url("transfers.edit_plan", transfer_id=transfer.id) + "#next-steps"
    data = next_step_form(
        today + timedelta(days=14),
        what="Share the case file with the new team",
        owner_kind="user",
        owner_user=str(receiver.id),
    )
    assert client.post("transfers.add_next_step", data, transfer_id=transfer.id).status_code == 302
    soup = client.page("transfers.edit_plan", transfer_id=transfer.id)
    rows = [" ".join(row.get_text(" ").split()) for row in soup.select("#next-steps ~ table tbody tr")]
    assert any("Take Ash to the dentist Family-facing Alex Testfamily" in row for row in rows)
    assert any("Share the case file with the new team Kit Marrowby" in row for row in rows)

    letter = text_of(client.page("transfers.family_letter", transfer_id=transfer.id), "#letter-preview")
    assert "Take Ash to the dentist" in letter
    assert "Alex Testfamily" in letter
    assert "Share the case file" not in letter
    assert "Kit Marrowby from children's social care will be your main worker" in letter
    summary = pdf_text(client.get("transfers.handover_summary", transfer_id=transfer.id), layout=False)
    assert "Share the case file with the new team" in " ".join(summary.split())
    assert "State Accepted" in " ".join(summary.split())


def test_a_withdrawn_requests_handover_plan_takes_no_more_next_steps(client, today):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("withdraw", lead, "Moved away"))
    client.sign_in(lead)
    data = next_step_form(today + timedelta(days=14), what="Kept: ring the school")
    response = client.post("transfers.add_next_step", data, transfer_id=transfer.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["This request is withdrawn: its handover plan is closed"]
    assert soup.select_one("#what")["value"] == "Kept: ring the school"
    assert next_steps_of(family) == 0
    assert [event.action for event in refusals_of(transfer)] == ["add_next_step"]


def test_a_next_step_due_today_is_accepted(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    response = client.post("transfers.add_next_step", next_step_form(today), transfer_id=transfer.id)
    assert response.status_code == 302
    db.session.expire_all()
    [step] = db.session.scalars(select(NextStep).where(NextStep.source_type == "handover_plan")).all()
    assert (step.due_on, step.owner, step.family_facing) == (today, "Alex Testfamily", False)


def test_the_family_letter_waits_for_the_receiving_teams_decision(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(lead)
    response = client.get("transfers.family_letter", transfer_id=transfer.id)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    soup = soup_of(response)
    assert error_messages(soup) == ["The letter to the family can be printed once the receiving team has decided"]
    assert text_of(soup, "h1").startswith("Step-up request")
    db.session.expire_all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
    assert (event.record_id, event.outcome) == (str(transfer.id), "refused")


def test_the_handover_summary_prints_at_any_stage_and_its_printing_is_recorded(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(lead)
    response = client.get("transfers.handover_summary", transfer_id=transfer.id)
    assert f"handover-summary-{family.reference}.pdf" in response.headers["Content-Disposition"]
    text = " ".join(pdf_text(response, layout=False).split())
    assert "Step-up handover summary" in text
    assert "State Draft" in text
    db.session.expire_all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
    assert (event.record_id, event.family_id, event.outcome, event.user_id) == (
        str(transfer.id),
        family.id,
        "ok",
        lead.id,
    )


# 9. The four working lists


def queue_references(soup) -> list[str]:
    return [row.select_one("td .govuk-body-s").get_text(strip=True) for row in soup.select("#transfer-queue tbody tr")]


@pytest.fixture
def requests_in_every_state(app):
    """One request in each state, from Robin Quillfeather's early help team unless said otherwise."""
    lead, manager = early_help_lead(), early_help_manager()
    decider, worker = social_care_manager(), social_worker()

    def step_up(*steps):
        family, episode = step_up_case(lead)
        return family, advance(make_transfer(episode, actor=lead), *steps)

    states = {
        "draft": step_up(),
        "awaiting_approval": step_up(("submit", lead)),
        "sent": step_up(("submit", lead), ("approve", manager)),
        "accepted": step_up(("submit", lead), ("approve", manager), ("accept", decider, worker)),
        "withdrawn": step_up(("withdraw", lead, "Moved away")),
        "declined": step_up(("submit", lead), ("approve", manager), ("decline", decider, "Below threshold")),
    }
    family, episode = step_down_case(worker)
    states["step_down_sent"] = (
        family,
        advance(
            make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team"),
            ("submit", worker),
            ("approve", decider),
        ),
    )
    people = {"lead": lead, "manager": manager, "decider": decider, "worker": worker}
    return {name: family.reference for name, (family, _) in states.items()}, people


def test_each_list_shows_the_requests_that_are_for_the_signed_in_person(client, app, requests_in_every_state):
    ref, people = requests_in_every_state
    client.sign_in(people["lead"])
    assert sorted(queue_references(client.page("transfers.queues", queue="mine"))) == sorted(
        [ref["draft"], ref["awaiting_approval"], ref["sent"], ref["accepted"], ref["declined"]]
    )
    assert queue_references(client.page("transfers.queues", queue="decide")) == [ref["step_down_sent"]]
    assert queue_references(client.page("transfers.queues", queue="handover")) == [ref["accepted"]]

    manager = browser(app, people["manager"])
    assert queue_references(manager.page("transfers.queues", queue="approve")) == [ref["awaiting_approval"]]
    assert queue_references(manager.page("transfers.queues", queue="mine")) == []

    decider = browser(app, people["decider"])
    assert queue_references(decider.page("transfers.queues", queue="decide")) == [ref["sent"]]
    assert queue_references(decider.page("transfers.queues", queue="handover")) == [ref["accepted"]]
    assert queue_references(decider.page("transfers.queues", queue="approve")) == []
    assert queue_references(decider.page("transfers.queues")) == [ref["sent"]]  # deciding is the default list

    worker = browser(app, people["worker"])
    assert queue_references(worker.page("transfers.queues", queue="mine")) == [ref["step_down_sent"]]


def test_the_lists_show_their_counts_and_an_unknown_list_falls_back_to_deciding(client, requests_in_every_state):
    ref, people = requests_in_every_state
    client.sign_in(people["decider"])
    soup = client.page("transfers.queues", queue="nonsense")
    assert text_of(soup, "#transfer-queue h2") == "Requests to decide"
    assert [" ".join(a.get_text().split()) for a in soup.select(".app-queue-nav a")] == [
        "Requests to decide (1)",
        "Awaiting my approval (0)",
        "My requests (0)",
        "Awaiting handover (1)",
    ]
    assert text_of(soup, ".app-queue-nav a[aria-current=page]") == "Requests to decide (1)"
    row = text_of(soup, "#transfer-queue tbody tr")
    assert "Step-up" in row and "Early help team to Social care team" in row and "Sent" in row
    assert soup.select_one("#transfer-queue tbody tr .govuk-tag--blue").get_text(strip=True) == "Sent"


def test_the_counts_of_the_lists_come_from_one_query(client, requests_in_every_state):
    ref, people = requests_in_every_state
    assert transfers.queue_counts(people["lead"]) == {"decide": 1, "approve": 0, "mine": 5, "handover": 1}
    assert transfers.queue_counts(people["manager"]) == {"decide": 1, "approve": 1, "mine": 0, "handover": 1}


def test_an_htmx_request_for_a_list_returns_only_that_region_with_its_tabs(client, requests_in_every_state):
    ref, people = requests_in_every_state
    client.sign_in(people["manager"])
    response = client.get("transfers.queues", queue="approve", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    soup = soup_of(response)
    assert [tag["id"] for tag in soup.find_all(recursive=False) if tag.name] == ["transfer-queue"]
    assert queue_references(soup) == [ref["awaiting_approval"]]
    assert text_of(soup, ".app-queue-nav a[aria-current=page]") == "Awaiting my approval (1)"
    full = client.page("transfers.queues", queue="approve")
    assert full.select_one("h1").get_text() == "Step-up and step-down"
    assert queue_references(full) == [ref["awaiting_approval"]]


def test_a_list_longer_than_a_page_has_pages_that_keep_the_list(client, app):
    lead = early_help_lead()
    made = many_requests(27, requester=lead)
    client.sign_in(lead)
    first = client.page("transfers.queues", queue="mine")
    assert len(queue_references(first)) == 25
    assert "My requests (27)" in text_of(first, ".app-queue-nav")
    next_link = first.select_one(".govuk-pagination__next a")
    assert next_link["href"] == client.url("transfers.queues", queue="mine", page=2)
    assert next_link["hx-get"] == next_link["href"]
    assert next_link["hx-target"] == "#transfer-queue"

    second = client.page(next_link["href"])
    assert queue_references(second) == [t.family.reference for t in made[25:]]
    assert second.select_one(".govuk-pagination__prev a")["href"] == client.url(
        "transfers.queues", queue="mine", page=1
    )
    region = soup_of(client.get("transfers.queues", queue="mine", page=2, headers={"HX-Request": "true"}))
    assert [tag["id"] for tag in region.find_all(recursive=False) if tag.name] == ["transfer-queue"]
    assert len(queue_references(region)) == 2
    assert region.select_one("#transfer-queue")["hx-get"] == client.url("transfers.queues", queue="mine", page=2)

    beyond = client.page("transfers.queues", queue="mine", page=9)
    assert queue_references(beyond) == []
    assert "There is no page 9" in text_of(beyond, "#transfer-queue")


def test_a_managers_own_request_is_not_in_their_approval_list(client, app):
    requester, other_manager = early_help_manager(), early_help_manager("Sam Larkspurrow")
    family, episode = step_up_case(early_help_lead())
    advance(make_transfer(episode, actor=requester), ("submit", requester))
    other = browser(app, other_manager)
    assert queue_references(other.page("transfers.queues", queue="approve")) == [family.reference]
    client.sign_in(requester)
    assert queue_references(client.page("transfers.queues", queue="approve")) == []


def test_people_who_do_not_work_with_families_cannot_see_requests(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(make_user("administrator", team_name=None))
    assert client.get("transfers.queues").status_code == 403
    assert client.get("transfers.show", transfer_id=transfer.id).status_code == 403
    assert client.get("transfers.handover_summary", transfer_id=transfer.id).status_code == 403


# 10. Audit


def test_viewing_a_request_is_recorded_in_the_audit_trail(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    reader = early_help_manager()
    client.sign_in(reader)
    client.page("transfers.show", transfer_id=transfer.id)
    db.session.expire_all()
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "view", AuditEvent.record_type == "transfer", AuditEvent.record_id == str(transfer.id)
        )
    ).all()
    assert (event.user_id, event.family_id, event.outcome) == (reader.id, family.id, "ok")


def test_acting_on_a_request_is_recorded_in_the_audit_trail_and_the_family_timeline(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(lead)
    assert client.post("transfers.submit", transfer_id=transfer.id).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "submit",
            AuditEvent.record_type == "transfer",
            AuditEvent.record_id == str(transfer.id),
            AuditEvent.user_id == lead.id,
        )
    )
    assert "Step-up request sent for approval by Robin Quillfeather" in text_of(
        client.page("families.show", family_id=family.id), "#family-timeline"
    )


def test_only_the_sending_or_receiving_team_can_complete_the_handover(client, today):
    _, transfer, _, _ = accepted_step_up()
    plan = fresh(transfer.handover_plan)
    plan.meeting_on, plan.meeting_held = today, True
    db.session.commit()
    client.sign_in(make_user("front_door", team_name="Front door", name="Nico Frontdesk"))
    assert client.post("transfers.complete_handover", transfer_id=transfer.id).status_code == 404
    assert fresh(transfer).state == TransferState.ACCEPTED


def test_a_hand_typed_page_number_that_is_no_page_does_not_break_the_list(client):
    lead = early_help_lead()
    many_requests(2, requester=lead)
    client.sign_in(lead)
    assert len(queue_references(client.page("/transfers?queue=mine&page=nonsense"))) == 2
    assert len(queue_references(client.page("/transfers?queue=mine&page=-3"))) == 2
    assert "There is no page" in text_of(client.page("/transfers?queue=mine&page=99999999999999999999"), "main")


# Dates in order, and when a meeting was written down (issue 11, parts 1 and 2)


def test_a_handover_meeting_cannot_be_dated_before_the_request_naming_both_dates(client):
    with time_machine.travel(clock.at_london(clock.today(), time(10, 0)), tick=False):
        _, transfer, _, receiver = accepted_step_up()
        client.sign_in(receiver)
        day_before = clock.today() - timedelta(days=1)
        data = plan_form(plan_version(client, transfer), meeting_on=date_parts(day_before), attendees="Kept names")
        soup = soup_of(client.post("transfers.edit_plan", data, transfer_id=transfer.id))
    assert error_messages(soup) == [
        f"The handover meeting ({clock.day(day_before)}) cannot be before the request was sent"
        f" ({clock.day(transfers.request_sent_at(transfer))})"
    ]
    assert soup.select_one(".govuk-error-summary a")["href"] == "#meeting_on-day"
    assert soup.select_one("#attendees").get_text().strip() == "Kept names"
    assert fresh(transfer.handover_plan).meeting_on is None


def test_a_meeting_recorded_as_held_weeks_later_asks_why_and_says_how_late_it_was_written_down(client):
    start = clock.at_london(date(2026, 10, 5), time(10, 0))  # a Monday
    with time_machine.travel(start, tick=False):
        family, transfer, _, receiver = accepted_step_up()
    meeting_on = date(2026, 10, 6)
    with time_machine.travel(clock.at_london(date(2026, 10, 27), time(11, 0)), tick=False):
        client.sign_in(receiver)
        data = plan_form(plan_version(client, transfer), meeting_on=date_parts(meeting_on), meeting_held="y")
        soup = soup_of(client.post("transfers.edit_plan", data, transfer_id=transfer.id))
        assert error_messages(soup) == ["Explain why this meeting is being recorded 3 weeks after it happened"]
        assert soup.select_one("#late_recording_reason") is not None
        assert not fresh(transfer.handover_plan).meeting_held

        data |= {"late_recording_reason": "n/a"}
        assert error_messages(soup_of(client.post("transfers.edit_plan", data, transfer_id=transfer.id)))[0].startswith(
            "Explain why this meeting is being recorded 3 weeks after it happened in a sentence"
        )
        data |= {"late_recording_reason": "The notes were on paper and typed up on return from leave."}
        assert client.post("transfers.edit_plan", data, transfer_id=transfer.id).status_code == 302

        plan = fresh(transfer.handover_plan)
        assert plan.meeting_held and plan.meeting_late_reason.startswith("The notes were on paper")
        assert (
            "recorded on Tue 27 Oct 2026 (3 weeks after). Why it was recorded late: The notes were on paper"
            in text_of(client.page("transfers.show", transfer_id=transfer.id), "main")
        )
        entry = db.session.scalar(
            select(TimelineEntry).where(TimelineEntry.family_id == family.id, TimelineEntry.summary.like("%held%"))
        )
        assert (entry.day_only, entry.recorded_late, clock.local_date(entry.at)) == (True, True, meeting_on)
        row = " ".join(
            client.page("families.show", family_id=family.id)
            .find(string=lambda s: s and "meeting held" in s)
            .find_parent("tr")
            .get_text(" ")
            .split()
        )
    assert row.startswith("Tue 6 Oct 2026 recorded on Tue 27 Oct 2026 (3 weeks after) Handover meeting held")
    assert "Why it was recorded late: The notes were on paper" in row


def test_a_meeting_recorded_as_held_the_next_working_day_needs_no_reason(client):
    with time_machine.travel(clock.at_london(date(2026, 10, 5), time(10, 0)), tick=False):
        _, transfer, _, receiver = accepted_step_up()
    with time_machine.travel(clock.at_london(date(2026, 10, 6), time(16, 0)), tick=False):
        client.sign_in(receiver)
        data = plan_form(plan_version(client, transfer), meeting_on=date_parts(date(2026, 10, 5)), meeting_held="y")
        assert client.post("transfers.edit_plan", data, transfer_id=transfer.id).status_code == 302
    plan = fresh(transfer.handover_plan)
    assert plan.meeting_held and plan.meeting_late_reason == ""
