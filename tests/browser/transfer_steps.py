"""What a person does on the step-up and step-down pages, shared by the transfer journeys.

Each helper does what a person would: answers questions by their words on the page, never by field names.
"""

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.transfers import TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Service, Transfer, User
from tests.browser.conftest import ARTIFACTS, check_page, choose

CHECKLIST = (
    "Has the level of need been reviewed against the threshold?",
    "Are there clear outcomes for early help to work towards?",
    "Are the outstanding tasks listed, each with an owner and a date?",
)


def free_episode(app, service_code: str, lead_email: str) -> tuple[int, int, list[str]]:
    """An open episode led by this person that no request has started from, in a family with no request open
    (a family stepped up and handed over can step down again)."""
    finished = (TransferState.DECLINED, TransferState.WITHDRAWN, TransferState.HANDOVER_COMPLETE)
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == lead_email))
        episode = db.session.scalar(
            select(Episode)
            .join(Service)
            .where(
                Service.code == service_code,
                Episode.ended_on.is_(None),
                Episode.lead_id == lead.id,
                ~Episode.id.in_(select(Transfer.from_episode_id)),
                ~Episode.family_id.in_(select(Transfer.family_id).where(Transfer.state.not_in(finished))),
            )
            .order_by(Episode.id)
        )
        assert episode is not None, f"the demo data has no free {service_code} episode led by {lead_email}"
        return episode.family_id, episode.id, [c.first_name for c in episode.family.children]


def new_family_in(app, service_code: str, lead_email: str) -> tuple[int, list[str]]:
    """A household of its own (a parent and two children), open to this service with this lead: a journey that
    must start from nothing, whatever the demo data holds."""
    from tests.factories import make_episode, make_household

    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == lead_email))
        family = make_household(children=2)
        make_episode(family, service_code=service_code, lead=lead, started_on=clock.today() - timedelta(days=200))
        return family.id, [c.first_name for c in family.children]


def fill_date(group, day: date) -> None:
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def fill_children(page, names):
    for name in names:
        choose(page, f"Is {name} part of the request?", "Yes")
        page.get_by_label(f"{name}'s views, in their own words").fill(f"{name} says: I want it to be calm at home.")


def answer_consent(page, *, told_by: str, agrees: str = "Yes", words: str = "") -> None:
    """The two questions about the family, as asked: told (today, by whom), and whether they agree."""
    choose(page, "Has the family been told about this request?", "Yes")
    fill_date(page.get_by_role("group", name="If yes: when were they told?"), clock.today())
    page.get_by_label("If yes: who told them?").fill(told_by)
    choose(page, "Does the family agree?", agrees)
    page.get_by_label("What did the family say, in their own words?").fill(words)


def answer_checklist(page, answer: str = "Yes") -> None:
    for question in CHECKLIST:
        choose(page, question, answer)


def write_outcome(page, number: int, *, who: str, what: str, by_when: date) -> None:
    row = page.locator(".app-child-row", has_text=f"Outcome {number}")
    row.get_by_label("Who is it for?").select_option(label=who)
    row.get_by_label("What should be different?").fill(what)
    fill_date(row.get_by_role("group", name="By when?"), by_when)


def write_task(page, number: int, *, what: str, owner: str, due: date) -> None:
    row = page.locator(".app-child-row", has_text=f"Task {number}")
    row.get_by_label("What needs to happen").fill(what)
    row.get_by_label("Who will do it").select_option(label=owner)
    fill_date(row, due)


def reference_of(page) -> str:
    """The family's reference, from the request page's caption ("Family name, REF")."""
    return page.locator(".govuk-caption-l").inner_text().split(", ")[-1]


def open_from_queue(page, queue: str, family_reference: str):
    """Open a request from one of the working lists, as a person would (newest requests are on the last page)."""
    page.get_by_role("link", name="Step-up and step-down", exact=True).click()
    page.get_by_role("link", name=re.compile(queue)).click()
    check_page(page)
    row = page.locator("#transfer-queue tr", has_text=family_reference)
    number = 1
    while not row.count():
        following = page.locator("#transfer-queue").get_by_role("link", name=re.compile("^Next"))
        assert following.count(), f"{family_reference} is not in the list {queue!r}"
        following.first.click()
        number += 1
        expect(page.locator("#transfer-queue caption")).to_contain_text(f"page {number} of")
        check_page(page)
    row.get_by_role("link").first.click()


