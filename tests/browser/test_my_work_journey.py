"""My work for a busy practitioner, in a real browser: each list shows its most urgent steps and says how many
there are, the rest are a page away, and a step is marked done from that page as from My work. All names are
fictional."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.services.next_steps import WORK_LIST_ROWS
from tests.browser.conftest import DEMO_PASSWORD, check_page
from tests.factories import make_episode, make_household, make_next_step, make_user
from tests.helpers import url

OVERDUE = WORK_LIST_ROWS + 35  # two pages of the list's own page (50 a page)


def a_busy_practitioner(app) -> str:
    """A practitioner of the north team of their own (so no other journey meets their steps), with more
    overdue steps than My work's list shows."""
    with app.app_context():
        busy = make_user(
            "practitioner",
            team_name="Early help north",
            email="busy.practitioner@northshire.example",
            name="Bo Busyworth",
        )
        busy.set_password(DEMO_PASSWORD)
        family = make_household(children=1)
        make_episode(family, lead=busy)
        first = clock.today() - timedelta(days=OVERDUE + 5)
        for number in range(OVERDUE):
            make_next_step(
                busy,
                family=family,
                what=f"Call the school, week {number + 1:02}",
                due_on=first + timedelta(days=number),
                added_on=first - timedelta(days=14),
            )
        db.session.commit()
        return busy.email


def test_a_busy_practitioner_sees_the_most_overdue_first_and_reaches_them_all(person, live_app):
    a_busy_practitioner(live_app)
    busy = person("busy.practitioner")
    busy.goto(url(live_app, "main.home"))
    overdue = busy.locator("#steps-overdue")
    expect(overdue.locator("caption")).to_have_text(f"Overdue ({OVERDUE})")
    expect(overdue.locator("tbody tr")).to_have_count(WORK_LIST_ROWS)
    expect(overdue.locator("tbody tr").first).to_contain_text("Call the school, week 01")
    check_page(busy, "my-work-busy")

    busy.get_by_role("link", name=f"See all {OVERDUE} overdue next steps").click()
    expect(busy.get_by_role("heading", level=1)).to_have_text("Overdue next steps")
    expect(busy.locator("#work-steps tbody tr")).to_have_count(50)
    check_page(busy, "my-work-overdue-all")

    # The second page comes in place (htmx), and a step on it is marked done there.
    busy.get_by_role("navigation", name="Pages of next steps").get_by_role("link", name="Next").click()
    expect(busy.locator("#work-steps tbody tr")).to_have_count(OVERDUE - 50)
    expect(busy).to_have_url(url(live_app, "main.work_steps", list="overdue", steps="mine", who="me", page=2))
    last = busy.locator("#work-steps tbody tr").last
    expect(last).to_contain_text(f"Call the school, week {OVERDUE:02}")
    last.get_by_role("button", name="Done").click()
    expect(busy.locator("#work-steps tbody tr").last).to_contain_text(
        f"Marked done: Call the school, week {OVERDUE:02}"
    )
    check_page(busy, "my-work-overdue-page-2")

    busy.get_by_role("link", name="Back to My work").click()
    expect(busy.locator("#steps-overdue caption")).to_have_text(f"Overdue ({OVERDUE - 1})")

    # Their families are a page of their own too (My work shows the 20 held longest).
    busy.goto(url(live_app, "main.work_families"))
    expect(busy.get_by_role("heading", level=1)).to_have_text("Your families")
    expect(busy.locator("#work-families-list li")).to_have_count(1)
    check_page(busy, "my-work-families")

    # The family's own page shows its soonest steps; every one is a page away there too.
    busy.locator("#work-families-list li a").first.click()
    open_steps = OVERDUE - 1
    expect(busy.locator("#all-next-steps")).to_have_text(f"See all {open_steps} open next steps")
    busy.get_by_role("link", name=f"See all {open_steps} open next steps").click()
    expect(busy.get_by_role("heading", level=1)).to_have_text("Open next steps")
    expect(busy.locator("#family-next-steps tbody tr")).to_have_count(50)
    check_page(busy, "family-next-steps")
    busy.get_by_role("navigation", name="Pages of next steps").get_by_role("link", name="Next").click()
    expect(busy.locator("#family-next-steps tbody tr")).to_have_count(open_steps - 50)
    expect(busy.locator("#family-next-steps tbody tr").last).to_contain_text(f"Call the school, week {OVERDUE - 1:02}")
    check_page(busy, "family-next-steps-page-2")
    # Two rows' change-date forms open at once, each with its own inputs.
    rows = busy.locator("#family-next-steps tbody tr")
    rows.nth(0).get_by_role("link", name=re.compile("^Change date")).click()
    expect(busy.get_by_role("group", name="New date")).to_have_count(1)
    rows.nth(1).get_by_role("link", name=re.compile("^Change date")).click()
    expect(busy.get_by_role("group", name="New date")).to_have_count(2)
    check_page(busy, "family-next-steps-two-change-date-forms")
    busy.get_by_role("link", name="Back to the family").click()
    expect(busy.locator("#next-steps-due")).to_be_visible()

    # Every supervision due is a page away.
    busy.goto(url(live_app, "main.work_supervision"))
    expect(busy.get_by_role("heading", level=1)).to_have_text("Your supervision due")
    check_page(busy, "my-work-supervision-due")
