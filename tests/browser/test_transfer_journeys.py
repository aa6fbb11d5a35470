"""A full step-up and a full step-down, from request to handover complete, each role a different person."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Service, Transfer, User
from tests.browser.conftest import check_page, choose
from tests.helpers import url


def free_episode(app, service_code: str, lead_email: str) -> tuple[int, int, list[str]]:
    """An open episode led by this person whose family has no transfer yet."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == lead_email))
        episode = db.session.scalar(
            select(Episode)
            .join(Service)
            .where(
                Service.code == service_code,
                Episode.ended_on.is_(None),
                Episode.lead_id == lead.id,
                ~Episode.family_id.in_(select(Transfer.family_id)),
            )
            .order_by(Episode.id)
        )
        return episode.family_id, episode.id, [c.first_name for c in episode.family.children]


def fill_children(page, names):
    for name in names:
        choose(page, f"Is {name} part of the request?", "Yes")
        page.get_by_label(f"{name}'s views, in their own words").fill(f"{name} says: I want it to be calm at home.")


def open_from_queue(page, queue: str, family_reference: str):
    page.get_by_role("link", name="Step-up and step-down").click()
    page.get_by_role("link", name=re.compile(queue)).click()
    check_page(page)
    page.locator("#transfer-queue tr", has_text=family_reference).get_by_role("link").click()


def complete_handover(page, step_owner: str):
    page.get_by_role("link", name="Complete the handover plan and its next steps").click()
    check_page(page, "handover-plan")
    choose(page, "Handover meeting or joint visit?", "Joint visit to the family")
    # Held today: a meeting cannot come before the request it belongs to, nor be recorded late without a reason.
    held = clock.today()
    page.get_by_role("group", name="Date of the meeting or visit").get_by_label("Day").fill(str(held.day))
    page.get_by_role("group", name="Date of the meeting or visit").get_by_label("Month").fill(str(held.month))
    page.get_by_role("group", name="Date of the meeting or visit").get_by_label("Year").fill(str(held.year))
    page.get_by_label("Place").fill("The family home")
    page.get_by_label("Who will attend").fill("Both leads and the parents")
    page.get_by_label("The family will attend").check()
    page.get_by_label("The meeting or visit has happened").check()
    page.get_by_label("If things get worse").fill("Call the duty social worker the same day.")
    page.get_by_role("button", name="Save handover plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Handover plan saved.")
    page.get_by_role("link", name="Complete the handover plan and its next steps").click()
    page.get_by_label("What needs to happen").fill("Visit the family weekly for a month")
    choose(page, "Who will do it?", "Someone in the service")
    page.get_by_label("Person in the service").select_option(label=step_owner)
    choose(page, "When does it need to be done by?", "On a date")
    due = page.get_by_role("group", name="Date", exact=True)
    due.get_by_label("Day").fill("1")
    due.get_by_label("Month").fill("1")
    due.get_by_label("Year").fill("2099")
    page.get_by_label("The family will see this step").check()
    page.get_by_role("button", name="Add next step").click()
    expect(page.locator("#next-steps + table, table").first).to_contain_text("Visit the family weekly for a month")
    check_page(page, "handover-plan-with-step")
    page.get_by_role("link", name="Back to the request").click()
    page.get_by_role("button", name="Mark handover complete").click()
    expect(page.locator("#transfer-state")).to_have_text("Handover complete")
    check_page(page, "handover-complete")