def accept_naming(page, team: str, lead: str) -> None:
    page.get_by_label(f"Who will lead for {team}?").select_option(label=lead)
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#transfer-state")).to_have_text("Accepted")
    expect(page.locator("#responsible")).to_contain_text(lead)


def save_handover_meeting(page, name: str, *, family_message: str) -> None:
    """The handover plan: a joint visit held today (a meeting cannot come before its request), what the family
    will be told, and the contingency (professional only: never printed for the family)."""
    page.get_by_role("link", name="Complete the handover plan and its next steps").click()
    check_page(page, f"{name}-handover-plan")
    choose(page, "Handover meeting or joint visit?", "Joint visit to the family")
    fill_date(page.get_by_role("group", name="Date of the meeting or visit"), clock.today())
    page.get_by_label("Place").fill("The family home")
    page.get_by_label("Who will attend").fill("Both leads and the parents")
    page.get_by_label("The family will attend").check()
    page.get_by_label("The meeting or visit has happened").check()
    page.get_by_label("If things get worse").fill("Call the duty social worker the same day.")
    page.get_by_label("What we will tell the family").fill(family_message)
    page.get_by_role("button", name="Save handover plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Handover plan saved.")
    expect(page.locator("#family-message")).to_have_text(family_message)


def add_plan_step(page, what: str, *, owner_kind: str, owner: str = "", name: str = "", agency: str = "") -> None:
    """A next step on the handover plan, due 1 January 2099, that the family will see."""
    page.get_by_label("What needs to happen").fill(what)
    choose(page, "Who will do it?", owner_kind)
    if owner:
        page.get_by_label("Person in the service").select_option(label=owner)
    if name:
        page.get_by_label("Their name").fill(name)
    if agency:
        page.get_by_label("Their agency").fill(agency)
    choose(page, "When does it need to be done by?", "On a date")
    fill_date(page.get_by_role("group", name="Date", exact=True), date(2099, 1, 1))
    page.get_by_label("The family will see this step").check()
    page.get_by_role("button", name="Add next step").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Next step added to the handover plan.")
    expect(page.locator("main")).to_contain_text(what)


def issue_and_download_letter(page, name: str) -> dict[str, bytes]:
    """Preview the letter, issue it, then download each copy twice: the stored bytes, the same every time."""
    page.get_by_role("link", name="Preview and issue the letter").click()
    expect(page.locator("h1")).to_have_text("Preview the letter to the family")
    check_page(page, f"{name}-letter-preview")
    page.get_by_role("button", name="Issue the letter").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Letter version 1 issued.")
    check_page(page, f"{name}-letter-issued")
    links = page.locator("#issued-letters a")
    expect(links).to_have_count(2)
    copies = {}
    for index in range(links.count()):
        link = links.nth(index)
        label, href = " ".join(link.text_content().split()), link.get_attribute("href")
        first, second = page.request.get(href), page.request.get(href)
        assert first.status == second.status == 200, (label, first.status, second.status)
        assert first.headers["content-type"] == "application/pdf", label
        assert first.body().startswith(b"%PDF"), label
        assert first.body() == second.body(), f"{label}: two downloads of the issued letter differ"
        copies[label] = first.body()
    assert sorted(copies) == ["Large print copy of version 1 (PDF)", "Standard print copy of version 1 (PDF)"]
    assert copies["Large print copy of version 1 (PDF)"] != copies["Standard print copy of version 1 (PDF)"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, body in copies.items():
        (ARTIFACTS / f"{name}-letter-{label.split(' copy')[0].lower().replace(' ', '-')}.pdf").write_bytes(body)
    return copies


def complete_handover(page) -> None:
    page.get_by_role("button", name="Mark handover complete").click()
    expect(page.locator("#transfer-state")).to_have_text("Handover complete")
