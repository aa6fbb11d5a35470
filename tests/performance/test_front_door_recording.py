"""Referrals, decisions and feedback written down late, around the August bank holiday (Monday 30 August 2027)."""

from datetime import date

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp.domain.recording import is_recorded_late
from earlyhelp.extensions import db
from earlyhelp.models import Agency, LevelOfNeed, Referral
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters
from earlyhelp.services.referrals import ChildInput, record_feedback, record_referral
from tests.factories import make_household, make_referral, make_user, reference
from tests.factories_access import ensure_team
from tests.performance.test_front_door_measures import (
    AUGUST,
    AUGUST_AND_SEPTEMBER,
    head_scope,
    listed,
    london,
    restrict,
)
from tests.services.test_referrals import decide, referral_received

RECEIPT = measures.MEASURES["referrals_recorded_late"]
DECISION = measures.MEASURES["decisions_recorded_late"]
FEEDBACK = measures.MEASURES["feedback_recorded_late"]

LATE_RECEIPT = "The referral came by post to the wrong office."
LATE_DECISION = "The decision was made in a meeting and typed up after it."
LATE_FEEDBACK = "The call to the school was written up after the holiday."


def written_down_late(family, *, actor, received_at, reason):
    """A referral written down now, after it was received, with the reason the product asks for."""
    fields = {
        "received_at": received_at,
        "agency_id": reference(Agency, name="School").id,
        "referrer_name": "Pat Teacher",
        "referrer_role": "Designated safeguarding lead",
        "referrer_phone": "01632 960000",
        "referrer_email": "",
        "level_id": reference(LevelOfNeed, number=2).id,
        "worries": "Attendance has dropped to 60% and the children arrive hungry.",
        "what_has_been_tried": "Two meetings with mum; breakfast club offered.",
        "if_nothing_changes": "The children will fall further behind and stay hungry.",
        "immediate_danger": False,
        "family_knows": "yes",
        "family_agrees": "yes",
        "family_agreement_note": "",
    }
    children = [
        ChildInput(person_id=c.id, included=True, impact="Tired in class", reason_not_included="")
        for c in family.children
    ]
    return record_referral(family, fields=fields, children=children, actor=actor, late_recording_reason=reason)


@pytest.fixture
def written(app):
    """Four referrals. Over the bank holiday, one working day (Tuesday) lies between Friday and Tuesday, two
    between Friday and Wednesday, and two between Thursday and Tuesday: more than one is late.

    - `tuesday`: received Friday 27 August, written down Tuesday 31st (in time); decided Tuesday, at once; the
      referrer told on Tuesday, written down on Wednesday 1 September (in time), by an officer in another team;
    - `wednesday`: received Friday 27 August, written down Wednesday 1 September (late);
    - `thursday`: received Thursday 26 August, at once; decided that day, written down Tuesday 31st (late); the
      referrer told on Friday 27th, written down on Wednesday 1 September (late);
    - `friday`: received Thursday 26 August, at once; decided Friday 27th, written down Tuesday 31st (in time);
      the referrer told on Wednesday 1 September, at once (a September figure)."""
    officer = make_user("front_door", team_name="Front door")
    elsewhere = make_user("front_door", team_name=ensure_team("North front door", "front_door").name)
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        with time_machine.travel(london(2027, 8, 31, 9, 0), tick=False):
            tuesday = make_referral(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 0))
        with time_machine.travel(london(2027, 9, 1, 9, 0), tick=False):
            wednesday = written_down_late(
                make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 0), reason=LATE_RECEIPT
            )
        thursday = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 0))
        friday = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 5))
        decide(tuesday, "no_further_action", actor=officer, decided_at=london(2027, 8, 31, 11, 0))
        decide(
            thursday,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 8, 26, 15, 0),
            now=london(2027, 8, 31, 9, 0),
            late_recording_reason=LATE_DECISION,
        )
        decide(
            friday,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 8, 27, 9, 0),
            now=london(2027, 8, 31, 10, 0),
        )
        record_feedback(
            tuesday, method="phone", told_on=date(2027, 8, 31), actor=elsewhere, now=london(2027, 9, 1, 9, 0)
        )
        record_feedback(
            thursday,
            method="phone",
            told_on=date(2027, 8, 27),
            actor=officer,
            now=london(2027, 9, 1, 9, 5),
            late_recording_reason=LATE_FEEDBACK,
        )
        record_feedback(friday, method="email", told_on=date(2027, 9, 1), actor=officer, now=london(2027, 9, 1, 12, 0))
    db.session.commit()
    return officer, elsewhere, tuesday, wednesday, thursday, friday


