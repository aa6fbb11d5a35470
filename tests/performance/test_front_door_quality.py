"""Referral quality by partner agency: clarity ratings, and the share of decisions that were no further action."""

from datetime import date

import pytest
import time_machine

from earlyhelp.extensions import db
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.referrals import agency_quality, rate_clarity
from tests.factories import make_household, make_user
from tests.factories_access import ensure_team
from tests.performance.test_front_door_measures import AUGUST, head_scope, listed, london, restrict
from tests.services.test_referrals import decide, referral_received

CLARITY = measures.MEASURES["referral_clarity"]
NFA = measures.MEASURES["no_further_action"]


@pytest.fixture
def quality(app):
    """From a school: received at 00:30 on 1 August (23:30 on 31 July in UTC) and rated clear, rated partly clear,
    rated not clear, and not rated; one received at 23:30 on 31 July, rated not clear. From a health visitor: two
    rated clear, one by an officer in another team. Their decisions, below."""
    officer = make_user("front_door", team_name="Front door")
    elsewhere = make_user("front_door", team_name=ensure_team("North front door", "front_door").name)
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        july = referral_received(make_household(), actor=officer, received_at=london(2027, 7, 31, 23, 30))
        clear = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 1, 0, 30))
        partly = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 2, 10, 0))
        unclear = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 3, 10, 0))
        unrated = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 4, 10, 0))
        health = [
            referral_received(
                make_household(), actor=officer, received_at=london(2027, 8, day, 10, 0), agency_name="Health visitor"
            )
            for day in (5, 6)
        ]
        for referral, clarity, by in (
            (july, "no", officer),
            (clear, "yes", officer),
            (partly, "partly", officer),
            (unclear, "no", officer),
            (health[0], "yes", officer),
            (health[1], "yes", elsewhere),
        ):
            rate_clarity(referral, clarity=clarity, note="", actor=by, now=referral.received_at)
        # Decided in August: no further action for two of the school's, advice for the third; universal services
        # for a health visitor's; the other's no further action at level 3 still waits for sign-off. The July
        # referral was decided at 23:30 on 31 July: July's.
        decide(july, "no_further_action", actor=officer, decided_at=london(2027, 7, 31, 23, 45))
        decide(clear, "no_further_action", actor=officer)
        decide(partly, "information_and_advice", actor=officer)
        decide(unclear, "no_further_action", actor=officer, decided_at=london(2027, 8, 3, 23, 30))
        decide(health[0], "universal_services", actor=elsewhere)
        decide(health[1], "no_further_action", actor=officer, level_number=3)
    db.session.commit()
    return officer, elsewhere, clear, partly, unclear, unrated, health


def test_clarity_is_the_share_rated_clear_of_those_rated_by_agency_in_the_london_month_received(quality):
    scope = head_scope()
    assert measures.figure(CLARITY, scope, Filters(AUGUST)) == Figure(3, 5)
    assert measures.by_breakdown(CLARITY, scope, Filters(AUGUST)) == [
        ("School", Figure(1, 3)),
        ("Health visitor", Figure(2, 2)),
    ]
    july = Filters(Period(date(2027, 7, 1), date(2027, 7, 31)))
    assert measures.figure(CLARITY, scope, july) == Figure(0, 1)
    _officer, _elsewhere, clear, partly, unclear, _unrated, _health = quality
    school = [row for row in listed(CLARITY, scope, Filters(AUGUST)) if row[4] == "School"]
    assert school == [
        (unclear.id, date(2027, 8, 3), False, "Not clear", "School"),
        (partly.id, date(2027, 8, 2), False, "Partly clear", "School"),
        (clear.id, date(2027, 8, 1), True, "Clear", "School"),
    ]


def test_clarity_figures_are_the_referral_quality_report_s_counts(quality):
    head = make_user("head_of_service", team_name=None)
    report = agency_quality(head, since=AUGUST.starts_at, until=london(2027, 8, 31, 12, 0))
    from_report = {
        agency: Figure(months["2027-08"]["yes"], sum(months["2027-08"].values())) for agency, months in report.items()
    }
    assert from_report == dict(measures.by_breakdown(CLARITY, scope_for(head), Filters(AUGUST)))


def test_clarity_is_the_rater_s_team_and_their_own_and_leaves_a_restricted_family_out(quality):
    officer, elsewhere, _clear, _partly, _unclear, _unrated, health = quality
    manager = make_user("team_manager", team_name="Front door")
    assert measures.figure(CLARITY, scope_for(manager), Filters(AUGUST)) == Figure(2, 4)
    assert measures.figure(CLARITY, scope_for(elsewhere), Filters(AUGUST)) == Figure(1, 1)
    assert measures.figure(CLARITY, scope_for(officer), Filters(AUGUST, worker_id=elsewhere.id)) == Figure(0, 0)
    restrict(health[0].family)
    assert measures.figure(CLARITY, head_scope(), Filters(AUGUST)) == Figure(2, 4)
    assert measures.figure(CLARITY, scope_for(manager), Filters(AUGUST)) == Figure(1, 3)


def test_no_further_action_is_the_share_of_decisions_complete_in_the_period_by_agency(quality):
    scope = head_scope()
    # Four decided in August: two of no further action; the one waiting for sign-off is not yet decided.
    assert measures.figure(NFA, scope, Filters(AUGUST)) == Figure(2, 4)
    assert measures.by_breakdown(NFA, scope, Filters(AUGUST)) == [
        ("School", Figure(2, 3)),
        ("Health visitor", Figure(0, 1)),
    ]
    _officer, _elsewhere, clear, partly, unclear, _unrated, _health = quality
    assert [row[:4] for row in listed(NFA, scope, Filters(AUGUST)) if row[4] == "School"] == [
        (unclear.id, date(2027, 8, 3), True, "No further action"),
        (partly.id, date(2027, 8, 2), False, "Information and advice"),
        (clear.id, date(2027, 8, 1), True, "No further action"),
    ]
    july = Filters(Period(date(2027, 7, 1), date(2027, 7, 31)))
    assert measures.figure(NFA, scope, july) == Figure(1, 1)


def test_no_further_action_is_the_decider_s_team_and_leaves_a_restricted_family_out(quality):
    officer, elsewhere, clear, _partly, _unclear, _unrated, _health = quality
    manager = make_user("team_manager", team_name="Front door")
    assert measures.figure(NFA, scope_for(manager), Filters(AUGUST)) == Figure(2, 3)
    assert measures.figure(NFA, scope_for(elsewhere), Filters(AUGUST)) == Figure(0, 1)
    restrict(clear.family, named=[officer])
    assert measures.figure(NFA, scope_for(manager), Filters(AUGUST)) == Figure(1, 2)
    assert measures.figure(NFA, scope_for(officer), Filters(AUGUST)) == Figure(2, 3)
