"""Issue 13 parts 3b and 4: nothing about a family stays in the browser; the GOV.UK timeout warning before an idle
session ends (stay signed in, Escape, time running out); and a case note saved after the session ended is kept,
offered back after signing in again, and saved."""

import re
import tempfile
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, User, UserSession
from earlyhelp.models.case_notes import CaseNote
from tests.browser.conftest import check_page, sign_in
from tests.browser.test_case_notes_journey import fill_note
from tests.factories import make_episode
from tests.helpers import url

SHOTS = Path(tempfile.gettempdir()) / "sessions"
SURNAME = "Pendleford-Quist"
PRACTITIONER = "practitioner@northshire.example"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def a_family_the_practitioner_leads(app, reference: str) -> int:
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == PRACTITIONER))
        family = Family(reference=reference, address="9 Sorrel Lane, Northtown", postcode="ZZ99 3SL")
        family.members.append(Person(first_name="Imogen", last_name=SURNAME, relationship_to_child="Mother"))
        family.members.append(
            Person(
                first_name="Thaddeus",
                last_name=SURNAME,
                is_child=True,
                date_of_birth=date(2016, 5, 9),
                relationship_to_child="Son",
            )
        )
        db.session.add(family)
        db.session.commit()
        make_episode(family, lead=lead, started_on=clock.today() - timedelta(days=40))
        return family.id


def storage_of(page) -> dict:
    """What the tab holds in sessionStorage and localStorage, read from a file of this site that runs none of its
    scripts (the service's pages take storage away, so they cannot be asked)."""
    page.goto("/static/vendor/README.md")
    return page.evaluate("() => ({session: Object.entries(sessionStorage), local: Object.entries(localStorage)})")


