"""Issue 12, the walkthrough's lost handover plan: the date, the place and "What we will tell the family" typed,
then "Add next step" pressed lower on the page, came back empty. The plan and its add-a-step questions are one
form now: adding a step saves what was typed into the plan first, and nothing typed is ever lost."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import NextStep
from tests.helpers import date_parts, error_messages, fresh, soup_of, text_of
from tests.views.test_transfers import accepted_step_up, browser, next_step_form, plan_form, plan_version


@pytest.fixture
def today():
    """Today, with the clock stopped, for tests that compare dates with the pages."""
    with time_machine.travel(clock.now(), tick=False):
        yield clock.today()


MESSAGE = "Kit will visit you at home on Tuesday and will be your main worker from then."


def typed_plan(version) -> dict:
    return plan_form(
        version,
        meeting_on=date_parts(clock.today()),
        meeting_place="The family home",
        family_message=MESSAGE,
    )


def handover_steps() -> list[NextStep]:
    db.session.expire_all()
    return db.session.scalars(select(NextStep).where(NextStep.source_type == "handover_plan")).all()


def kept_on_the_page(soup) -> dict:
    return {
        "place": soup.select_one("#meeting_place")["value"],
        "message": soup.select_one("#family_message").get_text().strip(),
        "what": soup.select_one("#what")["value"],
    }


def test_typed_plan_then_add_next_step_keeps_the_text_saved_and_the_step_added(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    page = client.page("transfers.edit_plan", transfer_id=transfer.id)
    assert "Adding a step saves what you have written in the plan too." in text_of(page, "main")
    button = page.find("button", string=lambda text: text and text.strip() == "Add next step")
    assert button["formaction"] == client.url("transfers.add_next_step", transfer_id=transfer.id)

    data = typed_plan(plan_version(client, transfer)) | next_step_form(today + timedelta(days=7))
    response = client.post("transfers.add_next_step", data | {"submit_step": "Add next step"}, transfer_id=transfer.id)

    assert response.status_code == 302
    assert response.headers["Location"] == client.url("transfers.edit_plan", transfer_id=transfer.id) + "#next-steps"
    plan = fresh(transfer.handover_plan)
    assert (plan.meeting_on, plan.meeting_place, plan.family_message) == (today, "The family home", MESSAGE)
    assert [step.what for step in handover_steps()] == ["Book a dentist appointment for the children"]
    soup = client.page("transfers.edit_plan", transfer_id=transfer.id)
    assert "Handover plan saved. Next step added to the handover plan." in text_of(soup, ".govuk-notification-banner")
    assert soup.select_one("#meeting_place")["value"] == "The family home"
    assert soup.select_one("#family_message").get_text().strip() == MESSAGE
    assert int(soup.select_one("#meeting_on-day")["value"]) == today.day


def test_a_refused_step_keeps_both_the_plans_and_the_steps_typing(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    data = typed_plan(plan_version(client, transfer)) | next_step_form(
        today - timedelta(days=1), what="Ring the school about mornings"
    )
    response = client.post("transfers.add_next_step", data | {"submit_step": "Add next step"}, transfer_id=transfer.id)

    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["The date it needs to be done by must be today or in the future"]
    assert kept_on_the_page(soup) == {
        "place": "The family home",
        "message": MESSAGE,
        "what": "Ring the school about mornings",
    }
    # The plan was saved (and the page says so); the step was not added.
    assert "Handover plan saved. The next step has not been added" in text_of(soup, ".govuk-notification-banner")
    plan = fresh(transfer.handover_plan)
    assert (plan.meeting_place, plan.family_message) == ("The family home", MESSAGE)
    assert handover_steps() == []
    # The page carries the version just saved: putting the step right and adding it is not "someone else saved".
    assert soup.select_one("#version")["value"] == str(plan.version)
    again = typed_plan(soup.select_one("#version")["value"]) | next_step_form(
        today + timedelta(days=3), what="Ring the school about mornings"
    )
    assert client.post("transfers.add_next_step", again, transfer_id=transfer.id).status_code == 302
    assert [step.what for step in handover_steps()] == ["Ring the school about mornings"]


def test_a_stale_plan_keeps_both_the_plans_and_the_steps_typing(client, app, today):
    _, transfer, lead, receiver = accepted_step_up()
    client.sign_in(receiver)
    other = browser(app, lead)
    mine, theirs = plan_version(client, transfer), plan_version(other, transfer)
    assert (
        other.post("transfers.edit_plan", plan_form(theirs, meeting_place="Testtown library"), transfer_id=transfer.id)
    ).status_code == 302
    saved = fresh(transfer.handover_plan)

    data = typed_plan(mine) | next_step_form(today + timedelta(days=7), what="Ring the school about mornings")
    response = client.post("transfers.add_next_step", data | {"submit_step": "Add next step"}, transfer_id=transfer.id)

    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        f"Robin Quillfeather saved this handover plan on {clock.long_moment(saved.updated_at)}, after you opened "
        "this page. Your changes are below but have not been saved; the fields you did not change now show what "
        "they saved. Check, then save again"
    ]
    assert kept_on_the_page(soup) == {
        "place": "The family home",
        "message": MESSAGE,
        "what": "Ring the school about mornings",
    }
    assert "Testtown library" in text_of(soup, "#saved-plan")
    assert fresh(transfer.handover_plan).meeting_place == "Testtown library"
    assert handover_steps() == []
    # Having read the other change, pressing "Add next step" again saves the plan and adds the step.
    again = typed_plan(soup.select_one("#version")["value"]) | next_step_form(
        today + timedelta(days=7), what="Ring the school about mornings"
    )
    assert client.post("transfers.add_next_step", again, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer.handover_plan).meeting_place == "The family home"
    assert [step.what for step in handover_steps()] == ["Ring the school about mornings"]


def test_a_refused_plan_keeps_the_steps_typing_and_adds_nothing(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    data = typed_plan(plan_version(client, transfer)) | {
        "meeting_on": date_parts(today + timedelta(days=2)),
        "meeting_held": "y",
    }
    data |= next_step_form(today + timedelta(days=7), what="Ring the school about mornings")
    response = client.post("transfers.add_next_step", data | {"submit_step": "Add next step"}, transfer_id=transfer.id)

    assert response.status_code == 200
    soup = soup_of(response)
    assert len(error_messages(soup)) == 1
    assert kept_on_the_page(soup)["what"] == "Ring the school about mornings"
    assert kept_on_the_page(soup)["message"] == MESSAGE
    assert fresh(transfer.handover_plan).meeting_place != "The family home"
    assert handover_steps() == []


def test_saving_the_plan_with_a_step_typed_in_adds_the_step_too(client, today):
    _, transfer, _, receiver = accepted_step_up()
    client.sign_in(receiver)
    data = typed_plan(plan_version(client, transfer)) | next_step_form(today + timedelta(days=7))
    response = client.post("transfers.edit_plan", data | {"submit": "Save handover plan"}, transfer_id=transfer.id)
    assert response.status_code == 302
    assert fresh(transfer.handover_plan).family_message == MESSAGE
    assert [step.what for step in handover_steps()] == ["Book a dentist appointment for the children"]
