"""A family's record kept complete, as three people keep it (issue 11's journey): the front door records a
police referral about a family open to early help; the lead is told and the referral is linked to their work;
the lead writes a case note, adds the new baby, and prints the chronology. Every page passes axe.

All names are fictional; the NHS number is in the 999 range, which is never issued."""

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

SURNAME = "Quennell-Ashby"
CHILD = "Marigold"


def a_family_open_to_early_help(app) -> tuple[int, str]:
    """A mother and her daughter, open to early help with Robin Practitioner as lead, no referral waiting."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == "practitioner@northshire.example"))
        family = Family(reference="RECORD-1126", address="12 Tansy Close, Northtown", postcode="ZZ99 6RQ")
        family.members.append(Person(first_name="Imogen", last_name=SURNAME, relationship_to_child="Mother"))
        family.members.append(
            Person(
                first_name=CHILD,
                last_name=SURNAME,
                is_child=True,
                date_of_birth=date(2019, 6, 14),
                relationship_to_child="Daughter",
            )
        )
        db.session.add(family)
        db.session.commit()
        make_episode(family, lead=lead, started_on=clock.today() - timedelta(days=40))
        return family.id, family.reference


def fill_date(page, question: str, day: date) -> None:
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_police_referral_reaches_the_lead_who_writes_it_up_adds_the_baby_and_prints_the_chronology(person, live_app):
    family_id, reference = a_family_open_to_early_help(live_app)

    # The front door: the family is open to early help, so the form says so before anything is typed.
    officer = person("front.door")
    officer.goto(url(live_app, "families.search", reference=reference))
    check_page(officer, "record-journey-search")
    officer.get_by_role("link", name=f"Record a referral for {reference}").click()
    open_to = officer.locator("main").get_by_text("This family is open to a service").locator("..")
    expect(open_to).to_contain_text("Early help")
    expect(open_to).to_contain_text("Robin Practitioner")
    check_page(officer, "record-journey-referral-form")

    choose(officer, "Is any child in immediate danger?", "No")
    officer.get_by_label("Referring agency").select_option(label="Police")
    officer.get_by_label("Referrer's name").fill("PC Dara Winterbourne")
    officer.get_by_label("Referrer's phone number").fill("01632 960123")
    choose(officer, "What level of need does the referrer believe applies?", "Level 2: Early help")
    officer.get_by_label("What are they worried about?").fill(
        "Officers attended after a neighbour heard shouting late at night. Marigold was awake and upset."
    )
    officer.get_by_label("What has been tried so far?").fill("Words of advice to both adults at the address.")
    officer.get_by_label("What will happen if nothing changes?").fill("Marigold will keep seeing arguments at home.")
    choose(officer, f"Is {CHILD} part of the referral?", "Yes")
    officer.get_by_label(f"If yes: what is the impact on {CHILD}?").fill("She was frightened and could not sleep.")
    choose(officer, "Does the family know about this referral?", "Yes")
    choose(officer, "Does the family agree to it?", "Yes")
    officer.get_by_role("button", name="Save referral").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("Referral recorded")
    # Linked to the early help work, and its lead told.
    expect(officer.locator("#linked-involvement")).to_contain_text(
        "Early help, Early help north: lead Robin Practitioner, who was told about this referral"
    )
    check_page(officer, "record-journey-referral")

    # The lead: told, and the family page lists the referral.
    lead = person("practitioner")
    lead.locator("#notifications-link").click()
    expect(lead.locator("main")).to_contain_text(f"New referral about {reference}, open to Early help")
    check_page(lead, "record-journey-notifications")
    lead.goto(url(live_app, "families.show", family_id=family_id))
    referrals = lead.locator("#referrals + ul")
    expect(referrals).to_contain_text("Police, received")
    expect(referrals).to_contain_text("Awaiting decision")
    check_page(lead, "record-journey-family")

    # A case note: the home visit that followed the police call.
    lead.locator("#case-notes-panel").get_by_role("link", name="Write a case note").click()
    choose(lead, "What kind of note is this?", "Visit")
    now = clock.local(clock.now() - timedelta(minutes=5))
    lead.get_by_label("Day").fill(str(now.day))
    lead.get_by_label("Month").fill(str(now.month))
    lead.get_by_label("Year").fill(str(now.year))
    lead.get_by_label("Time it happened").fill(now.strftime("%H:%M"))
    lead.get_by_label("Who was involved?").fill("Imogen, Marigold")
    lead.get_by_role("group", name="Who is this note about?").get_by_label(f"{CHILD} {SURNAME}", exact=True).check()
    lead.get_by_label("What happened?").fill(
        "Home visit after the police call. Marigold said the shouting stopped when the baby came home."
    )
    choose(lead, "Is this a significant event?", "Yes")
    check_page(lead, "record-journey-case-note-form")
    lead.get_by_role("button", name="Save case note").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("Case note saved: Visit")
    check_page(lead, "record-journey-case-note")

    # The new baby joins the household.
    lead.goto(url(live_app, "families.show", family_id=family_id))
    lead.get_by_role("link", name="Add someone to the household").click()
    check_page(lead, "record-journey-add-baby")
    lead.get_by_label("First name").fill("Bramble")
    lead.get_by_label("Last name").fill(SURNAME)
    fill_date(lead, "Date of birth", clock.today() - timedelta(days=3))
    lead.get_by_label("Relationship to the children").fill("Brother")
    choose(lead, "Is this person a child?", "Yes")
    lead.get_by_role("group", name="Sex", exact=True).get_by_label("Male", exact=True).check()
    lead.get_by_label("NHS number", exact=True).fill("999 990 0011")
    choose(lead, "Has the NHS number been verified?", "Not verified: as the family or a partner gave it")
    lead.get_by_role("button", name="Add this person").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text(f"Bramble {SURNAME} has been added")
    expect(lead.locator("#household + table")).to_contain_text(f"Bramble {SURNAME}")
    timeline = lead.locator("#family-timeline")
    expect(timeline).to_contain_text("Case note: Visit (significant)")
    expect(timeline).to_contain_text("Referral received from Police")
    check_page(lead, "record-journey-family-after")

    # Every timeline line about a record opens it: the referral's line opens the referral.
    timeline.get_by_role("link", name="Referral received from Police (PC Dara Winterbourne)").click()
    expect(lead.locator("#linked-involvement")).to_contain_text("lead Robin Practitioner")
    check_page(lead, "record-journey-referral-from-timeline")

    # The chronology: the involvement and the visit, oldest first; printed, tagged for screen readers.
    lead.goto(url(live_app, "case_notes.chronology", family_id=family_id))
    rows = lead.locator("#chronology tbody tr")
    expect(rows.first).to_contain_text("Early help involvement began")
    expect(lead.locator("#chronology")).to_contain_text("Home visit after the police call")
    check_page(lead, "record-journey-chronology")
    link = lead.get_by_role("link", name="Print the chronology (PDF)").get_attribute("href")
    response = lead.request.get(link)
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "record-journey-chronology.pdf").write_bytes(pdf)
    printed = " ".join(pdf_text(pdf, layout=False).split())
    assert "Home visit after the police call" in printed and reference in printed
    assert pdfua_problems(pdf) == []