def test_a_full_step_up_from_request_to_handover_complete(person, live_app):
    family_id, episode_id, children = free_episode(live_app, "early_help", "practitioner@northshire.example")

    practitioner = person("practitioner")
    practitioner.goto(url(live_app, "families.show", family_id=family_id))
    practitioner.get_by_role("link", name="Request a step-up to social care").click()
    check_page(practitioner, "step-up-new")
    choose(practitioner, "Is any child in immediate danger?", "No")
    practitioner.get_by_label("What has changed?").fill("Two police call-outs in a fortnight.")
    practitioner.get_by_label("What are we worried about?").fill("The children are frightened at night.")
    choose(practitioner, "Level of need now", "Level 3: Targeted or complex")
    practitioner.get_by_label("Receiving team").select_option(label="Social care team")
    fill_children(practitioner, children)
    choose(practitioner, "Has the family been told about this request?", "Yes")
    choose(practitioner, "Does the family agree to the request?", "Yes")
    practitioner.get_by_role("button", name="Save request as a draft").click()
    expect(practitioner.locator("#transfer-state")).to_have_text("Draft")
    expect(practitioner.locator("#responsible")).to_contain_text("Robin Practitioner")
    check_page(practitioner, "step-up-draft")
    practitioner.get_by_role("button", name="Send for manager approval").click()
    expect(practitioner.locator("#transfer-state")).to_have_text("Awaiting approval")
    reference = practitioner.locator(".govuk-caption-l").inner_text().split(", ")[-1]

    manager = person("team.manager")
    open_from_queue(manager, "Awaiting my approval", reference)
    check_page(manager, "step-up-to-approve")
    manager.get_by_role("button", name="Approve and send").click()
    expect(manager.locator("#transfer-state")).to_have_text("Sent")
    expect(manager.locator("#decision-clock")).to_contain_text("Decision due")

    social_worker = person("social.worker")
    open_from_queue(social_worker, "Requests to decide", reference)
    check_page(social_worker, "step-up-to-decide")
    social_worker.get_by_label("Who will lead for Social care team?").select_option(label="Sam Socialworker")
    social_worker.get_by_role("button", name="Accept").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Accepted")
    expect(social_worker.locator("#responsible")).to_contain_text("Sam Socialworker")
    complete_handover(social_worker, "Sam Socialworker (Social care team)")

    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    involvement = social_worker.locator("#involvement + *")
    expect(social_worker.locator("main")).to_contain_text("Children's social care")
    expect(involvement).to_contain_text("Sam Socialworker")
    check_page(social_worker, "step-up-family-after")


def test_a_full_step_down_from_request_to_handover_complete(person, live_app):
    family_id, episode_id, children = free_episode(live_app, "social_care", "social.worker@northshire.example")

    social_worker = person("social.worker")
    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    social_worker.get_by_role("link", name="Request a step-down to early help").click()
    check_page(social_worker, "step-down-new")
    social_worker.get_by_label("Why step down now?").fill("The child protection plan has ended.")
    social_worker.get_by_label("The level of need has been reviewed against the threshold").check()
    social_worker.get_by_label("There are clear outcomes for early help to work towards, not just monitoring").check()
    social_worker.get_by_label("Outstanding tasks are listed below, each with an owner and a date").check()
    social_worker.get_by_label("What are we worried about?").fill("School attendance is still low.")
    choose(social_worker, "Level of need now", "Level 2: Early help")
    social_worker.get_by_label("Receiving team").select_option(label="Early help north")
    fill_children(social_worker, children)
    choose(social_worker, "Has the family been told about this request?", "Yes")
    first_task = social_worker.locator(".app-child-row", has_text="Task 1")
    first_task.get_by_label("What needs to happen").fill("Check attendance with the school weekly")
    first_task.get_by_label("Who will do it").select_option(label="Robin Practitioner")
    first_task.get_by_label("Day").fill("1")
    first_task.get_by_label("Month").fill("1")
    first_task.get_by_label("Year").fill("2099")
    social_worker.get_by_role("button", name="Save request as a draft").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Draft")
    expect(social_worker.locator("main")).to_contain_text("Check attendance with the school weekly")
    check_page(social_worker, "step-down-draft")
    social_worker.get_by_role("button", name="Send for manager approval").click()
    reference = social_worker.locator(".govuk-caption-l").inner_text().split(", ")[-1]

    manager = person("social.care.manager")
    open_from_queue(manager, "Awaiting my approval", reference)
    manager.get_by_role("button", name="Approve and send").click()
    expect(manager.locator("#transfer-state")).to_have_text("Sent")
    check_page(manager, "step-down-sent")

    practitioner = person("practitioner")
    open_from_queue(practitioner, "Requests to decide", reference)
    practitioner.get_by_label("Who will lead for Early help north?").select_option(label="Robin Practitioner")
    practitioner.get_by_role("button", name="Accept").click()
    expect(practitioner.locator("#meeting-clock")).to_contain_text("10 working days after acceptance")
    check_page(practitioner, "step-down-accepted")
    complete_handover(practitioner, "Robin Practitioner (Early help north)")

    with live_app.app_context():
        transfer_id = db.session.scalar(select(Transfer.id).where(Transfer.family_id == family_id))
    letter = practitioner.request.get(url(live_app, "transfers.family_letter", transfer_id=transfer_id))
    assert letter.headers["content-type"] == "application/pdf"
