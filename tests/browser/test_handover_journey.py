"""Issue 12's "Done when" journey: a handover that loses nothing, and a letter the family can trust.

A social worker starts a step-down the family first says no to (a draft that says it cannot be sent), changes it
when the family agrees, and sends it; the social care manager approves; early help's manager declines once; the
proposed tasks come back to the social worker, who is told; a follow-up request carries them across with no
duplicates; early help's manager accepts it, naming a practitioner as lead; the letter is previewed, issued and
downloaded twice with identical bytes; the handover plan's family-member and partner steps are marked done by the
lead from their My work. Every page passes axe (check_page) and is saved under test-artifacts/journeys/.
"""

import re
from datetime import timedelta

from bs4 import BeautifulSoup
from playwright.sync_api import expect

from earlyhelp import clock
from earlyhelp.services.next_steps import WORK_PAGE_ROWS, Urgency
from tests.browser.conftest import check_page, choose
from tests.browser.transfer_steps import (
    accept_naming,
    add_plan_step,
    answer_checklist,
    answer_consent,
    fill_children,
    issue_and_download_letter,
    new_family_in,
    open_from_queue,
    reference_of,
    save_handover_meeting,
    write_outcome,
    write_task,
)
from tests.helpers import url

TASKS = ("Check attendance with the school weekly", "Book the school nurse to see Ash")
SAID_NO = "We have had enough of services. We want to be left alone for a while."
SAID_YES = "We talked it over. We would like Robin's help with the school mornings."
DECLINED_BECAUSE = "Early help north has no practitioner free this month: ask again on the 1st."
FAMILY_STEP = "Mum to ring the school if Ash is off sick"
PARTNER_STEP = "School nurse to see Ash about sleep"


def count_of(page, text: str, where: str = "main") -> int:
    """How many times these words appear in that part of the page."""
    return page.locator(where).inner_text().count(text)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def rows_on_my_work(page, text: str, reference: str) -> list[str]:
    """The rows of this person's own next steps that are this step of this family (the demo has steps in the same
    words), from every step of My work's three lists: My work itself shows only the first of each, and other
    journeys sharing the server add steps. Read with the browser's own session, leaving the page where it is."""
    found = []
    for urgency in Urgency:
        for number in range(1, 10):
            html = page.request.get(f"/work/next-steps?list={urgency.value}&steps=mine&page={number}").text()
            rows = [" ".join(row.get_text().split()) for row in soup(html).select("#work-steps tbody tr")]
            found += [row for row in rows if reference in row and text in row]
            if len(rows) < WORK_PAGE_ROWS:
                break
    return found


def on_my_work(page, text: str, reference: str) -> int:
    return len(rows_on_my_work(page, text, reference))


def write_the_request(page, children: list[str]) -> None:
    page.get_by_label("Why step down now?").fill("The child protection plan has ended and things are calmer.")
    answer_checklist(page, "Yes")
    page.get_by_label("What are we worried about?").fill("School attendance is still low.")
    choose(page, "Level of need now", "Level 2: Early help")
    page.get_by_label("Receiving team").select_option(label="Early help north")
    fill_children(page, children)
    write_outcome(
        page,
        1,
        who=children[0],
        what=f"{children[0]} is in school every day, on time.",
        by_when=clock.today() + timedelta(days=90),
    )


