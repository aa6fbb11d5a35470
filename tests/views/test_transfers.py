"""Step-up and step-down, as the people who use them see it: ask, approve, decide, hand over. All names are fictional."""

import re
import subprocess
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from earlyhelp.clock import LONDON, today
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Episode, HandoverPlan, LevelOfNeed, NextStep, TimelineEntry, Transfer
from earlyhelp.services import transfers
from tests.factories import make_episode, make_household, make_transfer, make_user, reference, team
from tests.helpers import TestClient, error_messages, soup_of, text_of

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


# Forms as a browser posts them


def date_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


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
            "family_agrees": "yes",
            "override_reason": "",
            "not_to_share": "",
        }
        | children_rows(family)
        | overrides
    )


def step_down_form(family, **overrides):
    data = {
        "submission_key": uuid.uuid4().hex,
        "why_now": "The child protection plan has ended and home is calmer.",
        "threshold_reviewed": "y",
        "clear_outcomes": "y",
        "outstanding_tasks_listed": "y",
        "worries": "Routines are still fragile after school.",
        "level": str(reference(LevelOfNeed, number=2).id),
        "receiving_team": str(team("Early help team").id),
        "proposed_lead": "",
        "family_told": "yes",
        "not_to_share": "",
    } | children_rows(family)
    for index in range(3):
        data |= {
            f"outstanding-{index}-what": "",
            f"outstanding-{index}-owner": "",
            f"outstanding-{index}-due_on": ["", "", ""],
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


def next_step_form(**overrides):
    return {
        "what": "Book a dentist appointment for the children",
        "owner_kind": "family_member",
        "owner_user": "",
        "owner_name": "Alex Testfamily",
        "owner_agency": "",
        "due_in": "date",
        "due_on": date_parts(today() + timedelta(days=14)),
    } | overrides


# Reading what the database holds now (the app commits in its own sessions)


def fresh(model, **where):
    db.session.expire_all()
    return reference(model, **where)


def transfers_of(family):
    db.session.expire_all()
    return db.session.scalars(select(Transfer).where(Transfer.family_id == family.id)).all()


def involvement(soup) -> dict[str, str]:
    """The family page's current involvement: service name to its lead, as a person reads it."""
    cards = {}
    for card in soup.select(".govuk-summary-card"):
        lead = card.find(lambda tag: tag.name == "p" and "Lead:" in tag.get_text())
        cards[card.select_one(".govuk-summary-card__title").get_text(strip=True)] = lead.select_one("strong").get_text(
            strip=True
        )
    return cards


def refused(soup) -> str:
    return text_of(soup, "#refused")


def when_changed(transfer) -> str:
    at = fresh(Transfer, id=transfer.id).state_changed_at.astimezone(LONDON)
    return f"on {at:%-d %B %Y} at {at:%H:%M}"


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf", response.status_code
    return subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()


def advance(transfer, *steps):
    """Set up: move a request on through the service, as (action, person[, lead or reason]) steps."""
    for action, actor, *extra in steps:
        lead = extra[0] if extra and not isinstance(extra[0], str) else None
        reason = extra[0] if extra and isinstance(extra[0], str) else ""
        transfers.act(transfer.id, TransferAction(action), actor=actor, lead=lead, reason=reason)
        db.session.commit()
    return fresh(Transfer, id=transfer.id)


def step_up_case(lead=None):
    """A family of two children with an open early help episode led by `lead`."""
    lead = lead or early_help_lead()
    family = make_household(children=2)
    return family, make_episode(family, service_code="early_help", lead=lead)


def step_down_case(worker=None):
    worker = worker or social_worker()
    family = make_household(children=2)
    return family, make_episode(family, service_code="social_care", lead=worker)


# 1. Starting a step-up


def test_the_step_up_form_lists_every_child_in_the_household(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    soup = client.page(f"/episodes/{episode.id}/step-up")
    assert text_of(soup, "h1") == "Request a step-up to children's social care"
    assert [h.get_text(strip=True) for h in soup.select(".app-child-row h3")] == [c.full_name for c in family.children]
    assert "Robin Quillfeather stays responsible for the family until the receiving team accepts" in text_of(
        soup, "main"
    )
    assert soup.select_one("#submission_key")["value"]


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
    response = client.post(f"/episodes/{episode.id}/step-up", data)
    assert response.status_code == 200
    soup = soup_of(response)
    assert sorted(error_messages(soup)) == sorted(
        [
            "Select yes if any child is in immediate danger",
            "Enter what has changed: the new information",
            "Select the level of need now",
            "Select the receiving team",
            "Select yes if the family has been told",
            "Select yes if the family agrees",
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
    assert error_messages(soup_of(client.post(f"/episodes/{episode.id}/step-up", data))) == [
        "Select yes if any child is in immediate danger",
        "Enter what has changed: the new information",
        "Select the level of need now",
        "Select the receiving team",
        "Select yes if this child is part of the request",
        "Select yes if this child is part of the request",
        "Include at least one child in the request",
        "Select yes if the family has been told",
        "Select yes if the family agrees",
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
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-up", data))
    assert error_messages(soup) == [
        "Enter this child's views, or say why they could not be asked",
        "Explain why this child is not part of the request",
    ]
    assert soup.select_one("#what_has_changed").get_text().strip() == "A kept note about the new injury."
    assert soup.select_one("#children-1-included-2").has_attr("checked")
    assert transfers_of(family) == []


def test_going_ahead_without_the_familys_agreement_needs_a_safeguarding_reason(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family, family_agrees="no", override_reason="", not_to_share="Kept: not the new address.")
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-up", data))
    assert error_messages(soup) == ["Enter the safeguarding reason for going ahead without the family's agreement"]
    assert soup.select_one("#not_to_share").get_text().strip() == "Kept: not the new address."
    assert transfers_of(family) == []


def test_text_that_is_too_long_is_refused_with_its_limit(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family, worries="w" * 5001, **{"children-0-child_words": "v" * 5001})
    assert error_messages(soup_of(client.post(f"/episodes/{episode.id}/step-up", data))) == [
        "The worries must be 5000 characters or fewer",
        "Their views must be 5000 characters or fewer",
    ]
    assert transfers_of(family) == []


def test_a_complete_step_up_is_saved_as_a_draft_and_opens_the_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family, **{"children-1-included": "no", "children-1-reason_not_included": "Lives with dad."})
    response = client.post(f"/episodes/{episode.id}/step-up", data)
    assert response.status_code == 302
    [transfer] = transfers_of(family)
    assert response.headers["Location"] == f"/transfers/{transfer.id}"
    assert (transfer.state, transfer.direction, transfer.requested_by_id) == ("draft", "step_up", lead.id)
    assert [(c.person_id, c.included) for c in transfer.children] == [
        (family.children[0].id, True),
        (family.children[1].id, False),
    ]
    soup = client.page(response.headers["Location"])
    assert "Step-up request saved as a draft" in text_of(soup, ".govuk-notification-banner")
    assert text_of(soup, "#transfer-state") == "Draft"
    assert "Robin Quillfeather (Early help) until the receiving team accepts" in text_of(soup, "#responsible")
    assert "Lives with dad." in text_of(soup, "main")


def test_posting_the_same_step_up_form_twice_makes_one_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family)
    first = client.post(f"/episodes/{episode.id}/step-up", data)
    second = client.post(f"/episodes/{episode.id}/step-up", data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(transfers_of(family)) == 1


@contextmanager
def the_first_lookup_of(submission_key):
    """The same form sent twice at once: this request looks for the key before the other one has saved it,
    then finds the key taken when it saves. The first database lookup of the key is made to miss."""
    missed = []

    def miss_once(conn, cursor, statement, parameters, context, executemany):
        values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters or ())
        if not missed and statement.lstrip().upper().startswith("SELECT") and submission_key in values:
            missed.append(statement)
            if isinstance(parameters, dict):
                parameters = {k: ("not-yet-saved" if v == submission_key else v) for k, v in parameters.items()}
            else:
                parameters = tuple("not-yet-saved" if v == submission_key else v for v in parameters)
        return statement, parameters

    event.listen(db.engine, "before_cursor_execute", miss_once, retval=True)
    try:
        yield missed
    finally:
        event.remove(db.engine, "before_cursor_execute", miss_once)


def test_the_slower_of_two_identical_posts_at_once_goes_to_the_request_the_other_saved(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    data = step_up_form(family)
    winner = make_transfer(episode, actor=lead, submission_key=data["submission_key"])
    with the_first_lookup_of(data["submission_key"]) as missed:
        response = client.post(f"/episodes/{episode.id}/step-up", data)
    assert missed
    assert len(transfers_of(family)) == 1
    assert error_messages(soup_of(response)) == []
    assert response.status_code == 302
    assert response.headers["Location"] == f"/transfers/{winner.id}"


def test_a_child_in_immediate_danger_puts_what_to_do_now_on_the_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    assert "call the police on 999 now" in text_of(client.page(f"/episodes/{episode.id}/step-up"), ".app-danger-advice")
    response = client.post(f"/episodes/{episode.id}/step-up", step_up_form(family, immediate_danger="yes"))
    soup = client.page(response.headers["Location"])
    assert "The requester says a child is in immediate danger. Act on it now" in text_of(soup, ".app-danger-advice")


def test_a_step_up_cannot_start_from_an_involvement_that_has_ended(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    episode.ended_on = today()
    db.session.commit()
    client.sign_in(lead)
    response = client.get(f"/episodes/{episode.id}/step-up")
    assert response.headers["Location"] == f"/families/{family.id}"
    assert "This involvement has ended" in text_of(client.page(f"/families/{family.id}"), ".govuk-notification-banner")


def test_a_step_up_from_a_social_care_episode_or_an_unknown_one_is_not_found(client):
    lead = early_help_lead()
    _, social_care = step_down_case()
    client.sign_in(lead)
    assert client.get(f"/episodes/{social_care.id}/step-up").status_code == 404
    assert client.get("/episodes/999999/step-up").status_code == 404


def test_each_childs_views_are_stored_against_that_child_even_if_the_household_order_changes(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    older, younger = family.children
    client.sign_in(lead)
    client.page(f"/episodes/{episode.id}/step-up")
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
    assert client.post(f"/episodes/{episode.id}/step-up", data).status_code == 302
    [transfer] = transfers_of(family)
    views = {child.person_id: child.child_words for child in transfer.children}
    assert views[older.id] == f"I am {older.first_name} and I want to stay at my school."
    assert views[younger.id] == f"I am {younger.first_name} and I miss my nan."


# 2. Starting a step-down


def test_the_step_down_readiness_checklist_must_be_confirmed(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    soup = client.page(f"/episodes/{episode.id}/step-down")
    assert text_of(soup, "h1") == "Request a step-down to early help"
    assert [h.get_text(strip=True) for h in soup.select(".app-child-row h3.govuk-heading-m")] == [
        c.full_name for c in family.children
    ]
    data = step_down_form(family, why_now="Kept: the plan ended last week.")
    for box in ("threshold_reviewed", "clear_outcomes", "outstanding_tasks_listed"):
        data.pop(box)
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down", data))
    assert error_messages(soup) == [
        "Confirm the level of need has been reviewed against the threshold",
        "Confirm there are clear outcomes for early help, not just monitoring",
        "Confirm the outstanding tasks are listed",
    ]
    assert soup.select_one("#why_now").get_text().strip() == "Kept: the plan ended last week."
    assert transfers_of(family) == []


def test_outstanding_tasks_become_next_steps_with_an_owner_and_a_due_date(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    receiver = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    due = today() + timedelta(days=10)
    data = step_down_form(
        family,
        proposed_lead=str(receiver.id),
        **{
            "outstanding-1-what": "Finish the school attendance plan",
            "outstanding-1-owner": str(receiver.id),
            "outstanding-1-due_on": date_parts(due),
        },
    )
    response = client.post(f"/episodes/{episode.id}/step-down", data)
    assert response.status_code == 302, error_messages(soup_of(response))
    [transfer] = transfers_of(family)
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
    response = client.post(f"/episodes/{episode.id}/step-down", data)
    assert response.status_code == 200
    soup = soup_of(response)
    row = text_of(soup, ".app-child-row:has(#outstanding-0-what)")
    assert "Select who will do it" in row
    assert "Enter the date it needs to be done by" in row
    assert soup.select_one("#outstanding-0-what")["value"] == "Kept: chase the health visitor"
    assert transfers_of(family) == []
    assert db.session.scalar(select(func.count()).select_from(NextStep).where(NextStep.family_id == family.id)) == 0


def test_a_proposed_lead_or_a_task_owner_not_on_the_list_is_refused(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    not_early_help = social_worker("Hollis Wrongteam")
    client.sign_in(worker)
    data = step_down_form(
        family,
        proposed_lead=str(not_early_help.id),
        **{
            "outstanding-0-what": "Chase the health visitor",
            "outstanding-0-owner": str(not_early_help.id),
            "outstanding-0-due_on": date_parts(today()),
        },
    )
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down", data))
    assert error_messages(soup) == ["Select a lead practitioner from the list", "Select who will do it from the list"]
    data["proposed_lead"] = ""
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down", data))
    assert "Select who will do it from the list" in text_of(soup, ".app-child-row:has(#outstanding-0-what)")
    assert transfers_of(family) == []


def test_a_task_due_in_the_past_is_refused(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    owner = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    data = step_down_form(
        family,
        **{
            "outstanding-0-what": "Chase the health visitor",
            "outstanding-0-owner": str(owner.id),
            "outstanding-0-due_on": date_parts(today() - timedelta(days=1)),
        },
    )
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down", data))
    assert "The date it needs to be done by must be today or in the future" in text_of(
        soup, ".app-child-row:has(#outstanding-0-what)"
    )
    assert transfers_of(family) == []


def test_a_half_filled_task_row_is_listed_in_the_error_summary(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family, **{"outstanding-0-what": "Chase the health visitor"})
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down", data))
    assert soup.title.get_text().startswith("Error:")
    assert error_messages(soup) == ["Select who will do it", "Enter the date it needs to be done by"]


def test_when_the_family_says_no_to_early_help_it_is_recorded_on_the_timeline_and_no_request_is_made(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    response = client.post(
        f"/episodes/{episode.id}/step-down-refused", {"note": "Mum said she does not want another worker."}
    )
    assert response.headers["Location"] == f"/families/{family.id}"
    soup = client.page(f"/families/{family.id}")
    assert "the family did not agree to early help" in text_of(soup, ".govuk-notification-banner")
    assert (
        "Step-down to early help not made: the family did not agree. Mum said she does not want another worker."
        in text_of(soup, "#family-timeline")
    )
    assert transfers_of(family) == []
    assert fresh(Episode, id=episode.id).is_open
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.family_id == family.id))
    assert (entry.record_type, entry.record_id, entry.actor_id) == ("episode", episode.id, worker.id)


def test_saying_the_family_said_no_without_saying_what_they_said_asks_for_it(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    response = client.post(f"/episodes/{episode.id}/step-down-refused", {"note": "  "})
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Enter what the family said about early help" in text_of(soup, "details")
    assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.family_id == family.id)) is None


def test_a_missing_note_when_the_family_says_no_is_in_the_error_summary(client):
    worker = social_worker()
    _, episode = step_down_case(worker)
    client.sign_in(worker)
    soup = soup_of(client.post(f"/episodes/{episode.id}/step-down-refused", {"note": ""}))
    assert error_messages(soup) == ["Enter what the family said about early help"]
    assert soup.title.get_text().startswith("Error:")


# 3. Who may start a request


def test_someone_who_neither_leads_nor_manages_the_episode_cannot_start_a_request(client):
    lead = early_help_lead()
    family, up_episode = step_up_case(lead)
    _, down_episode = step_down_case()
    colleague = early_help_lead("Avery Notthelead")
    other_manager = social_care_manager("Drew Otherteam")
    client.sign_in(colleague)
    assert client.get(f"/episodes/{up_episode.id}/step-up").status_code == 403
    assert client.post(f"/episodes/{up_episode.id}/step-up", step_up_form(family)).status_code == 403
    assert "Request a step-up" not in text_of(client.page(f"/families/{family.id}"), "main")

    manager = browser(client.app, other_manager)
    assert manager.get(f"/episodes/{up_episode.id}/step-up").status_code == 403
    assert manager.get(f"/episodes/{down_episode.id}/step-down").status_code == 200  # manages that team
    other_worker = browser(client.app, social_worker("Fenn Notassigned"))
    assert other_worker.get(f"/episodes/{down_episode.id}/step-down").status_code == 403
    assert other_worker.post(f"/episodes/{down_episode.id}/step-down-refused", {"note": "No."}).status_code == 403
    assert transfers_of(family) == []


def test_a_social_worker_cannot_ask_for_a_step_up_and_a_practitioner_cannot_ask_for_a_step_down(client):
    lead = early_help_lead()
    _, up_episode = step_up_case(lead)
    _, down_episode = step_down_case(social_worker())
    client.sign_in(lead)
    assert client.get(f"/episodes/{down_episode.id}/step-down").status_code == 403
    assert (
        browser(client.app, social_worker("Gale Wrongrole")).get(f"/episodes/{up_episode.id}/step-up").status_code
        == 403
    )


def test_the_lead_and_a_manager_of_the_team_see_the_link_to_start_a_request(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    client.sign_in(lead)
    link = client.page(f"/families/{family.id}").find("a", string=re.compile("Request a step-up to social care"))
    assert link["href"] == f"/episodes/{episode.id}/step-up"
    manager = browser(client.app, early_help_manager())
    assert manager.page(f"/families/{family.id}").find("a", string=re.compile("Request a step-up"))
    assert manager.get(link["href"]).status_code == 200


# 4. The whole step-up, by the people who do each part


def test_a_step_up_goes_from_request_to_completed_handover_with_no_gap_in_responsibility(client, app):
    lead = early_help_lead()
    approver = early_help_manager()
    decider = social_care_manager()
    receiver = social_worker()
    family, episode = step_up_case(lead)

    client.sign_in(lead)
    transfer_url = client.post(f"/episodes/{episode.id}/step-up", step_up_form(family)).headers["Location"]
    soup = client.page(transfer_url)
    assert [b.get_text(strip=True) for b in soup.select("form.app-action button")] == [
        "Send for manager approval",
        "Withdraw the request",
    ]
    assert client.post(f"{transfer_url}/submit").status_code == 302
    assert text_of(client.page(transfer_url), "#transfer-state") == "Awaiting approval"
    assert " ".join(client.page(f"/families/{family.id}").select_one("#open-transfers + ul").get_text(" ").split()) == (
        "Step-up to Social care team Awaiting approval"
    )

    manager = browser(app, approver)
    assert "Approve and send" in text_of(manager.page(transfer_url), "main")
    assert manager.post(f"{transfer_url}/approve").status_code == 302
    soup = manager.page(transfer_url)
    assert text_of(soup, "#transfer-state") == "Sent"
    assert "working day" in text_of(soup, "#decision-clock")

    social_care = browser(app, decider)
    response = social_care.post(
        f"{transfer_url}/accept", {"accept-lead": str(receiver.id), "accept-reason": "We will start this week."}
    )
    assert response.status_code == 302
    soup = social_care.page(transfer_url)
    assert text_of(soup, "#transfer-state") == "Accepted"
    assert text_of(soup, "#responsible") == (
        "Kit Marrowby (Social care team), with Robin Quillfeather until the handover is complete"
    )
    # No gap: both services are involved, the sending lead still there and the receiving lead named.
    assert involvement(social_care.page(f"/families/{family.id}")) == {
        "Early help": "Robin Quillfeather",
        "Children's social care": "Kit Marrowby",
    }

    worker = browser(app, receiver)
    version = worker.page(f"{transfer_url}/handover-plan").select_one("#version")["value"]
    meeting_day = today()
    response = worker.post(
        f"{transfer_url}/handover-plan",
        plan_form(
            version,
            meeting_on=date_parts(meeting_day),
            meeting_place="The family home",
            attendees="Robin Quillfeather, Kit Marrowby and mum",
            contingency="Call the out of hours team on the number in this letter.",
        ),
    )
    assert response.status_code == 302, error_messages(soup_of(response))

    soup = soup_of(worker.post(f"{transfer_url}/complete-handover"))
    assert refused(soup) == "Record that the handover meeting or joint visit has happened."
    assert fresh(Transfer, id=int(transfer_url.rsplit("/", 1)[1])).state == "accepted"

    version = worker.page(f"{transfer_url}/handover-plan").select_one("#version")["value"]
    response = worker.post(
        f"{transfer_url}/handover-plan",
        plan_form(
            version,
            meeting_on=date_parts(meeting_day),
            meeting_place="The family home",
            attendees="Robin Quillfeather, Kit Marrowby and mum",
            meeting_held="y",
            contingency="Call the out of hours team on the number in this letter.",
        ),
    )
    assert response.status_code == 302
    assert "Held" in text_of(worker.page(transfer_url), "#handover-plan")
    assert worker.post(f"{transfer_url}/complete-handover").status_code == 302

    soup = worker.page(transfer_url)
    assert text_of(soup, "#transfer-state") == "Handover complete"
    assert text_of(soup, "#responsible") == "Kit Marrowby (Social care team)"
    assert not fresh(Episode, id=episode.id).is_open
    assert "handover complete" in fresh(Episode, id=episode.id).closure_reason
    assert involvement(worker.page(f"/families/{family.id}")) == {"Children's social care": "Kit Marrowby"}
    history = [" ".join(row.select("td")[2].get_text(" ").split()) for row in soup.select("#history tbody tr")]
    assert history == ["Handover complete", "Accepted: We will start this week.", "Sent", "Awaiting approval", "Draft"]


def test_the_person_who_asked_cannot_approve_their_own_request_even_as_a_manager(client, app):
    requester = early_help_manager()
    family, episode = step_up_case(early_help_lead())
    client.sign_in(requester)
    transfer_url = client.post(f"/episodes/{episode.id}/step-up", step_up_form(family)).headers["Location"]
    assert client.post(f"{transfer_url}/submit").status_code == 302
    soup = client.page(transfer_url)
    assert "Approve and send" not in text_of(soup, "main")
    soup = soup_of(client.post(f"{transfer_url}/approve"))
    assert refused(soup) == "You cannot approve or return your own request. Ask another manager."
    assert soup_of(client.post(f"{transfer_url}/return", {"return-reason": "Self check"})).select_one("#refused")
    [transfer] = transfers_of(family)
    assert transfer.state == "awaiting_approval"

    other = browser(app, early_help_manager("Sam Larkspurrow"))
    assert other.post(f"{transfer_url}/approve").status_code == 302
    assert fresh(Transfer, id=transfer.id).state == "sent"


def test_a_practitioner_or_a_manager_of_another_team_cannot_approve(client, app):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(lead)
    assert refused(soup_of(client.post(f"/transfers/{transfer.id}/approve"))) == (
        "Only a team manager of the sending team can approve or return this request."
    )
    outsider = browser(app, social_care_manager())
    assert refused(soup_of(outsider.post(f"/transfers/{transfer.id}/approve"))) == (
        "Only a team manager of the sending team can approve or return this request."
    )
    assert fresh(Transfer, id=transfer.id).state == "awaiting_approval"


def test_a_manager_returns_a_request_with_a_reason_and_the_requester_sees_it(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    manager = browser(app, early_help_manager())
    soup = soup_of(manager.post(f"/transfers/{transfer.id}/return", {"return-reason": ""}))
    assert refused(soup) == "Enter the reason for returning the request."
    response = manager.post(f"/transfers/{transfer.id}/return", {"return-reason": "Add what school told you."})
    assert response.status_code == 302
    client.sign_in(lead)
    soup = client.page(f"/transfers/{transfer.id}")
    assert text_of(soup, "#transfer-state") == "Draft"
    assert "Add what school told you." in text_of(soup, "#history")


def test_accepting_needs_a_lead_from_the_receiving_team(client, app):
    lead = early_help_lead()
    manager = early_help_manager()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead), ("approve", manager))
    worker = social_worker()
    client.sign_in(social_care_manager())
    soup = client.page(f"/transfers/{transfer.id}")
    choices = [o.get_text(strip=True) for o in soup.select("#accept-lead option")]
    assert "Kit Marrowby" in choices
    assert "Robin Quillfeather" not in choices

    assert refused(soup_of(client.post(f"/transfers/{transfer.id}/accept", {"accept-lead": ""}))) == (
        "Select the lead who will take the case."
    )
    assert refused(soup_of(client.post(f"/transfers/{transfer.id}/accept", {"accept-lead": str(lead.id)}))) == (
        "Select the lead who will take the case."
    )
    assert refused(soup_of(client.post(f"/transfers/{transfer.id}/accept", {"accept-lead": "nobody"}))) == (
        "Select the lead who will take the case."
    )
    assert fresh(Transfer, id=transfer.id).state == "sent"
    assert client.post(f"/transfers/{transfer.id}/accept", {"accept-lead": str(worker.id)}).status_code == 302
    assert fresh(Transfer, id=transfer.id).receiving_lead_id == worker.id


def test_only_the_receiving_team_can_accept_or_decline(client):
    lead = early_help_lead()
    manager = early_help_manager()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead), ("approve", manager))
    worker = social_worker()
    client.sign_in(manager)
    soup = client.page(f"/transfers/{transfer.id}")
    assert "Accept" not in [b.get_text(strip=True) for b in soup.select("form.app-action button")]
    soup = soup_of(client.post(f"/transfers/{transfer.id}/accept", {"accept-lead": str(worker.id)}))
    assert refused(soup) == "Only the receiving team can accept or decline this request."
    assert fresh(Transfer, id=transfer.id).state == "sent"


# 5. Decline, withdraw, and arriving too late


def test_a_declined_request_keeps_the_family_with_the_sender_and_shows_the_rationale_and_advice(client, app):
    lead = early_help_lead()
    manager = early_help_manager()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead), ("approve", manager))
    client.sign_in(social_care_manager())
    soup = soup_of(client.post(f"/transfers/{transfer.id}/decline", {"decline-advice": "Kept advice."}))
    assert refused(soup) == "Enter the reason for declining the request."
    assert soup.select_one("#decline-advice").get_text().strip() == "Kept advice."

    response = client.post(
        f"/transfers/{transfer.id}/decline",
        {
            "decline-reason": "The worries are met by the current early help plan.",
            "decline-advice": "Add a parenting course and review in four weeks.",
        },
    )
    assert response.status_code == 302
    soup = client.page(f"/transfers/{transfer.id}")
    assert text_of(soup, "#transfer-state") == "Declined"
    summary = text_of(soup, "#transfer-summary")
    assert "Why it was declined The worries are met by the current early help plan." in summary
    assert "Advice Add a parenting course and review in four weeks." in summary
    assert text_of(soup, "#responsible").startswith("Robin Quillfeather (Early help)")
    assert involvement(client.page(f"/families/{family.id}")) == {"Early help": "Robin Quillfeather"}
    assert fresh(Episode, id=episode.id).is_open

    letter = pdf_text(client.get(f"/transfers/{transfer.id}/family-letter.pdf"))
    assert "Robin Quillfeather from early help will carry on working with you" in " ".join(letter.split())


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
    response = client.post(f"/episodes/{episode.id}/step-up", step_up_form(family))
    soup = client.page(response.headers["Location"])
    link = soup.select_one(f"#transfer-summary a[href='/transfers/{declined.id}']")
    assert link.get_text().startswith("The request declined on")


def test_the_requester_withdraws_a_request_with_a_reason(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(lead)
    soup = soup_of(client.post(f"/transfers/{transfer.id}/withdraw", {"withdraw-reason": " "}))
    assert refused(soup) == "Enter the reason for withdrawing the request."
    response = client.post(f"/transfers/{transfer.id}/withdraw", {"withdraw-reason": "Mum moved to her sister's."})
    assert response.status_code == 302
    soup = client.page(f"/transfers/{transfer.id}")
    assert text_of(soup, "#transfer-state") == "Withdrawn"
    assert "Mum moved to her sister's." in text_of(soup, "#history")
    assert soup.select("form.app-action") == []
    assert "None open." in text_of(client.page(f"/families/{family.id}"), "main")


def test_someone_else_cannot_withdraw_a_request(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(early_help_lead("Avery Notthelead"))
    soup = soup_of(client.post(f"/transfers/{transfer.id}/withdraw", {"withdraw-reason": "Tidy up"}))
    assert refused(soup) == "Only the person who made the request, or their manager, can withdraw it."
    assert fresh(Transfer, id=transfer.id).state == "draft"


def test_arriving_after_someone_else_decided_gives_a_plain_message_not_an_error(client, app):
    lead = early_help_lead()
    manager = early_help_manager()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead), ("approve", manager))
    worker = social_worker()
    first = browser(app, social_care_manager())
    client.sign_in(social_worker("Lane Latecomer"))
    client.page(f"/transfers/{transfer.id}")  # both have the request open

    assert first.post(f"/transfers/{transfer.id}/accept", {"accept-lead": str(worker.id)}).status_code == 302
    message = f"This request was accepted by Jo Brackenfold {when_changed(transfer)}."
    for action, data in [
        ("decline", {"decline-reason": "Not for us."}),
        ("accept", {"accept-lead": str(worker.id)}),
        ("approve", {}),
        ("withdraw", {"withdraw-reason": "Changed my mind."}),
    ]:
        response = client.post(f"/transfers/{transfer.id}/{action}", data)
        assert response.status_code == 200, action
        assert refused(soup_of(response)) == message, action
    assert fresh(Transfer, id=transfer.id).state == "accepted"
    refusals = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "transfer",
            AuditEvent.record_id == str(transfer.id),
            AuditEvent.outcome == "refused",
        )
    ).all()
    assert len(refusals) == 4


def test_acting_on_a_withdrawn_or_completed_request_says_what_happened(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("withdraw", lead, "No longer needed"))
    client.sign_in(lead)
    soup = soup_of(client.post(f"/transfers/{transfer.id}/submit"))
    assert refused(soup) == f"This request was withdrawn by Robin Quillfeather {when_changed(transfer)}."
    soup = soup_of(client.post(f"/transfers/{transfer.id}/complete-handover"))
    assert refused(soup) == f"This request was withdrawn by Robin Quillfeather {when_changed(transfer)}."


def test_an_unknown_request_is_not_found(client):
    client.sign_in(early_help_lead())
    assert client.get("/transfers/999999").status_code == 404
    assert client.post("/transfers/999999/approve").status_code == 404
    assert client.get("/transfers/999999/handover-plan").status_code == 404


def test_a_step_down_accepted_by_early_help_names_both_leads_and_starts_the_meeting_clock(client, app):
    worker = social_worker()
    family, episode = step_down_case(worker)
    receiver = early_help_lead("Ellis Pemberwick")
    client.sign_in(worker)
    transfer_url = client.post(f"/episodes/{episode.id}/step-down", step_down_form(family)).headers["Location"]
    assert client.post(f"{transfer_url}/submit").status_code == 302
    assert browser(app, social_care_manager()).post(f"{transfer_url}/approve").status_code == 302
    early_help = browser(app, early_help_manager())
    assert early_help.post(f"{transfer_url}/accept", {"accept-lead": str(receiver.id)}).status_code == 302
    soup = early_help.page(transfer_url)
    assert "working days after acceptance on" in text_of(soup, "#meeting-clock")
    assert text_of(soup, "#responsible") == (
        "Ellis Pemberwick (Early help team), with Kit Marrowby until the handover is complete"
    )
    assert involvement(early_help.page(f"/families/{family.id}")) == {
        "Children's social care": "Kit Marrowby",
        "Early help": "Ellis Pemberwick",
    }


# 6. Going ahead without the family's agreement


def test_a_step_up_without_the_familys_agreement_waits_for_another_manager_to_authorise_it(client, app):
    requester = early_help_manager()
    family, episode = step_up_case(early_help_lead())
    client.sign_in(requester)
    data = step_up_form(family, family_agrees="no", override_reason="Telling dad would put mum at risk.")
    transfer_url = client.post(f"/episodes/{episode.id}/step-up", data).headers["Location"]
    assert client.post(f"{transfer_url}/submit").status_code == 302
    soup = client.page(transfer_url)
    assert "Reason for going ahead: Telling dad would put mum at risk." in text_of(soup, "#override")
    assert "Not yet authorised by a team manager." in text_of(soup, "#override")
    soup = soup_of(client.post(f"{transfer_url}/authorise-override"))
    assert refused(soup) == "You cannot authorise your own request. Ask another manager."

    other = browser(app, early_help_manager("Sam Larkspurrow"))
    soup = soup_of(other.post(f"{transfer_url}/approve"))
    assert refused(soup) == (
        "The family has not agreed. Authorise going ahead without their agreement before approving."
    )
    [transfer] = transfers_of(family)
    assert transfer.state == "awaiting_approval"
    assert other.page(transfer_url).select_one("#override form button")

    assert other.post(f"{transfer_url}/authorise-override").status_code == 302
    soup = other.page(transfer_url)
    assert "Authorised by Sam Larkspurrow" in text_of(soup, "#override")
    assert other.post(f"{transfer_url}/approve").status_code == 302
    transfer = fresh(Transfer, id=transfer.id)
    assert (transfer.state, transfer.override_authorised_by.name) == ("sent", "Sam Larkspurrow")


def test_only_a_manager_of_the_sending_team_can_authorise_going_ahead(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead))
    client.sign_in(lead)
    assert client.post(f"/transfers/{transfer.id}/authorise-override").status_code == 403
    outsider = browser(app, social_care_manager())
    assert outsider.page(f"/transfers/{transfer.id}").select_one("#override form") is None
    assert refused(soup_of(outsider.post(f"/transfers/{transfer.id}/authorise-override"))) == (
        "Only a team manager of the sending team can authorise this."
    )
    assert fresh(Transfer, id=transfer.id).override_authorised_at is None


def test_a_request_the_family_agrees_to_needs_no_authorisation(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("submit", lead))
    client.sign_in(early_help_manager())
    assert client.page(f"/transfers/{transfer.id}").select_one("#override") is None
    assert refused(soup_of(client.post(f"/transfers/{transfer.id}/authorise-override"))) == (
        "This request does not need a manager's authorisation."
    )


def test_authorising_a_withdrawn_request_is_refused_with_a_plain_message(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(
        make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead), ("withdraw", lead, "Moved away")
    )
    client.sign_in(early_help_manager())
    response = client.post(f"/transfers/{transfer.id}/authorise-override")
    assert response.status_code == 200
    assert soup_of(response).select_one("#refused")
    assert fresh(Transfer, id=transfer.id).override_authorised_at is None


def test_a_second_authorisation_does_not_replace_the_first(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead, family_agrees=False), ("submit", lead))
    first, second = early_help_manager(), early_help_manager("Sam Larkspurrow")
    client.sign_in(first)
    late = browser(app, second)
    late.page(f"/transfers/{transfer.id}")  # both managers have the page open
    assert client.post(f"/transfers/{transfer.id}/authorise-override").status_code == 302
    late.post(f"/transfers/{transfer.id}/authorise-override")
    assert fresh(Transfer, id=transfer.id).override_authorised_by_id == first.id


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
    url = f"/transfers/{transfer.id}/handover-plan"
    client.sign_in(receiver)
    other = browser(app, lead)
    mine = client.page(url).select_one("#version")["value"]
    theirs = other.page(url).select_one("#version")["value"]

    response = client.post(
        url, plan_form(mine, meeting_place="Testtown family centre", attendees="Kit Marrowby and both parents")
    )
    assert response.status_code == 302
    saved_at = fresh(HandoverPlan, transfer_id=transfer.id).updated_at.astimezone(LONDON)

    response = other.post(
        url, plan_form(theirs, meeting_place="Testtown library", attendees="Robin Quillfeather and mum")
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert text_of(soup, "#stale") == (
        f"Kit Marrowby saved this handover plan at {saved_at:%H:%M} on {saved_at:%-d %B %Y}, after you opened it. "
        "Your changes are below but have not been saved. Check what they changed, then save again."
    )
    assert soup.select_one("#meeting_place")["value"] == "Testtown library"
    assert soup.select_one("#attendees").get_text().strip() == "Robin Quillfeather and mum"
    assert "Testtown family centre" in text_of(soup, "#saved-plan")
    plan = fresh(HandoverPlan, transfer_id=transfer.id)
    assert (plan.meeting_place, plan.attendees, plan.updated_by_id) == (
        "Testtown family centre",
        "Kit Marrowby and both parents",
        receiver.id,
    )


def test_after_being_told_someone_else_saved_the_plan_saving_again_works(client, app):
    _, transfer, lead, receiver = accepted_step_up()
    url = f"/transfers/{transfer.id}/handover-plan"
    client.sign_in(receiver)
    other = browser(app, lead)
    mine = client.page(url).select_one("#version")["value"]
    theirs = other.page(url).select_one("#version")["value"]
    assert client.post(url, plan_form(mine, meeting_place="Testtown family centre")).status_code == 302
    soup = soup_of(other.post(url, plan_form(theirs, meeting_place="Testtown library")))
    assert soup.select_one("#stale")
    again = plan_form(soup.select_one("#version")["value"], meeting_place="Testtown library")
    assert other.post(url, again).status_code == 302
    assert fresh(HandoverPlan, transfer_id=transfer.id).meeting_place == "Testtown library"


def test_a_meeting_marked_held_needs_its_date_and_a_meeting_kind_is_required(client):
    _, transfer, _, receiver = accepted_step_up()
    url = f"/transfers/{transfer.id}/handover-plan"
    client.sign_in(receiver)
    version = client.page(url).select_one("#version")["value"]
    soup = soup_of(client.post(url, plan_form(version, meeting_kind="", meeting_held="y", attendees="Kept names")))
    assert error_messages(soup) == [
        "Select a handover meeting or a joint visit",
        "Enter the date of the meeting or visit that happened",
    ]
    assert soup.select_one("#attendees").get_text().strip() == "Kept names"
    assert not fresh(HandoverPlan, transfer_id=transfer.id).meeting_held


def test_the_handover_plan_of_a_completed_request_is_closed(client):
    _, transfer, lead, receiver = accepted_step_up()
    plan = fresh(HandoverPlan, transfer_id=transfer.id)
    plan.meeting_on, plan.meeting_held = today(), True
    db.session.commit()
    advance(transfer, ("complete_handover", receiver))
    client.sign_in(receiver)
    url = f"/transfers/{transfer.id}/handover-plan"
    assert "Complete the handover plan" not in text_of(client.page(f"/transfers/{transfer.id}"), "main")
    version = client.page(url).select_one("#version")["value"]
    response = client.post(url, plan_form(version, meeting_place="Too late"))
    assert response.status_code == 200
    assert "This request is handover complete: its handover plan is closed" in text_of(soup_of(response), "#stale")
    assert fresh(HandoverPlan, transfer_id=transfer.id).meeting_place == ""


# 8. Next steps in the handover plan


def test_a_next_step_due_in_the_past_or_without_an_owner_is_refused_with_a_specific_message(client):
    _, transfer, _, receiver = accepted_step_up()
    url = f"/transfers/{transfer.id}/next-steps"
    client.sign_in(receiver)
    cases = [
        (
            next_step_form(due_on=date_parts(today() - timedelta(days=1))),
            "The date it needs to be done by must be today or in the future",
        ),
        (next_step_form(owner_kind="user", owner_user=""), "Select who will do it"),
        (next_step_form(owner_kind="family_member", owner_name=" "), "Enter the name of the person who will do it"),
        (
            next_step_form(owner_kind="partner", owner_name="", owner_agency="Testtown Primary"),
            "Enter the name of the person who will do it",
        ),
        (next_step_form(owner_kind=""), "Select who will do it"),
        (next_step_form(due_on=["", "", ""]), "Enter the date it needs to be done by"),
        (next_step_form(what=""), "Enter what needs to happen"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, message
        soup = soup_of(response)
        assert error_messages(soup) == [message]
        if data["what"]:
            assert soup.select_one("#what")["value"] == data["what"]
    assert (
        db.session.scalar(select(func.count()).select_from(NextStep).where(NextStep.family_id == transfer.family_id))
        == 0
    )


def test_family_facing_next_steps_are_in_the_family_letter_and_professional_ones_are_not(client):
    family, transfer, _, receiver = accepted_step_up()
    url = f"/transfers/{transfer.id}/next-steps"
    client.sign_in(receiver)
    due = today() + timedelta(days=7)
    response = client.post(
        url,
        next_step_form(
            what="Take Ash to the dentist", owner_name="Alex Testfamily", due_on=date_parts(due), family_facing="y"
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/handover-plan#next-steps")
    response = client.post(
        url,
        next_step_form(what="Share the case file with the new team", owner_kind="user", owner_user=str(receiver.id)),
    )
    assert response.status_code == 302
    soup = client.page(f"/transfers/{transfer.id}/handover-plan")
    rows = [" ".join(row.get_text(" ").split()) for row in soup.select("#next-steps ~ table tbody tr")]
    assert any("Take Ash to the dentist Family-facing Alex Testfamily" in row for row in rows)
    assert any("Share the case file with the new team Kit Marrowby" in row for row in rows)

    letter = " ".join(pdf_text(client.get(f"/transfers/{transfer.id}/family-letter.pdf")).split())
    assert "Take Ash to the dentist" in letter
    assert "Alex Testfamily" in letter
    assert "Share the case file" not in letter
    assert "Kit Marrowby from children's social care will be your main worker" in letter
    summary = " ".join(pdf_text(client.get(f"/transfers/{transfer.id}/handover-summary.pdf")).split())
    assert "Share the case file with the new team" in summary


def test_a_withdrawn_requests_handover_plan_takes_no_more_next_steps(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = advance(make_transfer(episode, actor=lead), ("withdraw", lead, "Moved away"))
    client.sign_in(lead)
    response = client.post(f"/transfers/{transfer.id}/next-steps", next_step_form())
    assert response.headers["Location"] == f"/transfers/{transfer.id}"
    assert "its handover plan is closed" in text_of(
        client.page(f"/transfers/{transfer.id}"), ".govuk-notification-banner"
    )
    assert db.session.scalar(select(func.count()).select_from(NextStep).where(NextStep.family_id == family.id)) == 0


def test_the_family_letter_waits_for_the_receiving_teams_decision(client):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(lead)
    response = client.get(f"/transfers/{transfer.id}/family-letter.pdf")
    assert response.headers["Location"] == f"/transfers/{transfer.id}"
    assert "once the receiving team has decided" in text_of(
        client.page(f"/transfers/{transfer.id}"), ".govuk-notification-banner"
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
    assert sorted(queue_references(client.page("/transfers?queue=mine"))) == sorted(
        [ref["draft"], ref["awaiting_approval"], ref["sent"], ref["accepted"], ref["declined"]]
    )
    assert queue_references(client.page("/transfers?queue=decide")) == [ref["step_down_sent"]]
    assert queue_references(client.page("/transfers?queue=handover")) == [ref["accepted"]]

    manager = browser(app, people["manager"])
    assert queue_references(manager.page("/transfers?queue=approve")) == [ref["awaiting_approval"]]
    assert queue_references(manager.page("/transfers?queue=mine")) == []

    decider = browser(app, people["decider"])
    assert queue_references(decider.page("/transfers?queue=decide")) == [ref["sent"]]
    assert queue_references(decider.page("/transfers?queue=handover")) == [ref["accepted"]]
    assert queue_references(decider.page("/transfers?queue=approve")) == []
    assert queue_references(decider.page("/transfers")) == [ref["sent"]]  # deciding is the default list

    worker = browser(app, people["worker"])
    assert queue_references(worker.page("/transfers?queue=mine")) == [ref["step_down_sent"]]


def test_the_lists_show_their_counts_and_an_unknown_list_falls_back_to_deciding(client, requests_in_every_state):
    ref, people = requests_in_every_state
    client.sign_in(people["decider"])
    soup = client.page("/transfers?queue=nonsense")
    assert text_of(soup, "#transfer-queue h2") == "Requests to decide"
    assert [" ".join(a.get_text().split()) for a in soup.select(".app-queue-nav a")] == [
        "Requests to decide (1)",
        "Awaiting my approval (0)",
        "My requests (0)",
        "Awaiting handover (1)",
    ]
    row = text_of(soup, "#transfer-queue tbody tr")
    assert "Step-up" in row and "Early help team to Social care team" in row and "Sent" in row


def test_an_htmx_request_for_a_list_returns_only_that_region(client, requests_in_every_state):
    ref, people = requests_in_every_state
    client.sign_in(people["manager"])
    response = client.get("/transfers?queue=approve", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    soup = soup_of(response)
    assert [tag["id"] for tag in soup.find_all(recursive=False) if tag.name] == ["transfer-queue"]
    assert queue_references(soup) == [ref["awaiting_approval"]]
    assert soup.select(".app-queue-nav") == []
    full = client.page("/transfers?queue=approve")
    assert full.select_one("h1").get_text() == "Step-up and step-down"
    assert queue_references(full) == [ref["awaiting_approval"]]


def test_a_managers_own_request_is_not_in_their_approval_list(client, app):
    requester, other_manager = early_help_manager(), early_help_manager("Sam Larkspurrow")
    family, episode = step_up_case(early_help_lead())
    advance(make_transfer(episode, actor=requester), ("submit", requester))
    assert queue_references(browser(app, other_manager).page("/transfers?queue=approve")) == [family.reference]
    client.sign_in(requester)
    assert queue_references(client.page("/transfers?queue=approve")) == []


def test_people_who_do_not_work_with_families_cannot_see_requests(client, app):
    lead = early_help_lead()
    _, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    client.sign_in(make_user("administrator", team_name=None))
    assert client.get("/transfers").status_code == 403
    assert client.get(f"/transfers/{transfer.id}").status_code == 403
    assert client.get(f"/transfers/{transfer.id}/handover-summary.pdf").status_code == 403


# 10. Audit


def test_viewing_a_request_is_recorded_in_the_audit_trail(client):
    lead = early_help_lead()
    family, episode = step_up_case(lead)
    transfer = make_transfer(episode, actor=lead)
    reader = social_care_manager()
    client.sign_in(reader)
    client.page(f"/transfers/{transfer.id}")
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
    assert client.post(f"/transfers/{transfer.id}/submit").status_code == 302
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
        client.page(f"/families/{family.id}"), "#family-timeline"
    )


def test_only_the_sending_or_receiving_team_can_complete_the_handover(client):
    _, transfer, _, _ = accepted_step_up()
    plan = fresh(HandoverPlan, transfer_id=transfer.id)
    plan.meeting_on, plan.meeting_held = today(), True
    db.session.commit()
    client.sign_in(make_user("front_door", team_name="Front door", name="Nico Frontdesk"))
    soup = soup_of(client.post(f"/transfers/{transfer.id}/complete-handover"))
    assert refused(soup) == "Only the sending or receiving team can complete the handover."
    assert fresh(Transfer, id=transfer.id).state == "accepted"


def test_a_meeting_marked_held_cannot_be_dated_in_the_future(client):
    _, transfer, _, receiver = accepted_step_up()
    url = f"/transfers/{transfer.id}/handover-plan"
    client.sign_in(receiver)
    version = client.page(url).select_one("#version")["value"]
    tomorrow = today() + timedelta(days=1)
    response = client.post(url, plan_form(version, meeting_on=date_parts(tomorrow), meeting_held="y"))
    assert response.status_code == 200
    assert error_messages(soup_of(response))
    assert not fresh(HandoverPlan, transfer_id=transfer.id).meeting_held


def test_a_next_step_due_today_is_accepted(client):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    response = client.post(f"/transfers/{transfer.id}/next-steps", next_step_form(due_on=date_parts(today())))
    assert response.status_code == 302
    db.session.expire_all()
    [step] = db.session.scalars(select(NextStep).where(NextStep.family_id == transfer.family_id)).all()
    assert (step.due_on, step.owner, step.family_facing) == (today(), "Alex Testfamily", False)