def end_the_practitioners_sessions(app) -> None:
    """As if the practitioner had been away longer than SESSION_IDLE_MINUTES."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == PRACTITIONER))
        away = clock.now() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 5)
        for user_session in db.session.scalars(
            select(UserSession).where(UserSession.user_id == lead.id, UserSession.ended_at.is_(None))
        ):
            user_session.last_seen_at = away
        db.session.commit()


@contextmanager
def idle_minutes(app, idle: float, warning: float):
    before = app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_MINUTES"]
    app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_MINUTES"] = idle, warning
    try:
        yield
    finally:
        app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_MINUTES"] = before


def test_searching_and_opening_families_leaves_no_name_or_date_of_birth_in_the_browser(person, live_app):
    family_id = a_family_the_practitioner_leads(live_app, "SESS-2701")
    page = person("practitioner")
    page.goto(url(live_app, "families.search"))
    page.get_by_label("Name").fill(SURNAME)
    page.get_by_label("Day").fill("9")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#family-results")).to_contain_text(SURNAME)
    expect(page).to_have_url(re.compile(SURNAME))  # htmx pushed the search address into history
    page.goto(url(live_app, "families.show", family_id=family_id))
    page.go_back()
    expect(page.locator("#family-results")).to_contain_text(SURNAME)
    check_page(page)

    assert storage_of(page) == {"session": [], "local": []}


def test_the_timeout_warning_offers_to_stay_signed_in_and_signs_out_when_the_time_runs_out(page, live_app):
    with idle_minutes(live_app, idle=0.25, warning=0.2):  # 15 seconds, warned after 3
        sign_in(page, PRACTITIONER)
        dialog = page.locator("dialog#timeout-warning")
        expect(dialog).to_be_visible(timeout=8_000)
        expect(dialog.get_by_role("heading", name="You are about to be signed out")).to_be_focused()
        expect(dialog).to_contain_text("For your security, we will sign you out in")
        check_page(page)  # axe, with the modal dialog open
        shot(page, "timeout-warning-open")

        dialog.get_by_role("button", name="Stay signed in").click()
        expect(dialog).to_be_hidden()
        with live_app.app_context():
            lead = db.session.scalar(select(User).where(User.email == PRACTITIONER))
            newest = db.session.scalar(
                select(func.max(UserSession.last_seen_at)).where(
                    UserSession.user_id == lead.id, UserSession.ended_at.is_(None)
                )
            )
        assert clock.now() - newest < timedelta(seconds=5)

        expect(dialog).to_be_visible(timeout=8_000)
        page.keyboard.press("Escape")  # Escape means stay signed in
        expect(dialog).to_be_hidden()
        page.reload()
        expect(page.get_by_text("Signed in as")).to_be_visible()

        expect(page).to_have_url(url(live_app, "auth.sign_in"), timeout=25_000)
        expect(page.locator("#session-ended")).to_contain_text("you had not done anything for a while")
        check_page(page)
        shot(page, "timed-out-sign-in")


def test_a_case_note_saved_after_the_session_ended_is_kept_offered_back_and_saved(person, live_app):
    family_id = a_family_the_practitioner_leads(live_app, "SESS-2702")
    text = "Visited at home. Thaddeus showed me his new football boots.\nMum asked about the parenting group."
    page = person("practitioner")
    page.goto(url(live_app, "case_notes.new", family_id=family_id))
    just_now = clock.local(clock.now() - timedelta(minutes=10))  # any time of day: never in the future
    fill_note(
        page,
        kind="Visit",
        on=just_now.date(),
        at=just_now.strftime("%H:%M"),
        who="Imogen and Thaddeus",
        about=["Thaddeus " + SURNAME],
        text=text,
        significant=False,
    )
    end_the_practitioners_sessions(live_app)  # away for a while
    page.get_by_role("button", name="Save case note").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("What you typed has been kept")
    check_page(page)
    shot(page, "kept-sign-in")
    page.get_by_label("Email address").fill(PRACTITIONER)
    page.get_by_label("Password", exact=True).fill("browser demo passphrase")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="What you typed before you were signed out")).to_be_visible()
    expect(page.locator("#kept-fields")).to_contain_text("Thaddeus showed me his new football boots.")
    expect(page.locator("#kept-about")).to_contain_text("Write a case note")
    expect(page.locator("#kept-about")).to_contain_text(f"{SURNAME} (SESS-2702)")
    expect(page.get_by_role("button", name="Send it again")).to_be_hidden()  # JavaScript runs: put it back instead
    check_page(page)
    shot(page, "kept-offered-back")

    # My work points to it until it is used.
    page.get_by_role("link", name="My work").click()
    expect(page.locator("#kept-posts")).to_contain_text(f"Write a case note for {SURNAME} (SESS-2702)")
    check_page(page)
    shot(page, "kept-on-my-work")
    page.locator("#kept-posts").get_by_role("link", name=re.compile("Write a case note")).click()

    page.get_by_role("button", name="Put it back in the form").click()
    expect(page.locator("#put-back-banner")).to_contain_text("is back in the form. Check it, then save it.")
    expect(page).to_have_url(re.compile(r"/case-notes/new$"))
    expect(page.get_by_label("What happened?")).to_have_value(text)
    expect(page.get_by_label("Who was involved?")).to_have_value("Imogen and Thaddeus")
    check_page(page)
    shot(page, "kept-put-back")
    with live_app.app_context():
        assert db.session.scalar(select(func.count(CaseNote.id)).where(CaseNote.family_id == family_id)) == 0
    page.get_by_role("button", name="Save case note").click()

    page.wait_for_load_state("load")
    shot(page, "kept-saved")
    with live_app.app_context():
        saved = db.session.scalars(select(CaseNote.text).where(CaseNote.family_id == family_id)).all()
    assert saved == [text.replace("\n", "\r\n")] or saved == [text]
    check_page(page)
    page.get_by_role("link", name="My work").click()
    expect(page.locator("#kept-posts")).to_have_count(0)


def test_when_the_time_runs_out_on_a_page_with_typing_the_page_stays_and_saving_keeps_it(person, live_app):
    """Going to the sign-in page when the time ran out would throw away what was typed: the page stays, says the
    person has been signed out, and a save then is kept and offered back."""
    family_id = a_family_the_practitioner_leads(live_app, "SESS-2703")
    with idle_minutes(live_app, idle=0.25, warning=0.2):  # 15 seconds, warned after 3
        page = person("practitioner")
        page.goto(url(live_app, "case_notes.new", family_id=family_id))
        page.get_by_label("What happened?").fill("Kit said the new bus route gets him to school on time.")
        dialog = page.locator("dialog#timeout-warning")
        expect(dialog.get_by_role("heading", name="You have been signed out")).to_be_visible(timeout=30_000)
        expect(dialog).to_contain_text("What you typed is still on this page")
        expect(page).to_have_url(re.compile(r"/case-notes/new$"))
        check_page(page)
        shot(page, "timed-out-with-typing")
        dialog.get_by_role("button", name="Go back to the page").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_label("What happened?")).to_have_value(
            "Kit said the new bus route gets him to school on time."
        )
        page.get_by_role("button", name="Save case note").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("What you typed has been kept")
