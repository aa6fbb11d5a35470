"""Oversight, in a real browser: a manager restricts a family (and is told what is wrong first), the people not
named lose it at once, and the head of service sees the break-glass openings and restricted families."""

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, User
from tests.browser.conftest import check_page
from tests.helpers import url


def a_family_the_north_team_leads(app) -> tuple[int, str]:
    """One of the north team's open families that is not restricted and that Robin does not lead."""
    with app.app_context():
        manager = User.by_email("team.manager@northshire.example")
        family = db.session.scalar(
            select(Family)
            .join(Episode, Episode.family_id == Family.id)
            .where(Episode.team_id == manager.team_id, Episode.ended_on.is_(None), Family.restricted.is_(False))
            .order_by(Family.id)
        )
        return family.id, family.reference


def test_a_manager_restricts_a_family_and_the_head_of_service_sees_what_is_restricted(person, live_app):
    family_id, reference = a_family_the_north_team_leads(live_app)
    front_door = person("front.door")
    front_door.goto(url(live_app, "families.search", reference=reference))
    expect(front_door.locator("#family-results tbody tr")).to_have_count(1)

    manager = person("team.manager")
    manager.goto(url(live_app, "families.show", family_id=family_id))
    check_page(manager, "oversight-family")
    manager.get_by_role("link", name="Restrict this record").click()
    check_page(manager, "oversight-restrict")

    # Saving with a reason that says nothing is refused, with the message by the field.
    manager.get_by_label("Why is this record restricted?").fill("Private")
    manager.get_by_role("button", name="Restrict this record").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("10 characters")
    check_page(manager, "oversight-restrict-error")

    manager.get_by_label("Why is this record restricted?").fill(
        "The family's father works in the council's early help team."
    )
    manager.get_by_role("button", name="Restrict this record").click()
    expect(manager.locator("#restriction")).to_contain_text("Restricted record")
    check_page(manager, "oversight-restricted")

    # Not named: for the front door the family no longer exists.
    front_door.goto(url(live_app, "families.search", reference=reference))
    expect(front_door.locator("#family-results")).to_contain_text("No families found")
    assert front_door.goto(url(live_app, "families.show", family_id=family_id)).status == 404

    head = person("head.of.service")
    head.goto(url(live_app, "main.home"))
    expect(head.get_by_role("heading", name="Broke the glass")).to_be_visible()
    expect(head.get_by_role("heading", name="Restricted families")).to_be_visible()
    check_page(head, "oversight-head-of-service")
    head.get_by_role("link", name="Records I opened").click()
    expect(head.get_by_role("heading", level=1)).to_have_text("Records I opened")
    check_page(head, "oversight-records-opened")
