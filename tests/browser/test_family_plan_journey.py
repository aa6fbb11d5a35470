"""A family plan for three children: written, checked for plain language, issued, printed, and revised."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, FamilyPlan, Person, Service, User
from tests.browser.conftest import check_page, choose
from tests.helpers import pdf_text, url
from tests.pdf_checks import pdfua_problems, word_height


def a_family_with_three_children(app) -> tuple[int, list[str]]:
    """A family of three children with no plan yet, that the demo practitioner works with (their team holds it)."""
    with app.app_context():
        practitioner = User.by_email("practitioner@northshire.example")
        three = select(Person.family_id).where(Person.is_child).group_by(Person.family_id).having(func.count() == 3)
        family = db.session.scalar(
            select(Family)
            .where(
                Family.id.in_(three),
                ~Family.id.in_(select(FamilyPlan.family_id)),
                ~Family.id.in_(select(Episode.family_id).where(Episode.ended_on.is_(None))),
            )
            .order_by(Family.id)
        )
        early_help = db.session.scalar(select(Service).where(Service.code == "early_help"))
        db.session.add(
            Episode(
                family_id=family.id,
                service=early_help,
                team_id=practitioner.team_id,
                lead=practitioner,
                started_on=clock.today(),
            )
        )
        db.session.commit()
        return family.id, [child.first_name for child in family.children]


def pdf_of(page, url: str) -> bytes:
    response = page.request.get(url)
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def test_write_check_issue_print_and_revise_a_family_plan(person, live_app, live_server):
    family_id, children = a_family_with_three_children(live_app)
    practitioner = person("practitioner")
    practitioner.goto(url(live_app, "families.show", family_id=family_id))
    practitioner.get_by_role("link", name="Write a family plan").click()
    check_page(practitioner, "plan-overview-empty")
    practitioner.get_by_role("button", name="Start the family plan").click()
    check_page(practitioner, "plan-edit")

    practitioner.get_by_label("What we are worried about").fill("The TAF is worried the children miss school.")
    practitioner.get_by_label("What is working well").fill("Mum walks the younger two to school most days.")
    practitioner.get_by_label("What needs to happen", exact=True).fill("Everyone gets to school on time, every day.")
    practitioner.get_by_label("Our goals, in our own words").fill("We want mornings to be calmer.")
    for number, name in enumerate(children):
        words = practitioner.locator(f"#children-{number}-child_words")
        expect(practitioner.locator(f"label[for='children-{number}-child_words']")).to_have_text(
            f"{name}, in their own words"
        )
        words.fill(f"{name} (child {number + 1}) says: I like my teacher.")
    practitioner.get_by_label("If things get worse").fill("Call Robin the same day. Out of hours, call 01632 960000.")
    practitioner.get_by_label("How the family can reach").fill("01632 960111, Monday to Friday")
    practitioner.get_by_label("Who agreed the plan").fill("Mum")
    practitioner.get_by_role("button", name="Save the plan").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Family plan saved.")

    practitioner.get_by_label("Next step: what needs to happen").fill("Set two alarms for school mornings")
    choose(practitioner, "Who will do it?", "A family member")
    practitioner.get_by_label("Their name").fill("Mum")
    choose(practitioner, "When does it need to be done by?", "In 5 working days")
    practitioner.get_by_label("The family will see this step").check()
    practitioner.get_by_role("button", name="Add next step").click()
    expect(practitioner.locator("#next-steps ~ table").first).to_contain_text("Set two alarms for school mornings")
    check_page(practitioner, "plan-edit-with-step")

    practitioner.get_by_role("link", name="Check the plan and issue it").click()
    expect(practitioner.locator("#findings")).to_contain_text('Replace "TAF" with plain words')
    check_page(practitioner, "plan-check-warnings")
    practitioner.get_by_role("link", name="Go back and fix them").click()
    practitioner.get_by_label("What we are worried about").fill("We are worried the children miss school.")
    practitioner.get_by_role("button", name="Save the plan").click()
    practitioner.get_by_role("link", name="Check the plan and issue it").click()
    expect(practitioner.locator(".govuk-panel")).to_contain_text("The plan reads clearly")
    check_page(practitioner, "plan-check-clear")
    practitioner.get_by_role("button", name="Issue the plan").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Version 1 issued")
    check_page(practitioner, "plan-issued")

    family_link = practitioner.get_by_role("link", name="Download the family copy (PDF)").get_attribute("href")
    family_pdf = pdf_of(practitioner, family_link)
    family_copy = pdf_text(family_pdf)
    assert "Our family plan" in family_copy
    assert "We are worried the children miss school." in family_copy
    for number, name in enumerate(children):
        assert f"{name} (child {number + 1}) says: I like my teacher." in family_copy
    assert "Set two alarms for school mornings" in family_copy
    assert "Page 1 of" in family_copy
    assert "For professionals only" not in family_copy
    large_link = practitioner.get_by_role("link", name="Download the family copy, large print (PDF)").get_attribute(
        "href"
    )
    large_pdf = pdf_of(practitioner, large_link)
    assert "We are worried the children miss school." in pdf_text(large_pdf)
    # Body text at least 12 pt, and at least 16 pt in large print (a word's box is about 1.16 times its size).
    assert word_height(family_pdf, "Everyone") >= 12 * 1.1
    assert word_height(large_pdf, "Everyone") >= 16 * 1.1
    assert pdf_of(practitioner, family_link) == family_pdf, "a download returns the exact bytes issued"
    assert pdfua_problems(family_pdf) == pdfua_problems(large_pdf) == []

    practitioner.get_by_role("button", name="Start a new version").click()
    practitioner.get_by_label("What is working well").fill("Mum walks all three children to school now.")
    # Typed into the plan, then "Add next step": the words are saved with the step, nothing is lost.
    practitioner.get_by_label("Next step: what needs to happen").fill("Walk to school together on Mondays")
    choose(practitioner, "Who will do it?", "A family member")
    practitioner.get_by_label("Their name").fill("Mum")
    choose(practitioner, "When does it need to be done by?", "In 5 working days")
    practitioner.get_by_label("The family will see this step").check()
    practitioner.get_by_role("button", name="Add next step").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Family plan saved and the next step")
    expect(practitioner.get_by_label("What is working well")).to_have_value(
        "Mum walks all three children to school now."
    )
    practitioner.get_by_label("Who agreed the plan").fill("Mum and Gran")
    practitioner.get_by_role("button", name="Save the plan").click()
    practitioner.get_by_role("link", name="Check the plan and issue it").click()
    check_page(practitioner, "plan-check-v2")
    preview = pdf_of(
        practitioner, practitioner.get_by_role("link", name="Preview the family copy").get_attribute("href")
    )
    assert "PREVIEW: this plan has not been issued." in " ".join(pdf_text(preview).split())
    practitioner.get_by_role("button", name="Issue the plan").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Version 2 issued")
    practitioner.get_by_role("link", name="What changed from version 1").click()
    check_page(practitioner, "plan-changes")
    expect(practitioner.locator("h2", has_text="What is working well")).to_contain_text("Changed")
    expect(practitioner.locator("h2", has_text="What we are worried about")).to_contain_text("No change")
    # Added in version 2: the new words, the new step and who agreed, each once.
    expect(practitioner.locator(".app-diff__added")).to_contain_text(
        ["Mum walks all three children to school now.", "Walk to school together on Mondays", "Mum and Gran"]
    )
    expect(practitioner.locator(".app-diff__removed").first).to_contain_text(
        "Mum walks the younger two to school most days."
    )

    # A third version, started and then discarded (with confirmation): version 2 stays the family's plan.
    practitioner.get_by_role("link", name="Back to the family plan").click()
    practitioner.get_by_role("button", name="Start a new version").click()
    practitioner.get_by_role("link", name="Discard this draft").click()
    # One confirmation page: what is thrown away, a warning button, and a way to keep the draft.
    expect(practitioner.locator("h1")).to_have_text("Discard the draft of version 3?")
    expect(practitioner.locator(".govuk-warning-text")).to_contain_text("This cannot be undone.")
    expect(practitioner.get_by_role("link", name="Keep the draft")).to_be_visible()
    check_page(practitioner, "plan-discard")
    practitioner.get_by_role("button", name="Discard this draft").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("The draft of version 3 was discarded.")
    expect(practitioner.locator("#current-plan")).to_contain_text("Version 2 was issued")
