"""Access by working relationship, in a real browser: a practitioner from another team finds a family held
by Early help north only as "known to", is turned away from every address they type, breaks the glass with
a reason, and the north team's manager is told and sees it all on the family's record of who has looked."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.access_data import (
    ADDRESS,
    CHILDREN,
    MANAGER_EMAIL,
    OUTSIDER_EMAIL,
    OUTSIDER_NAME,
    OUTSIDER_PASSWORD,
    PARENT,
    SURNAME,
    a_family_held_by_the_north_team,
)
from tests.browser.conftest import check_page, sign_in
from tests.helpers import url

SHOTS = Path(tempfile.gettempdir())  # /tmp/access-journey-*.png, to look at


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"access-journey-{name}.png"), full_page=True)


def nothing_of_the_family_on(page, *, surname_shown: bool) -> None:
    text = page.locator("body").inner_text()
    for name in (*CHILDREN, PARENT, ADDRESS):
        assert name not in text, f"{name!r} is on {page.url}"
    assert (SURNAME in text) == surname_shown, page.url


def test_an_outsider_finds_only_who_holds_a_family_breaks_the_glass_and_the_manager_sees_it(page, live_app):
    held = a_family_held_by_the_north_team(live_app)
    sign_in(page, OUTSIDER_EMAIL, OUTSIDER_PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    # 1. Search by surname: the minimal row, who holds it and the way to break the glass.
    page.goto(url(live_app, "families.search"))
    check_page(page)
    page.get_by_label("Name").fill(SURNAME)
    page.get_by_role("button", name="Search").click()
    row = page.locator("#family-results tr[data-minimal]", has_text=held.reference)
    expect(row).to_contain_text(f"Known to Early help north, lead {held.lead_name}")
    expect(page.locator("#family-results tbody tr")).to_have_count(1)
    expect(row.get_by_role("link")).to_have_count(1)
    nothing_of_the_family_on(page, surname_shown=True)
    check_page(page)
    shot(page, "1-search")

    # 2. Typing the addresses of the family and its records: each is "Page not found", the family nowhere on it.
    tries = [
        url(live_app, "families.show", family_id=held.family_id),
        url(live_app, "family_plans.overview", family_id=held.family_id),
        url(live_app, "family_plans.edit", plan_id=held.plan_id),
        url(live_app, "transfers.show", transfer_id=held.transfer_id),
        url(live_app, "referrals.show", referral_id=held.referral_id),
    ]
    for address in tries:
        response = page.goto(address)
        assert response.status == 404, f"{address}: {response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        nothing_of_the_family_on(page, surname_shown=False)
        assert held.reference not in page.locator("body").inner_text(), address
        check_page(page)

    # 3. Break the glass from the search result: an empty reason, a short one, then a proper one.
    page.goto(url(live_app, "families.search", name=SURNAME))
    page.locator("#family-results tr[data-minimal]", has_text=held.reference).get_by_role(
        "link", name=re.compile("Open this record")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open this record by breaking the glass")
    expect(page.locator("main")).to_contain_text(f"Known to Early help north, lead {held.lead_name}")
    nothing_of_the_family_on(page, surname_shown=True)
    check_page(page)
    reason = page.get_by_label("Why do you need to open this record?")
    submit = page.locator("main form button[type=submit], main form input[type=submit]")

    submit.click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Explain why you need to open this record")
    expect(page).to_have_title(re.compile("^Error: "))
    summary.get_by_role("link", name="Explain why you need to open this record").click()
    expect(reason).to_be_focused()
    expect(page.locator(".govuk-error-message")).to_contain_text("Explain why you need to open this record")
    check_page(page)
    shot(page, "3-error-empty")

    reason.fill("Need it!!")  # 9 characters
    submit.click()
    message = "Explain why you need to open this record in a sentence of at least 10 characters"
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(page.locator(".govuk-error-message")).to_contain_text(message)
    expect(reason).to_have_value("Need it!!")
    check_page(page)
    shot(page, "3-error")

    reason.fill("Out-of-hours call from the police about the children: finding the lead worker.")
    submit.click()
    expect(page).to_have_url(re.compile(rf"/families/{held.family_id}$"))
    banner = page.locator("#break-glass-banner")
    expect(banner).to_contain_text("You opened this record by breaking the glass at")
    expect(banner).to_contain_text("Your access ends at")
    main = page.locator("main")
    for name in (PARENT, *CHILDREN):
        expect(main).to_contain_text(name)
    # Nothing to change (reading "Changes to this record" is not a change).
    expect(main.get_by_role("link", name=re.compile(r"^Change(?!s to this record)"))).to_have_count(0)
    expect(main.get_by_role("link", name="Who has looked at this family")).to_have_count(0)
    check_page(page)
    shot(page, "3-banner")
    # While the glass is broken, the family's records open from its page (read only).
    for link, heading in (
        ("See the family plan", "Family plan"),
        ("Step-up to Social care team", "Step-up"),
        (re.compile(r"^School, received"), "Referral"),
    ):
        page.goto(url(live_app, "families.show", family_id=held.family_id))
        with page.expect_navigation() as opened:
            page.get_by_role("link", name=link).click()
        assert opened.value.status == 200, f"{page.url}: {opened.value.status}"
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        check_page(page)

    # 4. The north team's manager is told, opens the family and sees who has looked.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, MANAGER_EMAIL)
    page.locator("#notifications-link").click()
    check_page(page)
    notice = page.get_by_role("link", name=f"{OUTSIDER_NAME} opened {held.reference} by breaking the glass")
    expect(notice).to_have_count(1)
    notice.click()
    expect(page).to_have_url(re.compile(rf"/families/{held.family_id}$"))
    expect(page.locator("#break-glass-banner")).to_have_count(0)
    check_page(page)
    page.get_by_role("link", name="Who has looked at this family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has looked at this family")
    check_page(page)

    events = page.locator("#audit-events-table tbody tr")
    outsider_rows = events.filter(has_text=OUTSIDER_NAME)
    # The glass broken once (Done), with the reason given; the two reasons turned away read "Tried to break
    # the glass", each "Refused", with no red tag.
    glass_rows = outsider_rows.filter(has_text="Broke the glass")
    expect(glass_rows).to_have_count(1)
    expect(glass_rows.filter(has_text="Done")).to_have_count(1)
    expect(outsider_rows.filter(has_text="Tried to break the glass").filter(has_text="Refused")).to_have_count(2)
    expect(page.locator("#audit-events-table .govuk-tag--red")).to_have_count(1)
    openings = page.locator("#break-glass-openings tbody tr")
    expect(openings).to_have_count(1)
    expect(openings).to_contain_text(OUTSIDER_NAME)
    expect(openings).to_contain_text("Out-of-hours call from the police about the children: finding the lead worker.")
    expect(outsider_rows.filter(has_text="Denied")).to_have_count(len(tries))
    for record in ("Family record", f"Family plan {held.plan_id}", f"Transfer {held.transfer_id}"):
        expect(outsider_rows.filter(has_text="Denied").filter(has_text=record).first).to_be_visible()
    expect(outsider_rows.filter(has_text="Denied").filter(has_text=f"Referral {held.referral_id}")).to_have_count(1)

    page.get_by_label("Person").select_option(label=OUTSIDER_NAME)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]person=\d+"))
    expect(events.filter(has_not_text=OUTSIDER_NAME)).to_have_count(0)
    expect(events.filter(has_text="Broke the glass").filter(has_text="Done")).to_have_count(1)
    expect(events.filter(has_text="Denied")).to_have_count(len(tries))
    expect(events.filter(has_text="Robin Practitioner")).to_have_count(0)
    check_page(page)
    shot(page, "4-who-looked")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these events as a spreadsheet (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"who-has-looked-{held.reference}-")
    csv = Path(download.path()).read_text(encoding="utf-8")
    assert OUTSIDER_NAME in csv
    assert "broke the glass" in csv.lower()  # the CSV says "Broke the glass", as the page does
    lines = [line for line in csv.splitlines()[1:] if line]
    assert lines and all(OUTSIDER_NAME in line for line in lines), csv
    for name in (*CHILDREN, PARENT, SURNAME):
        assert name not in csv