def test_a_step_down_the_family_first_refuses_declined_once_then_accepted_with_its_letter_and_steps(person, live_app):
    family_id, children = new_family_in(live_app, "social_care", "social.worker@northshire.example")

    # 1. The family says no: the draft is saved, and says it cannot be sent.
    social_worker = person("social.worker")
    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    social_worker.get_by_role("link", name="Request a step-down to early help").click()
    check_page(social_worker, "handover-new-request")
    write_the_request(social_worker, children)
    answer_consent(social_worker, told_by="Sam Socialworker", agrees="No", words=SAID_NO)
    for number, task in enumerate(TASKS, start=1):
        write_task(social_worker, number, what=task, owner="Robin Practitioner", due=clock.today() + timedelta(60))
    social_worker.get_by_role("button", name="Save request as a draft").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Draft")
    reference = reference_of(social_worker)
    expect(social_worker.locator("#answer-agrees")).to_contain_text("No")
    expect(social_worker.locator("#answer-agrees")).to_contain_text(SAID_NO)
    expect(social_worker.locator("#not-ready")).to_contain_text("cannot be sent for approval yet")
    expect(social_worker.locator("#not-ready")).to_contain_text("the family has not agreed")
    expect(social_worker.get_by_role("button", name="Send for manager approval")).to_have_count(0)
    for task in TASKS:
        assert count_of(social_worker, task) == 1, task
    check_page(social_worker, "handover-draft-family-said-no")
    request_page = social_worker.url

    # Proposed tasks are on nobody's My work: not the practitioner's they are proposed for.
    practitioner = person("practitioner")
    expect(practitioner.locator("#my-work")).to_be_visible()
    for task in TASKS:
        assert on_my_work(practitioner, task, reference) == 0, f"{task} is on My work before acceptance"

    # 2. The family agrees, in their words: the request is changed, then sent.
    social_worker.locator("#change-request").get_by_role("link", name="Change the request").click()
    check_page(social_worker, "handover-change-request")
    choose(social_worker, "Does the family agree?", "Yes")
    social_worker.get_by_label("What did the family say, in their own words?").fill(SAID_YES)
    social_worker.get_by_role("button", name="Save changes").click()
    expect(social_worker.locator(".govuk-notification-banner")).to_contain_text("request changed")
    expect(social_worker.locator("#answer-agrees")).to_contain_text("Yes")
    expect(social_worker.locator("#answer-agrees")).to_contain_text(SAID_YES)
    expect(social_worker.locator("#not-ready")).to_have_count(0)
    check_page(social_worker, "handover-draft-family-agrees")
    social_worker.get_by_role("button", name="Send for manager approval").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Awaiting approval")

    # 3. The social care manager approves.
    social_care_manager = person("social.care.manager")
    open_from_queue(social_care_manager, "Awaiting my approval", reference)
    check_page(social_care_manager, "handover-to-approve")
    social_care_manager.get_by_role("button", name="Approve and send").click()
    expect(social_care_manager.locator("#transfer-state")).to_have_text("Sent")

    # 4. Early help's manager declines once, saying why.
    manager = person("team.manager")
    open_from_queue(manager, "Requests to decide", reference)
    check_page(manager, "handover-to-decide")
    manager.get_by_role("button", name="Decline").click()
    expect(manager.locator(".govuk-error-summary")).to_be_visible()
    check_page(manager, "handover-decline-needs-reason")
    manager.get_by_label("Why are you declining?").fill(DECLINED_BECAUSE)
    manager.get_by_role("button", name="Decline").click()
    expect(manager.locator("#transfer-state")).to_have_text("Declined")
    expect(manager.locator("#transfer-summary")).to_contain_text(DECLINED_BECAUSE)
    check_page(manager, "handover-declined")

    # 5. The social worker is told, and the tasks are back on their My work, once each.
    social_worker.goto("/notifications")
    notice = social_worker.locator("#notifications li", has_text=reference).filter(has_text="declined")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(f"Your step-down request for {reference} was declined by Morgan Manager")
    expect(notice).to_contain_text(DECLINED_BECAUSE)
    check_page(social_worker, "handover-declined-notice")
    social_worker.get_by_role("link", name="My work", exact=True).click()
    for task in TASKS:
        [row] = rows_on_my_work(social_worker, task, reference) or [
            f"{task} is not back on the social worker's My work"
        ]
        assert "Proposed for Robin Practitioner in a request that did not go ahead" in row, row
    check_page(social_worker, "handover-my-work-after-decline")

    # 6. A follow-up request carries the tasks across. One is typed again in the same words: still only once.
    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    social_worker.get_by_role("link", name="Request a step-down to early help").click()
    write_the_request(social_worker, children)
    answer_consent(social_worker, told_by="Sam Socialworker", agrees="Yes", words=SAID_YES)
    write_task(social_worker, 1, what=TASKS[0], owner="Robin Practitioner", due=clock.today() + timedelta(60))
    social_worker.get_by_role("button", name="Save request as a draft").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Draft")
    assert social_worker.url != request_page
    expect(social_worker.locator("#transfer-summary")).to_contain_text("The request declined on")
    for task in TASKS:
        assert count_of(social_worker, task) == 1, f"{task} is not on the follow-up request exactly once"
    assert count_of(social_worker, "Proposed: live when the request is accepted") == len(TASKS)
    check_page(social_worker, "handover-follow-up-draft")
    social_worker.get_by_role("button", name="Send for manager approval").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Awaiting approval")
    social_worker.get_by_role("link", name="My work", exact=True).click()
    for task in TASKS:
        assert on_my_work(social_worker, task, reference) == 0, f"{task} stayed on My work once carried across"

    open_from_queue(social_care_manager, "Awaiting my approval", reference)
    social_care_manager.get_by_role("button", name="Approve and send").click()
    expect(social_care_manager.locator("#transfer-state")).to_have_text("Sent")

    # 7. Early help's manager accepts, naming the practitioner as lead: the tasks are live with their owner.
    open_from_queue(manager, "Requests to decide", reference)
    expect(manager.locator("#transfer-summary")).to_contain_text("The request declined on")
    accept_naming(manager, "Early help north", "Robin Practitioner")
    check_page(manager, "handover-accepted")
    practitioner.goto("/")
    for task in TASKS:
        assert on_my_work(practitioner, task, reference) == 1, f"{task} is not live on the lead's My work"
    check_page(practitioner, "handover-lead-my-work")

    # 8. The lead writes the handover plan, with a family member's step and a partner's step.
    practitioner.goto(manager.url)
    check_page(practitioner, "handover-request-for-lead")
    save_handover_meeting(practitioner, "handover", family_message="Robin will visit you next week.")
    practitioner.get_by_role("link", name="Complete the handover plan and its next steps").click()
    add_plan_step(practitioner, FAMILY_STEP, owner_kind="A family member", name="Mum")
    add_plan_step(
        practitioner,
        PARTNER_STEP,
        owner_kind="A named person at a partner agency",
        name="Jo Nurse",
        agency="Northshire school nursing",
    )
    check_page(practitioner, "handover-plan-with-steps")
    practitioner.get_by_role("link", name="Back to the request").click()

    # 9. The letter: previewed, issued, and each copy downloaded twice with identical bytes.
    copies = issue_and_download_letter(practitioner, "handover")
    letters_page = practitioner.url

    # 10. The lead marks both steps done from My work's "Steps for families and partners".
    practitioner.get_by_role("link", name="My work", exact=True).click()
    expect(practitioner.locator("#family-steps")).to_have_text("Steps for families and partners")
    check_page(practitioner, "handover-family-steps")
    for step in (FAMILY_STEP, PARTNER_STEP):
        row = practitioner.locator("[id^=family-steps-] tr", has_text=reference).filter(has_text=step)
        expect(row).to_have_count(1)
        # The button's hidden words name the step ("Done: <step>"); Playwright hears the hidden span apart.
        done = row.get_by_role("button", name=re.compile(rf"^Done ?: {re.escape(step)}$"))
        expect(done).to_have_count(1)
        done.click()
        expect(row).to_contain_text(f"Marked done: {step}")
        expect(done).to_have_count(0)
    check_page(practitioner, "handover-family-steps-done")
    practitioner.reload()
    for step in (FAMILY_STEP, PARTNER_STEP):
        assert on_my_work(practitioner, step, reference) == 0, f"{step} is still open on My work"

    # The issued letter is what was issued: downloading it now gives the same bytes as before.
    practitioner.goto(letters_page)
    for label, body in copies.items():
        again = practitioner.request.get(practitioner.get_by_role("link", name=label).get_attribute("href"))
        assert again.body() == body, f"{label}: the issued letter changed after the steps were done"
