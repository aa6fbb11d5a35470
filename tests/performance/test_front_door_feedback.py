"""Feedback to referrers: told, and still owed, for the decisions complete in the period."""

from datetime import date

import pytest
import time_machine

from earlyhelp.extensions import db
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.referrals import record_feedback
from tests.factories import make_household, make_user
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

GIVEN = measures.MEASURES["feedback_given"]
OWED = measures.MEASURES["feedback_owed"]


@pytest.fixture
def feedback(app):
    """Decided in August by a front door officer: one referrer told in August, one told in September, one never
    told; one waiting for sign-off (not yet owed feedback); decided in September and not told; and one decided
    in August by an officer in another team, from a health visitor, whose referrer was told."""
    officer = make_user("front_door", team_name="Front door")
    elsewhere = make_user("front_door", team_name=ensure_team("North front door", "front_door").name)
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        told = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 0))
        told_later = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 5))
        never = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 10))
        waiting = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 31, 9, 0))
        september = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 31, 9, 5))
        theirs = referral_received(
            make_household(), actor=elsewhere, received_at=london(2027, 8, 26, 9, 0), agency_name="Health visitor"
        )
        for referral in (told, told_later, never, theirs):
            decide(referral, "no_further_action", actor=referral.recorded_by)
        # No further action at level 3 waits for a front door manager's sign-off: the referrer is not told yet.
        decide(waiting, "no_further_action", actor=officer, level_number=3)
        # 00:30 on 1 September in London is 23:30 UTC on 31 August: it counts in September.
        decide(september, "information_and_advice", actor=officer, decided_at=london(2027, 9, 1, 0, 30))
        for referral, on, by in ((told, date(2027, 8, 27), officer), (theirs, date(2027, 8, 26), elsewhere)):
            with time_machine.travel(london(on.year, on.month, on.day, 15, 0), tick=False):
                record_feedback(referral, method="phone", told_on=on, actor=by)
        with time_machine.travel(london(2027, 9, 2, 12, 0), tick=False):
            record_feedback(told_later, method="email", told_on=date(2027, 9, 2), actor=officer)
    db.session.commit()
    return officer, elsewhere, told, told_later, never, waiting, september, theirs


def test_referrers_told_counts_every_decision_of_the_period_whose_referrer_was_told_by_now(feedback):
    scope = head_scope()
    # told, told later (in September) and theirs, of four decided in August; the one waiting for sign-off is not
    # decided, and the one decided at 00:30 on 1 September is September's.
    assert measures.figure(GIVEN, scope, Filters(AUGUST)) == Figure(3, 4)
    assert measures.by_breakdown(GIVEN, scope, Filters(AUGUST)) == [
        ("School", Figure(2, 3)),
        ("Health visitor", Figure(1, 1)),
    ]
    whole = measures.figure(GIVEN, scope, Filters(AUGUST_AND_SEPTEMBER))
    assert (whole.counted, whole.total, whole.percentage) == (3, 5, 60)


def test_feedback_still_owed_lists_who_is_waiting_to_be_told(feedback):
    _officer, _elsewhere, _told, _told_later, never, _waiting, september, _theirs = feedback
    scope = head_scope()
    assert measures.figure(OWED, scope, Filters(AUGUST)) == Figure(1, 1)
    assert listed(OWED, scope, Filters(AUGUST)) == [
        (never.id, date(2027, 8, 26), True, "Pat Teacher, School", "School")
    ]
    assert [row[0] for row in listed(OWED, scope, Filters(AUGUST_AND_SEPTEMBER))] == [september.id, never.id]
    assert measures.by_month(OWED, scope, Filters(AUGUST_AND_SEPTEMBER)) == [
        (date(2027, 8, 1), Figure(1, 1)),
        (date(2027, 9, 1), Figure(1, 1)),
    ]
    # Told and owed are the same decisions: together they are every referral decided.
    given = measures.figure(GIVEN, scope, Filters(AUGUST_AND_SEPTEMBER))
    owed = measures.figure(OWED, scope, Filters(AUGUST_AND_SEPTEMBER))
    assert given.counted + owed.counted == given.total


def test_a_decision_waiting_for_sign_off_is_owed_feedback_only_once_signed_off(feedback):
    from earlyhelp.services.referrals import sign_off_decision

    _officer, _elsewhere, _told, _told_later, _never, waiting, _september, _theirs = feedback
    manager = make_user("team_manager", team_name="Front door")
    september = Filters(Period(date(2027, 9, 1), date(2027, 9, 30)))
    assert measures.figure(OWED, head_scope(), september) == Figure(1, 1)
    with time_machine.travel(london(2027, 9, 1, 10, 0), tick=False):
        sign_off_decision(waiting.id, agree=True, reason="The school's plan meets these needs.", actor=manager)
    assert measures.figure(OWED, head_scope(), september) == Figure(2, 2)
    assert measures.figure(OWED, head_scope(), Filters(AUGUST)) == Figure(1, 1)


def test_feedback_figures_are_the_decider_s_team_and_their_own(feedback):
    officer, elsewhere, _told, _told_later, never, _waiting, _september, _theirs = feedback
    manager = make_user("team_manager", team_name="Front door")
    assert measures.figure(GIVEN, scope_for(manager), Filters(AUGUST)) == Figure(2, 3)
    assert measures.figure(GIVEN, scope_for(elsewhere), Filters(AUGUST)) == Figure(1, 1)
    assert measures.figure(OWED, scope_for(elsewhere), Filters(AUGUST)) == Figure(0, 0)
    assert measures.figure(OWED, scope_for(officer), Filters(AUGUST)) == Figure(1, 1)
    by_service = Filters(AUGUST, service_id=elsewhere.team.service_id)
    assert measures.figure(GIVEN, head_scope(), by_service) == Figure(3, 4)
    assert measures.figure(GIVEN, head_scope(), Filters(AUGUST, team_id=elsewhere.team_id)) == Figure(1, 1)
    restrict(never.family)
    assert measures.figure(OWED, scope_for(officer), Filters(AUGUST)) == Figure(0, 0)
    assert measures.figure(GIVEN, head_scope(), Filters(AUGUST)) == Figure(3, 3)
