"""Steps owned by a family member or a partner are tracked (issue 12, part 7), and a request's actions are shown
for what they are (part 2): the lead and their team mark them done, change their date or close them wherever
steps are listed; they are on the lead's My work in their own list; a request's proposed actions say they are
proposed; after a decline the sending lead holds them. All names are fictional."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import today
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, NextStepStatus
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from tests.factories import make_episode, make_household, make_user
from tests.helpers import date_parts, fresh, soup_of, statements_of, steps_in_my_work, text_of
from tests.services.test_request_steps import a_step_down_with_tasks, sent

HTMX = {"HX-Request": "true"}


def lead(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def a_family_led_by(person):
    family = make_household(children=1)
    make_episode(family, lead=person)
    return family


def theirs(family, by, what, due_on, *, kind="partner", name="Jo Fairweather", agency="Oakfield School"):
    """A step for a family member or a partner; one due in the past written a week before it fell due."""
    return add_next_step(
        family.id,
        NextStepInput(
            what=what,
            owner_kind=kind,
            owner_name=name,
            owner_agency=agency if kind == "partner" else "",
            due_on=due_on,
        ),
        source_type="family_plan",
        source_id=None,
        actor=by,
        today=min(due_on, today()) - timedelta(days=7),
    )


def whats(page, table_id) -> list[str]:
    return [
        next(text.strip() for text in row.select_one("td").find_all(string=True, recursive=False) if text.strip())
        for row in page.select(f"#{table_id} tbody tr")
    ]


# My work


def test_family_and_partner_steps_are_on_the_leads_my_work_in_their_own_list_by_urgency(client):
    robin = lead()
    family = a_family_led_by(robin)
    theirs(family, robin, "Send the attendance figures", today() - timedelta(days=3))
    theirs(family, robin, "Go to the parenting course", today(), kind="family_member", name="Alex Testfamily")
    theirs(family, robin, "Book the dentist", today() + timedelta(days=30), kind="family_member", name="Alex")
    someone_elses = a_family_led_by(lead("Kit Marrowby"))
    theirs(someone_elses, robin, "Not Robin's family", today())

    client.sign_in(robin)
    page = client.page("main.home")
    assert text_of(page, "#family-steps") == "Steps for families and partners"
    assert whats(page, "family-steps-overdue") == ["Send the attendance figures"]
    assert whats(page, "family-steps-this-week") == ["Go to the parenting course"]
    assert whats(page, "family-steps-later") == ["Book the dentist"]
    row = page.select_one("#family-steps-overdue tbody tr")
    assert "Jo Fairweather (Oakfield School)" in row.get_text(" ")
    assert row.find("button").get_text(strip=True).startswith("Done")
    # Their own list: not among Robin's own next steps.
    assert page.select("#steps-overdue tbody tr") == []


def test_my_work_runs_the_same_statements_with_5_family_and_partner_steps_as_with_50(client):
    robin = lead()
    counts = []
    made, family = 0, None
    for size in (5, 50):
        for number in range(made, size):
            family = a_family_led_by(robin) if number % 5 == 0 else family
            kind = "partner" if number % 2 else "family_member"
            theirs(family, robin, f"Step {number}", today() + timedelta(days=number % 21 - 7), kind=kind)
        made = size
        client.sign_in(robin)
        counts.append(statements_of(client, "main.home"))
        assert steps_in_my_work(soup_of(client.get("main.home")), "family-steps") == size
    assert counts[0] == counts[1]


# Marked done, rescheduled or closed by the lead and their team; never by an outsider


def test_the_lead_marks_a_partners_step_done_from_my_work(client):
    robin = lead()
    step = theirs(a_family_led_by(robin), robin, "Send the attendance figures", today())
    client.sign_in(robin)
    back = client.url("main.home")
    response = client.post("next_steps.done", {"next": back}, step_id=step.id)
    assert (response.status_code, response.headers["Location"]) == (302, back)
    assert (fresh(step).status, fresh(step).status_on) == (NextStepStatus.DONE, today())
    page = client.page(back)
    assert page.select("[id^=family-steps-] tbody tr") == []
    done = db.session.scalars(
        select(AuditEvent.user_id).where(AuditEvent.record_type == "next_step", AuditEvent.action == "done")
    ).all()
    assert done == [robin.id]


def test_a_team_colleague_marks_a_family_members_step_done_from_the_family_page(client):
    robin, colleague = lead(), lead("Sky Brambleton")
    family = a_family_led_by(robin)
    step = theirs(family, robin, "Go to the parenting course", today(), kind="family_member", name="Alex Testfamily")
    client.sign_in(colleague)
    page = client.page("families.show", family_id=family.id)
    row = page.select_one(f"#next-step-{step.id}")
    assert row.find("button").get_text(strip=True).startswith("Done")
    assert [a.get_text(" ", strip=True).split(":")[0].strip() for a in row.select("a")] == ["Change date", "Not done"]
    form = row.find("form")
    assert form.find("input", {"name": "layout"})["value"] == "table"
    response = client.post(
        "next_steps.done",
        {"next": client.url("families.show", family_id=family.id), "layout": "table"},
        headers=HTMX,
        step_id=step.id,
    )
    swapped = soup_of(response).find("tr")
    assert [td.get_text(" ", strip=True) for td in swapped.select("td")][1:4] == [
        "Alex Testfamily",
        page.select_one(f"#next-step-{step.id}").select("td")[2].get_text(strip=True),
        "Done",
    ]
    assert fresh(step).status == NextStepStatus.DONE


def test_the_lead_changes_the_date_of_a_partners_step_and_closes_another(client):
    robin = lead()
    family = a_family_led_by(robin)
    moved = theirs(family, robin, "Send the attendance figures", today())
    closed = theirs(family, robin, "Refer to the school nurse", today())
    client.sign_in(robin)
    new_date = today() + timedelta(days=14)
    response = client.post(
        "next_steps.reschedule",
        {"due_on": date_parts(new_date), "reason": "The school is closed for a week"},
        step_id=moved.id,
    )
    assert response.status_code == 302
    assert fresh(moved).due_on == new_date
    response = client.post(
        "next_steps.close", {"status": "cancelled", "reason": "The nurse already sees her"}, step_id=closed.id
    )
    assert response.status_code == 302
    assert (fresh(closed).status, fresh(closed).status_reason) == (
        NextStepStatus.CANCELLED,
        "The nurse already sees her",
    )


def test_an_outsider_cannot_mark_a_partners_step_done_or_see_its_actions(client):
    robin = lead()
    family = a_family_led_by(robin)
    step = theirs(family, robin, "Send the attendance figures", today())
    outsider = make_user("practitioner", team_name="Social care team", name="Lee Outerbridge")
    client.sign_in(outsider)
    assert client.post("next_steps.done", {}, step_id=step.id).status_code == 404
    assert client.get("next_steps.reschedule", step_id=step.id).status_code == 404
    assert fresh(step).status == NextStepStatus.OPEN


# A request's actions


def test_a_requests_proposed_actions_say_so_and_offer_no_actions_until_it_is_accepted(client):
    transfer, episode, who = a_step_down_with_tasks()
    client.sign_in(who["social_worker"])
    page = client.page("transfers.show", transfer_id=transfer.id)
    rows = [row for row in page.select("tr[id^=next-step-]")]
    assert len(rows) == 3
    for row in rows:
        assert "Proposed: live when the request is accepted" in row.get_text(" ")
        assert text_of(row, ".govuk-tag") == "Proposed"
        assert row.find("button") is None
    plan = client.page("transfers.edit_plan", transfer_id=transfer.id)
    assert len([r for r in plan.select("tr[id^=next-step-]") if "Proposed: live when" in r.get_text(" ")]) == 3


def test_after_a_decline_the_social_workers_my_work_shows_the_actions_that_came_back(client):
    transfer, episode, who = a_step_down_with_tasks()
    sent(transfer, who)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=who["eh_manager"], reason="Family moved away")
    worker = who["social_worker"]
    client.sign_in(worker)
    page = client.page("main.home")
    rows = page.select("#steps-later tbody tr")
    assert len(rows) == 3
    assert "Proposed for Ellis Pemberwick in a request that did not go ahead" in rows[0].get_text(" ")
    step = next(s for s in next_steps.work_list([worker.id], today(), viewer=worker).later)
    close_page = client.page("next_steps.close", step_id=step.id)
    assert "returned to Sam Hollowell when the request was declined (proposed for Ellis Pemberwick)" in text_of(
        close_page, "#next-step-history"
    )
    response = client.post(
        "next_steps.close", {"status": "not_done", "reason": "Early help said no; school will do it"}, step_id=step.id
    )
    assert response.status_code == 302
    assert fresh(step).status == NextStepStatus.NOT_DONE
    # The receiving practitioner has nothing of it.
    client.sign_out()
    client.sign_in(who["receiver"])
    assert client.page("main.home").select("tr[id^=next-step-]") == []
