"""A practitioner keeps a family's record up to date: a new address, a new baby, someone who has left the
household, and the changes page that shows what each was before. Every page passes the accessibility check.
All names are fictional; the NHS numbers are in the 999 range, which is never issued."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, User
from tests.browser.conftest import check_page, choose, sign_in
from tests.helpers import url


def a_family_the_practitioner_leads(app) -> tuple[int, str, str, date]:
    """The family, and the first name and date of birth of its eldest child in the household."""
    with app.app_context():
        practitioner = db.session.scalar(select(User).where(User.email == "practitioner@northshire.example"))
        families = db.session.scalars(
            select(Family)
            .join(Episode, Episode.family_id == Family.id)
            .where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None), Family.restricted.is_(False))
            .order_by(Family.id)
        ).all()
        # Everyone named once (Faker can give a parent and child the same name), and two children, as the
        # only child in a household cannot leave it.
        family = next(
            f
            for f in families
            if len(f.children) >= 2
            and all(c.date_of_birth for c in f.children)
            and len({m.full_name for m in f.members}) == len(f.members)
        )
        eldest = min(family.children, key=lambda child: child.date_of_birth)
        return family.id, eldest.full_name, eldest.first_name, eldest.date_of_birth


def fill_date(page, question: str, day: date) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_family_kept_up_to_date_a_new_address_a_new_baby_and_someone_leaving(page, live_app):
    family_id, eldest, eldest_first, eldest_born = a_family_the_practitioner_leads(live_app)
    today = clock.today()
    sign_in(page, "practitioner@northshire.example")
    page.goto(url(live_app, "families.show", family_id=family_id))
    check_page(page, "family-record")

    # A new address.
    page.get_by_role("link", name="Change the family's address, languages, culture and identity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the family's details")
    check_page(page, "family-record-details")
    page.get_by_label("Postcode").fill("NOWHERE")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real postcode, like AA1 1AA")
    check_page(page, "family-record-details-error")
    page.get_by_label("Address").fill("Flat 2, 7 Willow Court, Testtown")
    page.get_by_label("Postcode").fill("zz99 4xy")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The family's details have been saved")
    expect(page.locator("#address")).to_contain_text("Flat 2, 7 Willow Court, Testtown, ZZ99 4XY")
    check_page(page)

    # A new baby, born today. A mistyped NHS number is refused first, keeping what was typed.
    page.get_by_role("link", name="Add someone to the household").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add someone to the family's record")
    check_page(page, "family-record-add-person")
    page.get_by_label("First name").fill("Wren")
    page.get_by_label("Last name").fill("Babyson")
    fill_date(page, "Date of birth", today)
    page.get_by_label("Relationship to the children").fill("Daughter")
    choose(page, "Is this person a child?", "Yes")
    page.get_by_role("group", name="Sex", exact=True).get_by_label("Female", exact=True).check()
    page.get_by_label("Ethnicity", exact=True).select_option(label="White: Irish")
    page.get_by_label("NHS number", exact=True).fill("999 990 0004")
    choose(page, "Has the NHS number been verified?", "Not verified: as the family or a partner gave it")
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a valid NHS number: the last digit does not match the others"
    )
    expect(page.get_by_label("First name")).to_have_value("Wren")
    check_page(page, "family-record-add-person-error")
    page.get_by_label("NHS number", exact=True).fill("999 990 0003")
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Wren Babyson has been added to the household")
    household = page.locator("#household + table")
    expect(household).to_contain_text("Wren Babyson")
    expect(household).to_contain_text("Under a week")
    expect(page.locator("#children-identity + table")).to_contain_text("999 990 0003")
    check_page(page, "family-record-with-baby")

    page.get_by_role("link", name="Change details of Wren Babyson").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change details of Wren Babyson")
    expect(page.get_by_label("NHS number", exact=True)).to_have_value("999 990 0003")
    check_page(page, "family-record-edit-person")
    page.get_by_role("link", name="Back to the family").click()

    # The eldest child has left: a date before they were born is refused, naming both dates.
    page.get_by_role("link", name=f"Left the household ({eldest})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record that {eldest} has left the household")
    check_page(page, "family-record-leave")
    fill_date(page, "When did they leave the household?", date(eldest_born.year - 1, 1, 1))
    page.get_by_label("Why did they leave?").fill("Moved to live with their grandmother in Testtown.")
    page.get_by_role("button", name="Record that they have left").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"The date they left the household ({clock.day(date(eldest_born.year - 1, 1, 1))}) cannot be before they"
        f" were born ({clock.day(eldest_born)})"
    )
    expect(page.get_by_label("Why did they leave?")).to_have_value("Moved to live with their grandmother in Testtown.")
    check_page(page, "family-record-leave-error")
    fill_date(page, "When did they leave the household?", today)
    page.get_by_role("button", name="Record that they have left").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{eldest} left the household on")
    expect(page.locator("#household + table")).not_to_contain_text(eldest)
    expect(page.locator("#left-household + ul")).to_contain_text(f"{eldest}")
    expect(page.locator("#left-household + ul")).to_contain_text("Left the household on")
    expect(page.locator("#family-timeline")).to_contain_text(f"{eldest} left the household")
    check_page(page, "family-record-after-leaving")

    # Still found by a search, said to have left.
    page.goto(url(live_app, "families.search", name=eldest_first))
    expect(page.locator("#family-results")).to_contain_text(f"{eldest} (left the household on")
    check_page(page)

    # What each thing was before, who changed it and when.
    page.goto(url(live_app, "families.show", family_id=family_id))
    page.get_by_role("link", name="Changes to this record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes to this record")
    changes = page.locator("#family-changes tbody")
    expect(changes).to_contain_text("The family: Address")
    expect(changes).to_contain_text("Flat 2, 7 Willow Court, Testtown")
    expect(changes).to_contain_text("Wren Babyson: Joined the household")
    expect(changes).to_contain_text(f"{eldest}: Left the household on")
    expect(changes).to_contain_text("Robin Practitioner")
    check_page(page, "family-record-changes")
