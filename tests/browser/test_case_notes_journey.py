"""A practitioner writes case notes (one late, so asked why), sees them on the family page and in the chronology,
narrows the chronology to one child and prints it. Every page passes axe; the PDF is tagged (PDF/UA)."""

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, User
from tests.browser.conftest import ARTIFACTS, check_page, choose
from tests.factories import make_episode
from tests.helpers import pdf_text, url
from tests.pdf_checks import pdfua_problems

SURNAME = "Brackenridge-Sully"
CHILDREN = ("Wilhelmina", "Caspian")


def a_family_the_practitioner_leads(app) -> int:
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == "practitioner@northshire.example"))
        family = Family(reference="NOTES-2604", address="3 Larkspur Row, Northtown", postcode="ZZ99 2LR")
        family.members.append(Person(first_name="Rosalind", last_name=SURNAME, relationship_to_child="Mother"))
        for number, name in enumerate(CHILDREN):
            family.members.append(
                Person(
                    first_name=name,
                    last_name=SURNAME,
                    is_child=True,
                    date_of_birth=date(2015 + 3 * number, 4, 2),
                    relationship_to_child="Daughter" if number == 0 else "Son",
                )
            )
        db.session.add(family)
        db.session.commit()
        make_episode(family, lead=lead, started_on=clock.today() - timedelta(days=60))
        return family.id


def fill_note(page, *, kind: str, on: date, at: str, who: str, about: list[str], text: str, significant: bool):
    choose(page, "What kind of note is this?", kind)
    page.get_by_label("Day").fill(str(on.day))
    page.get_by_label("Month").fill(str(on.month))
    page.get_by_label("Year").fill(str(on.year))
    page.get_by_label("Time it happened").fill(at)
    page.get_by_label("Who was involved?").fill(who)
    for name in about:
        page.get_by_role("group", name="Who is this note about?").get_by_label(name, exact=True).check()
    page.get_by_label("What happened?").fill(text)
    choose(page, "Is this a significant event?", "Yes" if significant else "No")


def test_write_case_notes_see_them_in_the_chronology_and_print_it(person, live_app):
    family_id = a_family_the_practitioner_leads(live_app)
    wilhelmina, caspian = (f"{name} {SURNAME}" for name in CHILDREN)
    practitioner = person("practitioner")
    practitioner.goto(url(live_app, "families.show", family_id=family_id))
    panel = practitioner.locator("#case-notes-panel")
    expect(panel.locator("#recent-case-notes")).to_contain_text("No case notes yet.")  # swapped in by htmx
    check_page(practitioner, "case-notes-family-empty")
    panel.get_by_role("link", name="Write a case note").click()
    check_page(practitioner, "case-notes-new")

    # Nothing chosen: refused, naming what to choose.
    practitioner.get_by_role("button", name="Save case note").click()
    summary = practitioner.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the type of note")
    expect(summary).to_contain_text("Select which children the note is about, or the whole family")
    check_page(practitioner, "case-notes-new-errors")

    # The whole family unticks a child (GOV.UK's exclusive checkbox).
    about = practitioner.get_by_role("group", name="Who is this note about?")
    about.get_by_label(wilhelmina, exact=True).check()
    about.get_by_label("The whole family", exact=True).check()
    expect(about.get_by_label(wilhelmina, exact=True)).not_to_be_checked()

    just_now = clock.local(clock.now() - timedelta(minutes=10))
    fill_note(
        practitioner,
        kind="New information",
        on=just_now.date(),
        at=just_now.strftime("%H:%M"),
        who="PC Amir Okafor (Northshire Police), Rosalind",
        about=[],
        text=f"Police were called by a neighbour after shouting was heard. {CHILDREN[0]} said: I hid upstairs.",
        significant=True,
    )
    practitioner.get_by_role("button", name="Save case note").click()
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Case note saved: New information")
    expect(practitioner.locator("#note")).to_contain_text("The whole family")
    check_page(practitioner, "case-notes-show")

    # A visit weeks ago, about Caspian only: written down late, so the reason is asked for.
    practitioner.get_by_role("link", name="Back to the case notes").click()
    practitioner.get_by_role("link", name="Write a case note").click()
    fill_note(
        practitioner,
        kind="Visit",
        on=clock.today() - timedelta(days=21),
        at="10:30",
        who="Rosalind, Caspian",
        about=[caspian],
        text="Home visit. Caspian showed me his room and said he sleeps better now.",
        significant=True,
    )
    practitioner.get_by_role("button", name="Save case note").click()
    expect(summary).to_contain_text("Explain why this case note is being recorded 3 weeks after it happened")
    check_page(practitioner, "case-notes-new-late")
    practitioner.get_by_label("Why is this being recorded now?").fill("My notes from the visit were in my bag.")
    practitioner.get_by_role("button", name="Save case note").click()
    expect(practitioner.locator("#note")).to_contain_text("3 weeks after")

    # The family page shows the latest notes; every note is listed, and filtered.
    practitioner.goto(url(live_app, "families.show", family_id=family_id))
    recent = practitioner.locator("#recent-case-notes")
    expect(recent).to_contain_text("Police were called by a neighbour")
    expect(recent).to_contain_text("recorded on")
    expect(practitioner.locator("#family-timeline")).to_contain_text("Case note: Visit (significant), about Caspian")
    check_page(practitioner, "case-notes-family")
    practitioner.locator("#case-notes-panel").get_by_role("link", name="See all case notes").click()
    expect(practitioner.locator("#notes-count")).to_contain_text("2 case notes")
    check_page(practitioner, "case-notes-list")
    practitioner.get_by_label("Type of note").select_option(label="Visit")
    expect(practitioner.locator("#notes-count")).to_contain_text("1 case note")
    check_page(practitioner, "case-notes-list-filtered")

    # The chronology, oldest first; then for Wilhelmina only (whole-family events are hers too).
    practitioner.get_by_role("link", name="See the chronology").click()
    rows = practitioner.locator("#chronology tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Early help involvement began")
    expect(rows.nth(1)).to_contain_text("Home visit. Caspian showed me his room")
    expect(rows.nth(2)).to_contain_text("Police were called by a neighbour")
    check_page(practitioner, "chronology")
    practitioner.get_by_label("Show the chronology for").select_option(label=wilhelmina)
    expect(practitioner.locator("#chronology-count")).to_contain_text(f"2 events about {wilhelmina}")
    expect(practitioner.locator("#chronology")).not_to_contain_text("Caspian showed me his room")
    check_page(practitioner, "chronology-one-child")

    link = practitioner.get_by_role("link", name=f"Print the chronology for {wilhelmina} (PDF)").get_attribute("href")
    response = practitioner.request.get(link)
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "chronology.pdf").write_bytes(pdf)
    printed = " ".join(pdf_text(pdf, layout=False).split())
    assert f"Chronology for {wilhelmina}" in printed
    assert "Police were called by a neighbour" in printed and "Caspian showed me his room" not in printed
    assert pdfua_problems(pdf) == []
