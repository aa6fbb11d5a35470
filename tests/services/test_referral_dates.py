"""When each step of a referral happened and when it was written down (parts 1 and 2 of issue 11).

Every date pair of a referral out of order is refused naming both dates, on the engine under test (run this file
with TEST_DATABASE_URL for PostgreSQL). Each step written down more than LATE_RECORDING_WORKING_DAYS working days
after it happened asks why, and keeps the reason; timeliness is measured from when things happened."""

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Referral, TimelineEntry
from earlyhelp.models.referrals import ReferralChange
from earlyhelp.services.referrals import ChildInput, correct_feedback, decision_clock, record_feedback, record_referral
from tests.factories import make_household, make_user
from tests.services.test_referral_changes import referral_fields
from tests.services.test_referrals import decide, london, referral_received

# A Tuesday; the Monday before, 1 December 2026, is when the referral came in.
TODAY = london(2026, 12, 8, 11, 0)
RECEIVED = london(2026, 12, 1, 9, 30)


@pytest.fixture(autouse=True)
def still():
    with time_machine.travel(TODAY, tick=False):
        yield


def officer():
    return make_user("front_door", team_name="Front door", name="Frankie Frontdoor")


def test_a_decision_before_the_referral_was_received_is_refused_naming_both_and_nothing_is_saved(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=RECEIVED)
    with pytest.raises(Refused) as refused:
        decide(referral, "information_and_advice", actor=frankie, decided_at=RECEIVED - timedelta(minutes=30))
    assert (refused.value.message, refused.value.field) == (
        "The decision (Tue 1 Dec 2026 at 09:00) cannot be before the referral was received (Tue 1 Dec 2026 at 09:30)",
        "decided_on",
    )
    assert db.session.get(Referral, referral.id).decided_at is None


def test_the_referrer_told_before_the_decision_is_refused_naming_both_and_nothing_is_saved(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=RECEIVED)
    decide(referral, "information_and_advice", actor=frankie, decided_at=london(2026, 12, 2, 10, 0))
    with pytest.raises(Refused) as refused:
        record_feedback(
            referral,
            method="phone",
            told_on=date(2026, 12, 1),
            late_recording_reason="Written up after a week of leave.",
            actor=frankie,
        )
    assert (refused.value.message, refused.value.field) == (
        "The date the referrer was told (Tue 1 Dec 2026) cannot be before the decision (Wed 2 Dec 2026)",
        "fed_back_on",
    )
    assert db.session.get(Referral, referral.id).fed_back_on is None


def test_a_referral_written_down_days_after_it_arrived_asks_why_keeps_it_and_is_timed_from_its_arrival(app):
    frankie = officer()
    family = make_household(1)

    def record(reason):
        children = [ChildInput(child.id, True, "Tired in class", "") for child in family.children]
        fields = referral_fields(received_at=RECEIVED)
        return record_referral(family, fields=fields, children=children, actor=frankie, late_recording_reason=reason)

    with pytest.raises(Refused) as refused:
        record("")
    assert (refused.value.message, refused.value.field) == (
        "Explain why this referral is being recorded 7 days after it happened",
        "late_recording_reason",
    )
    with pytest.raises(Refused, match="in a sentence of at least 10 characters"):
        record("n/a")
    referral = record("The email sat in a shared inbox.")
    assert (referral.received_at, referral.created_at) == (RECEIVED, TODAY)
    assert referral.receipt_late_recording_reason == "The email sat in a shared inbox."
    assert referral.decision_due_on == date(2026, 12, 2)  # one working day from when it arrived
    entry = db.session.scalar(
        select(TimelineEntry).where(TimelineEntry.family_id == family.id, TimelineEntry.record_type == "referral")
    )
    assert (entry.at, entry.recorded_at, entry.recorded_late, entry.late_recording_reason) == (
        RECEIVED,
        TODAY,
        True,
        "The email sat in a shared inbox.",
    )


def test_a_decision_entered_days_after_it_was_made_asks_why_and_is_still_done_on_time(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=RECEIVED)
    made = london(2026, 12, 1, 15, 0)
    with pytest.raises(Refused) as refused:
        decide(referral, "information_and_advice", actor=frankie, decided_at=made, now=TODAY)
    assert (refused.value.message, refused.value.field) == (
        "Explain why this decision is being recorded 7 days after it happened",
        "late_recording_reason",
    )
    decide(
        referral,
        "information_and_advice",
        actor=frankie,
        decided_at=made,
        now=TODAY,
        late_recording_reason="Decided at the daily meeting; the notes were typed up today.",
    )
    referral = db.session.get(Referral, referral.id)
    assert (referral.decided_at, referral.decision_recorded_at) == (made, TODAY)
    assert referral.decision_late_recording_reason == "Decided at the daily meeting; the notes were typed up today."
    # Timeliness comes from when it was decided: on the day it arrived, so on time, however late it was typed.
    assert decision_clock(referral).summary == "Done on time"
    entry = db.session.scalar(
        select(TimelineEntry).where(TimelineEntry.summary == "Referral decided: Information and advice")
    )
    assert (entry.at, entry.recorded_late) == (made, True)


def test_the_day_the_referrer_was_told_is_kept_as_a_day_and_written_down_late_with_a_reason(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=RECEIVED)
    decide(referral, "information_and_advice", actor=frankie, decided_at=london(2026, 12, 1, 15, 0))
    with pytest.raises(Refused, match=r"^Explain why telling the referrer is being recorded 6 days after it happened"):
        record_feedback(referral, method="email", told_on=date(2026, 12, 2), actor=frankie)
    record_feedback(
        referral,
        method="email",
        told_on=date(2026, 12, 2),
        late_recording_reason="The sent email was only filed today.",
        actor=frankie,
    )
    referral = db.session.get(Referral, referral.id)
    assert (referral.fed_back_on, referral.feedback_recorded_at, referral.feedback_late_recording_reason) == (
        date(2026, 12, 2),
        TODAY,
        "The sent email was only filed today.",
    )


def test_a_wrong_day_for_the_feedback_is_corrected_with_a_reason_keeping_what_it_said_before(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=TODAY - timedelta(hours=2))
    decide(referral, "information_and_advice", actor=frankie, decided_at=TODAY - timedelta(hours=1))
    record_feedback(referral, method="phone", told_on=clock.local_date(TODAY), actor=frankie)
    with pytest.raises(Refused) as refused:
        correct_feedback(
            referral, method="email", told_on=date(2026, 12, 7), reason="It was sent by email yesterday.", actor=frankie
        )
    assert (refused.value.message, refused.value.field) == (
        "The date the referrer was told (Mon 7 Dec 2026) cannot be before the decision (Tue 8 Dec 2026)",
        "fed_back_on",
    )
    with pytest.raises(Refused, match=r"^Explain why the feedback is being corrected in a sentence"):
        correct_feedback(referral, method="email", told_on=clock.local_date(TODAY), reason="n/a", actor=frankie)
    correct_feedback(
        referral,
        method="email",
        told_on=clock.local_date(TODAY),
        reason="It was an email, not a call: the sent copy is on file.",
        actor=frankie,
    )
    referral = db.session.get(Referral, referral.id)
    assert (referral.feedback_method, referral.fed_back_on) == ("email", date(2026, 12, 8))
    [change] = db.session.scalars(select(ReferralChange).where(ReferralChange.referral_id == referral.id)).all()
    assert (change.kind, change.details, change.reason) == (
        "feedback_corrected",
        [["How the referrer was told", "Phone call", "Email"]],
        "It was an email, not a call: the sent copy is on file.",
    )
