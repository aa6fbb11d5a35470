"""The referral and decision use cases, against the real database.

Referrals here are recorded as they arrive and decisions as they are made (`referral_received`, `decide`), unless
a test is about writing something down late."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, DecisionOutcome, Episode, LevelOfNeed, Referral, TimelineEntry
from earlyhelp.services.referrals import (
    agency_quality,
    decide_referral,
    decision_clock,
    feedback_letter,
    rate_clarity,
    record_feedback,
)
from tests.factories import make_household, make_referral, make_user, reference


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def referral_received(family, *, actor, received_at=None, **fields):
    """A referral recorded the moment it arrived (the factory records it now: a past receipt would be late)."""
    received_at = received_at or clock.now()
    with time_machine.travel(received_at, tick=False):
        return make_referral(family, actor=actor, received_at=received_at, **fields)


def outcome(code):
    return reference(DecisionOutcome, code=code)


def level(number):
    return reference(LevelOfNeed, number=number)


def decide(referral, code, *, actor, lead=None, decided_at=None, late_reason="", now=None, level_number=2, **extra):
    """A decision recorded as it was made, unless `now` says when it was written down."""
    decided_at = decided_at or referral.received_at + timedelta(hours=2)
    return decide_referral(
        referral.id,
        outcome=outcome(code),
        decided_level=level(level_number),
        rationale="Needs a coordinated plan.",
        decided_at=decided_at,
        late_reason=late_reason,
        lead=lead,
        actor=actor,
        now=now or max(decided_at, referral.received_at + timedelta(hours=2)),
        **extra,
    )


def test_recording_a_referral_sets_its_decision_clock_and_audits_it(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    assert referral.decision_due_on.isoformat() == "2025-12-02"
    assert referral.decision_due_explanation.startswith("Decision due Tue 2 Dec 2025")
    assert len(referral.children) == 2
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "referral", AuditEvent.action == "create")
    )


def test_an_early_help_decision_opens_an_episode_with_the_lead_practitioner(app):
    officer = make_user("front_door", team_name="Front door")
    lead = make_user("practitioner")
    family = make_household()
    referral = referral_received(family, actor=officer, received_at=london(2025, 12, 1, 10))
    decide(referral, "early_help", actor=officer, lead=lead)
    episode = db.session.scalar(select(Episode).where(Episode.family_id == family.id))
    assert (episode.service.code, episode.lead_id, episode.ended_on) == ("early_help", lead.id, None)
    summaries = db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == family.id)).all()
    assert f"Early help involvement began, lead {lead.name}" in summaries


def test_an_early_help_decision_needs_a_lead_practitioner(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer)
    with pytest.raises(Refused, match="Select the lead practitioner") as refused:
        decide(referral, "early_help", actor=officer)
    assert refused.value.field == "lead_practitioner"


def test_a_social_care_decision_sets_the_assessment_due_45_working_days_after_the_referral(app):
    officer = make_user("front_door", team_name="Front door")
    family = make_household()
    referral = referral_received(family, actor=officer, received_at=london(2025, 12, 1, 10))
    decide(referral, "social_care_assessment", actor=officer)
    episode = db.session.scalar(select(Episode).where(Episode.family_id == family.id))
    assert episode.service.code == "social_care"
    assert episode.assessment_due_on.isoformat() == "2026-02-05"


def test_a_family_already_open_to_early_help_keeps_its_lead(app):
    officer = make_user("front_door", team_name="Front door")
    first_lead, second_lead = make_user("practitioner"), make_user("practitioner")
    family = make_household()
    decide(referral_received(family, actor=officer), "early_help", actor=officer, lead=first_lead)
    decide(referral_received(family, actor=officer), "early_help", actor=officer, lead=second_lead)
    episodes = db.session.scalars(select(Episode).where(Episode.family_id == family.id)).all()
    assert [e.lead_id for e in episodes] == [first_lead.id]


def test_a_decision_before_the_referral_was_received_is_refused(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    with pytest.raises(
        Refused,
        match=r"^The decision \(Mon 1 Dec 2025 at 09:00\) cannot be before the referral was received \(Mon 1 Dec 2025 at 10:00\)$",
    ):
        decide(referral, "no_further_action", actor=officer, decided_at=london(2025, 12, 1, 9))


def test_a_late_decision_needs_a_reason_and_keeps_it(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    late = london(2025, 12, 4, 11)
    with pytest.raises(Refused, match=r"^Explain why the decision was late \(it was due on Tue 2 Dec 2025\)$"):
        decide(referral, "no_further_action", actor=officer, decided_at=late)
    decide(referral, "no_further_action", actor=officer, decided_at=late, late_reason="Waiting for police checks")
    assert referral.late_reason == "Waiting for police checks"
    assert decision_clock(referral).summary == "Done late, by 2 working days"


def test_a_referral_cannot_be_decided_twice_and_the_second_person_is_told_who_decided(app):
    officer = make_user("front_door", team_name="Front door", name="Frankie First")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    decide(referral, "no_further_action", actor=officer, decided_at=london(2025, 12, 1, 14, 5))
    db.session.commit()
    with pytest.raises(Refused, match="This referral was decided by Frankie First on 1 December 2025 at 14:05"):
        decide(referral, "early_help", actor=make_user("team_manager"))


def test_clarity_ratings_add_up_per_agency_and_month(app):
    officer = make_user("front_door", team_name="Front door")
    for clarity, agency in [("yes", "School"), ("no", "School"), ("partly", "Police")]:
        referral = referral_received(
            make_household(1), actor=officer, agency_name=agency, received_at=london(2025, 11, 10, 10)
        )
        rate_clarity(referral, clarity=clarity, note="", actor=officer)
    db.session.commit()
    ratings = agency_quality(officer, since=london(2025, 11, 1, 0))
    assert ratings["School"]["2025-11"] == {"yes": 1, "partly": 0, "no": 1}
    assert ratings["Police"]["2025-11"] == {"yes": 0, "partly": 1, "no": 0}


def test_a_referral_received_at_23_59_59_on_31_december_is_received_that_day_and_counted_from_the_next_working_day(app):
    officer = make_user("front_door", team_name="Front door")
    received = clock.at_london(date(2026, 12, 31), time(23, 59, 59))
    with time_machine.travel(received, tick=False):
        referral = referral_received(make_household(1), actor=officer, received_at=received)
    assert clock.local_date(referral.received_at) == date(2026, 12, 31)
    # 1 January 2027 is a bank holiday, then a weekend: counted from Monday 4 January, due the day after.
    assert referral.decision_due_on == date(2027, 1, 5)
    assert referral.decision_due_explanation.endswith(
        "(out of hours, so counted from Mon 4 Jan 2027). Bank holiday not counted: Fri 1 Jan 2027, New Year's Day"
    )
    assert decision_clock(referral, today=date(2027, 1, 5)).state == "due_today"


def test_a_referral_received_in_the_future_is_refused_and_the_refusal_audited(app):
    officer = make_user("front_door", team_name="Front door")
    family = make_household(1)
    with time_machine.travel(datetime(2026, 10, 25, 1, 45, tzinfo=LONDON), tick=False):
        # 01:50 on the morning the clocks go back is the first 01:50 (BST): five minutes from now.
        with pytest.raises(Refused, match="Time received must be now or in the past") as refused:
            make_referral(family, actor=officer, received_at=clock.at_london(date(2026, 10, 25), time(1, 50)))
        make_referral(family, actor=officer, received_at=clock.at_london(date(2026, 10, 25), time(1, 40)))
    assert refused.value.field == "received_time"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record_referral"))
    assert (event.outcome, event.family_id, event.user_id) == ("refused", family.id, officer.id)
    assert len(db.session.scalars(select(Referral).where(Referral.family_id == family.id)).all()) == 1


def test_a_lead_who_no_longer_works_here_or_leads_other_work_is_refused(app):
    officer = make_user("front_door", team_name="Front door")
    gone = make_user("practitioner", name="Gone Away", active=False)
    social_worker = make_user("social_worker", team_name="Social care team", name="Sasha Social")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    with pytest.raises(Refused, match="Gone Away can no longer be given work") as refused:
        decide(referral, "early_help", actor=officer, lead=gone)
    assert refused.value.field == "lead_practitioner"
    with pytest.raises(Refused, match="Sasha Social cannot lead this work") as refused:
        decide(referral, "early_help", actor=officer, lead=social_worker.id)
    assert refused.value.field == "lead_practitioner"
    with pytest.raises(Refused, match=r"cannot lead this work\. Select a social worker") as refused:
        decide(referral, "social_care_assessment", actor=officer, lead=make_user("practitioner"))
    assert refused.value.field == "social_worker"
    assert not db.session.get(Referral, referral.id).is_decided


def test_a_decision_that_opens_nothing_takes_no_lead(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    decide(referral, "no_further_action", actor=officer, lead=make_user("practitioner", active=False))
    assert db.session.scalars(select(Episode).where(Episode.family_id == referral.family_id)).all() == []


def test_feedback_comes_after_the_decision_once_and_never_before_it(app):
    officer = make_user("front_door", team_name="Front door")
    referral = referral_received(make_household(), actor=officer, received_at=london(2025, 12, 1, 10))
    told_at_the_decision = dict(actor=officer, now=london(2025, 12, 1, 16))
    with pytest.raises(Refused, match="Record the decision before recording feedback"):
        record_feedback(referral, method="phone", told_on=date(2025, 12, 1), **told_at_the_decision)
    with pytest.raises(Refused, match="Record the decision before printing the feedback letter"):
        feedback_letter(referral)
    decide(referral, "no_further_action", actor=officer, decided_at=london(2025, 12, 1, 14, 5))
    with pytest.raises(Refused, match=r"cannot be before the decision \(Mon 1 Dec 2025\)") as refused:
        record_feedback(referral, method="phone", told_on=date(2025, 11, 30), **told_at_the_decision)
    assert refused.value.field == "fed_back_on"
    # Told that day: the day is what was given, and what is kept. No time is made up for it.
    record_feedback(referral, method="phone", told_on=date(2025, 12, 1), **told_at_the_decision)
    assert (referral.fed_back_on, referral.feedback_recorded_at) == (date(2025, 12, 1), london(2025, 12, 1, 16))
    entry = db.session.scalar(
        select(TimelineEntry).where(
            TimelineEntry.family_id == referral.family_id, TimelineEntry.summary.like("Referrer told%")
        )
    )
    assert (entry.day_only, clock.local_date(entry.at)) == (True, date(2025, 12, 1))
    with pytest.raises(Refused, match="The referrer was already told, on 1 December 2025"):
        record_feedback(referral, method="email", told_on=date(2025, 12, 2), **told_at_the_decision)
    assert feedback_letter(referral)["referral"] is referral


def test_ratings_count_in_the_london_month_the_referral_was_received(app):
    officer = make_user("front_door", team_name="Front door")
    # 00:30 on 1 July in London is still 30 June in UTC; 00:30 on 1 December is the same in both.
    for received in (london(2025, 7, 1, 0, 30), london(2025, 12, 1, 0, 30), london(2025, 11, 30, 23, 30)):
        referral = referral_received(make_household(1), actor=officer, agency_name="Police", received_at=received)
        rate_clarity(referral, clarity="yes", note="", actor=officer)
    ratings = agency_quality(officer, since=london(2025, 6, 1, 0), until=london(2025, 12, 31, 0))
    assert {month: counts["yes"] for month, counts in ratings["Police"].items()} == {
        "2025-07": 1,
        "2025-11": 1,
        "2025-12": 1,
    }


def test_out_of_hours_receipt_counts_from_that_day_when_the_setting_is_off(app, monkeypatch):
    from earlyhelp.services.referrals import decision_deadline

    evening = london(2026, 12, 1, 18)  # a Tuesday, after the working day
    assert decision_deadline(evening).due == date(2026, 12, 3)
    monkeypatch.setitem(app.config, "OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY", False)
    off = decision_deadline(evening)
    assert off.due == date(2026, 12, 2)
    assert off.explanation == "Decision due Wed 2 Dec 2026: 1 working day after the referral received on Tue 1 Dec 2026"