def test_a_referral_written_down_more_than_a_working_day_after_it_arrived_is_late(written):
    _officer, _elsewhere, tuesday, wednesday, thursday, friday = written
    scope = head_scope()
    assert measures.figure(RECEIPT, scope, Filters(AUGUST)) == Figure(1, 4)
    assert listed(RECEIPT, scope, Filters(AUGUST)) == [
        (wednesday.id, date(2027, 8, 27), True, LATE_RECEIPT, ""),
        (tuesday.id, date(2027, 8, 27), False, "", ""),
        (friday.id, date(2027, 8, 26), False, "", ""),
        (thursday.id, date(2027, 8, 26), False, "", ""),
    ]


def test_a_decision_written_down_more_than_a_working_day_after_it_was_made_is_late(written):
    _officer, _elsewhere, tuesday, _wednesday, thursday, friday = written
    scope = head_scope()
    assert measures.figure(DECISION, scope, Filters(AUGUST)) == Figure(1, 3)
    assert listed(DECISION, scope, Filters(AUGUST), which=measures.Rows.COUNTED) == [
        (thursday.id, date(2027, 8, 26), True, LATE_DECISION, "")
    ]
    assert measures.count_behind(DECISION, scope, Filters(AUGUST), which=measures.Rows.ALL) == 3


def test_feedback_written_down_more_than_a_working_day_after_the_referrer_was_told_is_late(written):
    _officer, _elsewhere, tuesday, _wednesday, thursday, friday = written
    scope = head_scope()
    assert measures.figure(FEEDBACK, scope, Filters(AUGUST)) == Figure(1, 2)
    assert measures.figure(FEEDBACK, scope, Filters(AUGUST_AND_SEPTEMBER)) == Figure(1, 3)
    assert listed(FEEDBACK, scope, Filters(AUGUST_AND_SEPTEMBER)) == [
        (friday.id, date(2027, 9, 1), False, "", ""),
        (tuesday.id, date(2027, 8, 31), False, "", ""),
        (thursday.id, date(2027, 8, 27), True, LATE_FEEDBACK, ""),
    ]


def test_the_stored_reason_is_there_exactly_when_the_product_s_rule_says_late(written):
    """The measures count the stored reasons: the product asks for one exactly when is_recorded_late says so."""
    for referral in db.session.scalars(select(Referral)).all():
        pairs = [
            (referral.received_at, referral.created_at, referral.receipt_late_recording_reason),
            (referral.decided_at, referral.decision_recorded_at, referral.decision_late_recording_reason),
            (referral.fed_back_on, referral.feedback_recorded_at, referral.feedback_late_recording_reason),
        ]
        for happened, recorded, reason in pairs:
            if happened is not None:
                assert bool(reason) == is_recorded_late(happened, recorded, allowed_working_days=1)


def test_written_down_late_is_the_writer_s_team_and_their_own_and_leaves_a_restricted_family_out(written):
    officer, elsewhere, tuesday, _wednesday, thursday, _friday = written
    manager = make_user("team_manager", team_name="Front door")
    assert measures.figure(FEEDBACK, scope_for(manager), Filters(AUGUST)) == Figure(1, 1)
    assert measures.figure(FEEDBACK, scope_for(elsewhere), Filters(AUGUST)) == Figure(0, 1)
    assert measures.figure(RECEIPT, scope_for(elsewhere), Filters(AUGUST)) == Figure(0, 0)
    assert measures.figure(DECISION, scope_for(officer), Filters(AUGUST)) == Figure(1, 3)
    restrict(thursday.family, named=[officer])
    head = head_scope()
    assert measures.figure(RECEIPT, head, Filters(AUGUST)) == Figure(1, 3)
    assert measures.figure(DECISION, head, Filters(AUGUST)) == Figure(0, 2)
    assert measures.figure(FEEDBACK, head, Filters(AUGUST)) == Figure(0, 1)
    assert measures.figure(DECISION, scope_for(officer), Filters(AUGUST)) == Figure(1, 3)
