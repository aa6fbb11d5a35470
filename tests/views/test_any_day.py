"""The date-sensitive pages on awkward days: New Year's Day, a leap day, both clock changes, Christmas Eve after
the working day, the last second of the year, the Friday before a bank holiday, and just after midnight in
summer (when London's date is a day ahead of UTC's, and UTC's day is a bank holiday).

At each moment, London time, the clock is stopped there. A referral is recorded through the form exactly as
the page offers the date and time, and its decision date and explanation are checked (working days, bank
holidays skipped, after 17:00 counted from the next working day); then My work, the front door queue, a
step-up request and the family page say "due" and "overdue" rightly, and a supervision form starts today.
Every expected date below is worked out by hand from the calendar, not by the code under test.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Referral
from earlyhelp.services import transfers
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from tests.factories import make_episode, make_household, make_referral, make_transfer, make_user
from tests.helpers import TestClient, date_in, error_messages, short_date, soup_of, text_of


@dataclass(frozen=True)
class Moment:
    name: str
    at: datetime  # London wall-clock time (fold=1 for the second 01:30 in October)
    shown_time: str  # what the time box offers
    today: date  # London's date
    due: date  # the decision date: 1 working day after the clock starts
    moved: str = ""  # why the clock starts later, as the explanation says it


MOMENTS = [
    Moment(
        "new-years-day",
        datetime(2027, 1, 1, 9, 0, tzinfo=LONDON),
        "09:00",
        date(2027, 1, 1),
        date(2027, 1, 5),
        " at 09:00 (not a working day, so counted from Mon 4 Jan 2027)",
    ),
    Moment("leap-day", datetime(2028, 2, 29, 12, 0, tzinfo=LONDON), "12:00", date(2028, 2, 29), date(2028, 3, 1)),
    # 01:30 does not happen on 28 March 2027: at 01:00 GMT the clocks go forward to 02:00 BST. The moment
    # meant (01:30 GMT) is 02:30 in London. It is Easter Sunday too: Monday 29th is Easter Monday.
    Moment(
        "spring-forward-gap",
        datetime(2027, 3, 28, 1, 30, tzinfo=LONDON),
        "02:30",
        date(2027, 3, 28),
        date(2027, 3, 31),
        " at 02:30 (not a working day, so counted from Tue 30 Mar 2027)",
    ),
    Moment(
        "spring-forward-after",
        datetime(2027, 3, 28, 3, 30, tzinfo=LONDON),
        "03:30",
        date(2027, 3, 28),
        date(2027, 3, 31),
        " at 03:30 (not a working day, so counted from Tue 30 Mar 2027)",
    ),
    # 01:30 happens twice on 25 October 2026: first in BST, then again in GMT after the clocks go back.
    Moment(
        "autumn-first-0130",
        datetime(2026, 10, 25, 1, 30, tzinfo=LONDON),
        "01:30",
        date(2026, 10, 25),
        date(2026, 10, 27),
        " at 01:30 (not a working day, so counted from Mon 26 Oct 2026)",
    ),
    Moment(
        "autumn-second-0130",
        datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1),
        "01:30",
        date(2026, 10, 25),
        date(2026, 10, 27),
        " at 01:30 (not a working day, so counted from Mon 26 Oct 2026)",
    ),
    # Christmas Day, a weekend and Boxing Day observed on Monday 28th: the clock starts on Tuesday 29th.
    Moment(
        "christmas-eve-1730",
        datetime(2026, 12, 24, 17, 30, tzinfo=LONDON),
        "17:30",
        date(2026, 12, 24),
        date(2026, 12, 30),
        " at 17:30 (out of hours, so counted from Tue 29 Dec 2026)",
    ),
    Moment(
        "last-second-of-the-year",
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=LONDON),
        "23:59",
        date(2026, 12, 31),
        date(2027, 1, 5),
        " at 23:59 (out of hours, so counted from Mon 4 Jan 2027)",
    ),
    # The August bank holiday is Monday 30 August 2027.
    Moment(
        "friday-before-a-bank-holiday-1730",
        datetime(2027, 8, 27, 17, 30, tzinfo=LONDON),
        "17:30",
        date(2027, 8, 27),
        date(2027, 9, 1),
        " at 17:30 (out of hours, so counted from Tue 31 Aug 2027)",
    ),
    # 00:30 BST on Tuesday 1 June is 23:30 UTC on Monday 31 May, the spring bank holiday.
    Moment(
        "just-after-midnight-in-summer",
        datetime(2027, 6, 1, 0, 30, tzinfo=LONDON),
        "00:30",
        date(2027, 6, 1),
        date(2027, 6, 2),
    ),
]


@pytest.fixture(params=MOMENTS, ids=[moment.name for moment in MOMENTS])
def moment(request):
    with time_machine.travel(request.param.at, tick=False):
        yield request.param


def _form_as_offered(page) -> dict:
    """What the form holds as the page offers it: every text and hidden box, and the first choice of each select."""
    form = page.select_one("main form[method=post]")
    data: dict[str, list[str]] = {}
    for field in form.select("input[name]"):
        if field.get("type") not in ("radio", "checkbox", "submit"):
            data.setdefault(field["name"], []).append(field.get("value", ""))
    for select_box in form.select("select[name]"):
        values = [option.get("value", "") for option in select_box.select("option") if option.get("value")]
        data[select_box["name"]] = [values[0]]
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def _referral_from_the_page(page) -> dict:
    data = _form_as_offered(page)
    first_level = page.select_one("input[name=level]")["value"]
    data |= {
        "immediate_danger": "no",
        "referrer_name": "Jamie Visitor",
        "referrer_phone": "01632 960123",
        "level": first_level,
        "worries": "The baby is not gaining weight and mum seems low.",
        "what_has_been_tried": "Weekly weigh-ins and a referral to the GP.",
        "if_nothing_changes": "The baby's health will suffer.",
        "family_knows": "yes",
        "family_agrees": "yes",
    }
    for name in [name for name in data if name.endswith("-person_id")]:
        row = name.removesuffix("-person_id")
        data |= {f"{row}-included": "yes", f"{row}-impact": "Affected by the worries above."}
    return data


def test_a_referral_recorded_as_the_form_offers_it_is_due_on_the_right_working_day(client, moment):
    client.sign_in(make_user("front_door", team_name="Front door"))
    family = make_household(children=2)
    page = client.page("referrals.new", family_id=family.id)
    assert date_in(page, "received_on") == moment.today
    assert page.select_one("#received_time")["value"] == moment.shown_time

    response = client.post("referrals.new", _referral_from_the_page(page), family_id=family.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    shown = client.page(response.headers["Location"])
    [referral] = db.session.scalars(select(Referral).where(Referral.family_id == family.id)).all()
    assert clock.local(referral.received_at).strftime("%H:%M") == moment.shown_time
    assert referral.received_at <= clock.now()
    assert referral.decision_due_on == moment.due
    explanation = (
        f"Decision due {short_date(moment.due)}: 1 working day after the referral received on"
        f" {short_date(moment.today)}{moment.moved}."
    )
    assert explanation in text_of(shown, "#decision-clock")
    assert f"Received {short_date(moment.today)} at {moment.shown_time}" in text_of(shown, "main")
    assert f"Referral recorded. {explanation}" in text_of(shown, ".govuk-notification-banner")


@dataclass
class Caseload:
    officer: object
    lead: object
    manager: object
    family: object
    fresh_referral: Referral
    old_referral: Referral
    transfer: object


def _caseload(today: date) -> Caseload:
    """A practitioner's family with one next step overdue and one due today, referrals waiting (one just
    received, one a fortnight ago) and a step-up request sent now, all made through the services."""
    officer = make_user("front_door", team_name="Front door")
    lead = make_user("practitioner", team_name="Early help team", name="Robin Anyday")
    manager = make_user("team_manager", team_name="Early help team", name="Morgan Anyday")
    family = make_household(children=1)
    episode = make_episode(family, lead=lead, started_on=today - timedelta(days=60))
    for what, due_on in (("Ring the school", today - timedelta(days=3)), ("Visit the family", today)):
        add_next_step(
            family.id,
            NextStepInput(what=what, owner_kind="user", owner_user_id=lead.id, due_on=due_on),
            source_type="supervision",
            source_id=None,
            actor=lead,
            today=today - timedelta(days=7),
        )
    fresh_referral = make_referral(family, actor=officer)
    old_referral = make_referral(
        make_household(children=1), actor=officer, received_at=clock.now() - timedelta(days=14)
    )
    transfer = make_transfer(episode, actor=lead)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead)
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    db.session.commit()
    return Caseload(officer, lead, manager, family, fresh_referral, old_referral, transfer)


def _as(app, user) -> TestClient:
    client = TestClient(app)
    client.sign_in(user)
    return client


def test_my_work_lists_what_is_overdue_and_what_is_due_this_week(app, moment):
    case = _caseload(moment.today)
    soup = _as(app, case.lead).page("main.home")
    assert text_of(soup, "#steps-overdue caption") == "Overdue (1)"
    assert text_of(soup, "#steps-this-week caption") == "Due this week (1)"
    overdue, this_week = text_of(soup, "#steps-overdue tbody tr"), text_of(soup, "#steps-this-week tbody tr")
    assert "Ring the school" in overdue and "Overdue" in overdue
    assert "Visit the family" in this_week and short_date(moment.today) in this_week and "Overdue" not in this_week


def test_the_front_door_queue_says_which_referral_is_due_and_which_is_overdue(app, moment):
    case = _caseload(moment.today)
    client = _as(app, case.officer)
    soup = client.page("referrals.queue")
    rows = {
        row.select_one("a")["href"]: " ".join(row.get_text(" ").split())
        for row in soup.select("#referral-queue tbody tr")
    }
    fresh_row = rows[client.url("referrals.show", referral_id=case.fresh_referral.id)]
    old_row = rows[client.url("referrals.show", referral_id=case.old_referral.id)]
    assert f"Due {short_date(moment.due)}" in fresh_row and "Overdue" not in fresh_row
    assert "Overdue by" in old_row


def test_a_step_up_sent_now_shows_when_the_receiving_team_must_decide(app, moment):
    case = _caseload(moment.today)
    soup = _as(app, case.lead).page("transfers.show", transfer_id=case.transfer.id)
    shown = text_of(soup, "#decision-clock")
    assert f"Due {short_date(moment.due)}" in shown and "Overdue" not in shown
    assert (
        f"Decision due {short_date(moment.due)}: 1 working day after the request sent on"
        f" {short_date(moment.today)}{moment.moved}"
    ) in shown


def test_the_family_page_shows_each_next_step_as_open_or_overdue_and_the_decision_date(app, moment):
    case = _caseload(moment.today)
    soup = _as(app, case.lead).page("families.show", family_id=case.family.id)
    # What, who, by when, status (then the row's actions)
    steps = {
        row.select_one("td").get_text(" ").strip(): [" ".join(cell.get_text(" ").split()) for cell in row.select("td")]
        for row in soup.select("#next-steps-due + table tbody tr, #next-steps-due ~ table tbody tr")
    }
    assert steps["Ring the school"][3] == "Overdue"
    assert steps["Visit the family"][3] == "Open"
    assert short_date(moment.today) in steps["Visit the family"][2]
    assert f"Decision due {short_date(moment.due)}" in text_of(soup, "#referrals + ul")


def test_a_supervision_form_starts_on_londons_today(app, moment):
    manager = make_user("team_manager", team_name="Early help team")
    page = _as(app, manager).page("supervision.new")
    assert date_in(page, "held_on") == moment.today
