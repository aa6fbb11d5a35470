"""A case supervision leaves two next steps; one is done and one rescheduled from My work; the manager sees it."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from earlyhelp import clock
from tests.browser.conftest import check_page, choose
from tests.helpers import date_parts


def test_supervision_next_steps_are_worked_from_my_work_and_the_manager_sees_it(person):
    manager = person("team.manager")
    manager.get_by_role("link", name="Supervision", exact=True).click()
    check_page(manager, "supervision-index")
    manager.get_by_role("link", name="Record a supervision", exact=True).click()
    check_page(manager, "supervision-new")

    # Nothing decided and nothing to do: refused, with a message that says so.
    choose(manager, "Kind of supervision", "Case supervision, about one family")
    manager.get_by_label("Practitioner").select_option(label="Robin Practitioner")
    manager.get_by_label("Family", exact=True).select_option(index=1)
    manager.get_by_label("Discussion").fill("Attendance, and whether the plan is working.")
    manager.get_by_role("button", name="Save supervision record").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Record at least one decision or one next step")
    check_page(manager, "supervision-new-errors")

    first = manager.locator(".app-child-row", has_text="Decision 1")
    first.get_by_label("Decision").fill("Keep working with the family in early help")
    first.get_by_label("Why").fill("Attendance is improving")
    for number, (what, due) in enumerate(
        [
            ("Phone Oakfield School about attendance", "In 5 working days"),
            ("Visit the family with the interpreter", "In 10 working days"),
        ],
        start=1,
    ):
        row = manager.locator(".app-child-row", has_text=f"Next step {number}")
        row.get_by_label("What needs to happen").fill(what)
        row.get_by_label("Who will do it").select_option(label="Robin Practitioner")
        row.get_by_label("Due").select_option(label=due)
    manager.get_by_role("button", name="Save supervision record").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        "Supervision with Robin Practitioner recorded"
    )
    expect(manager.locator("main table").last).to_contain_text("Visit the family with the interpreter")
    check_page(manager, "supervision-record")

    practitioner = person("practitioner")
    expect(practitioner.locator("#notifications-link .app-count")).to_be_visible()
    check_page(practitioner, "my-work")
    practitioner.evaluate("window.__notReloaded = true")
    phone = practitioner.locator("tr", has_text="Phone Oakfield School about attendance")
    phone.get_by_role("button", name=re.compile("^Done")).click()
    expect(practitioner.locator("tr", has_text="Phone Oakfield School about attendance")).to_contain_text("Marked done")
    check_page(practitioner, "my-work-done")

    visit = practitioner.locator("tr", has_text="Visit the family with the interpreter").first
    visit.get_by_role("link", name=re.compile("^Change date")).click()
    form_row = practitioner.locator("tr", has_text="Change the date:")
    day, month, year = date_parts(clock.today() + timedelta(days=30))
    form_row.get_by_label("Day").fill(day)
    form_row.get_by_label("Month").fill(month)
    form_row.get_by_label("Year").fill(year)
    form_row.get_by_label("Why is the date changing?").fill("The family are away until then")
    form_row.get_by_role("button", name="Change the date").click()
    expect(practitioner.locator("tr", has_text="Visit the family with the interpreter").first).to_contain_text(
        "New date"
    )
    assert practitioner.evaluate("window.__notReloaded") is True, "the changes should swap in place"
    check_page(practitioner, "my-work-rescheduled")

    manager.get_by_role("link", name="My work", exact=True).click()
    check_page(manager)  # also waits until the page, and htmx, are ready
    manager.get_by_label("Show the work of").select_option(label="Robin Practitioner")
    expect(manager.locator("#my-work h2").first).to_have_text("Robin Practitioner's next steps")
    later = manager.locator("#steps-later")
    expect(later).to_contain_text("Visit the family with the interpreter")
    expect(manager.locator("#my-work")).not_to_contain_text("Phone Oakfield School about attendance")
    check_page(manager, "manager-sees-robin")

    # The manager reading the supervision record sees the reschedule: from when, to when, and why.
    manager.get_by_role("link", name="Supervision", exact=True).click()
    manager.locator("#records a").first.click()
    history = manager.locator("#next-step-history")
    expect(history).to_contain_text(
        "Robin Practitioner: \u201cVisit the family with the interpreter\u201d rescheduled from"
    )
    expect(history).to_contain_text(
        f"to {clock.day(clock.today() + timedelta(days=30))} (The family are away until then)"
    )
    expect(history).to_contain_text("\u201cPhone Oakfield School about attendance\u201d done")
    expect(manager.locator("#practitioner-due")).to_be_visible()
    check_page(manager, "supervision-record-history")
