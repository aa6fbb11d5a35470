"""A team manager opens the performance dashboard, changes the period, follows a figure to the families behind it
and finds the same count, and downloads a CSV; every page passes the accessibility check."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_page


def test_a_team_manager_follows_a_figure_to_its_families_and_downloads_it(person, live_app):
    manager = person("team.manager")
    manager.get_by_role("link", name="Performance", exact=True).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Performance")
    check_page(manager, "performance-dashboard")

    # A period that ends before it begins is refused, keeping what was typed.
    since = manager.get_by_role("group", name="Period from")
    until = manager.get_by_role("group", name="Period to")
    for group, (day, month, year) in ((since, ("1", "9", "2026")), (until, ("31", "8", "2026"))):
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    manager.get_by_role("button", name="Show figures").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text(
        "The to date must be the same as or after the from date"
    )
    expect(since.get_by_label("Day")).to_have_value("1")
    check_page(manager, "performance-wrong-period")

    # The last 3 months, from the quick periods.
    manager.get_by_role("link", name=re.compile("^This month and the 2 before")).click()
    expect(manager.locator("#performance-period")).to_contain_text("to")
    check_page(manager, "performance-last-3-months")

    # A figure opens the list of families behind it in place, and the list says the same count.
    link = manager.locator(".app-measure__figure a").first
    count = link.inner_text()
    key = link.get_attribute("hx-target").removeprefix("#families-")
    manager.evaluate("window.__notReloaded = true")
    link.click()
    expect(manager.locator(f"#families-{key} .app-families__count")).to_have_text(count)
    assert manager.evaluate("window.__notReloaded === true"), "the list should open in place"
    assert manager.locator(f"#families-{key}-table tbody tr").count() == min(int(count), 50)
    check_page(manager, "performance-families-in-place")

    # The month-by-month table, behind "Month by month", downloads as CSV, its definition first.
    manager.locator(f"#months-{key} summary").click()
    with manager.expect_download() as download:
        manager.locator(f"#measure-{key}").get_by_role(
            "link", name=re.compile("^Download this table as a spreadsheet")
        ).first.click()
    with open(download.value.path(), encoding="utf-8") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[1].startswith("Definition,")
    assert lines[5].startswith("Month,")

    # Without htmx the same link is a page of its own, with the same count.
    manager.goto(link.get_attribute("href"))
    expect(manager.locator(".app-families__count")).to_have_text(count)
    check_page(manager, "performance-families-page")
