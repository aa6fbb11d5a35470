"""Re-referrals within 12 months: which referrals count, the year's first and last day, and 29 February."""

from datetime import date

import pytest
import time_machine

from earlyhelp.extensions import db
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.referrals import mark_duplicate, withdraw_referral
from tests.factories import make_household, make_user
from tests.factories_access import ensure_team
from tests.performance.test_front_door_measures import AUGUST, head_scope, listed, london, restrict
from tests.services.test_referrals import referral_received

RE_REFERRALS = measures.MEASURES["re_referrals"]


@pytest.fixture
def families(app):
    """Referrals received in August 2027, about families referred before or not:

    - `year`: referred at 00:30 on 15 August 2026 (23:30 on 14 August in UTC), again on 15 August 2027: counted;
    - `over_a_year`: referred at 23:30 on 14 August 2026, again on 15 August 2027, recorded by an officer in
      another team: not counted;
    - `put_aside`: a referral withdrawn in March 2027, one on 10 August 2027, and a duplicate of it on 12 August
      (the duplicate is no referral): not counted;
    - `twice`: referred on 2 and on 20 August 2027, the second counted; the first from a health visitor."""
    officer = make_user("front_door", team_name="Front door")
    elsewhere = make_user("front_door", team_name=ensure_team("North front door", "front_door").name)
    year, over_a_year, put_aside, twice = (make_household() for _ in range(4))
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        referral_received(year, actor=officer, received_at=london(2026, 8, 15, 0, 30))
        again = referral_received(year, actor=officer, received_at=london(2027, 8, 15, 9, 0))
        referral_received(over_a_year, actor=officer, received_at=london(2026, 8, 14, 23, 30))
        not_again = referral_received(over_a_year, actor=elsewhere, received_at=london(2027, 8, 15, 9, 0))
        withdrawn = referral_received(put_aside, actor=officer, received_at=london(2027, 3, 1, 10, 0))
        withdraw_referral(
            withdrawn.id, reason="The school referred the wrong family.", actor=officer, now=london(2027, 3, 1, 11, 0)
        )
        first = referral_received(put_aside, actor=officer, received_at=london(2027, 8, 10, 10, 0))
        duplicate = referral_received(put_aside, actor=officer, received_at=london(2027, 8, 12, 10, 0))
        mark_duplicate(
            duplicate.id,
            original=first,
            reason="The same worry about attendance, from the same school.",
            actor=officer,
            now=london(2027, 8, 12, 11, 0),
        )
        early = referral_received(
            twice, actor=officer, received_at=london(2027, 8, 2, 10, 0), agency_name="Health visitor"
        )
        late = referral_received(twice, actor=officer, received_at=london(2027, 8, 20, 10, 0))
    db.session.commit()
    return officer, elsewhere, again, not_again, first, early, late


def test_a_referral_counts_as_a_re_referral_when_the_family_was_referred_in_the_year_before_it(families):
    _officer, _elsewhere, again, not_again, first, early, late = families
    scope = head_scope()
    assert measures.figure(RE_REFERRALS, scope, Filters(AUGUST)) == Figure(2, 5)
    assert [(row[0], row[1], row[2]) for row in listed(RE_REFERRALS, scope, Filters(AUGUST))] == [
        (late.id, date(2027, 8, 20), True),
        (not_again.id, date(2027, 8, 15), False),
        (again.id, date(2027, 8, 15), True),
        (first.id, date(2027, 8, 10), False),
        (early.id, date(2027, 8, 2), False),
    ]
    assert measures.by_breakdown(RE_REFERRALS, scope, Filters(AUGUST)) == [
        ("School", Figure(2, 4)),
        ("Health visitor", Figure(0, 1)),
    ]
    # The first of August's two about one family is not a re-referral whatever the period: only the second is.
    second_half = Filters(Period(date(2027, 8, 16), date(2027, 8, 31)))
    assert measures.figure(RE_REFERRALS, scope, second_half) == Figure(1, 1)


def test_re_referrals_are_the_recorder_s_team_and_leave_a_restricted_family_out(families):
    officer, elsewhere, again, _not_again, _first, _early, late = families
    manager = make_user("team_manager", team_name="Front door")
    assert measures.figure(RE_REFERRALS, scope_for(manager), Filters(AUGUST)) == Figure(2, 4)
    assert measures.figure(RE_REFERRALS, scope_for(elsewhere), Filters(AUGUST)) == Figure(0, 1)
    assert measures.figure(RE_REFERRALS, scope_for(officer), Filters(AUGUST)) == Figure(2, 4)
    restrict(late.family, named=[manager])
    assert measures.figure(RE_REFERRALS, head_scope(), Filters(AUGUST)) == Figure(1, 3)
    assert measures.figure(RE_REFERRALS, scope_for(manager), Filters(AUGUST)) == Figure(2, 4)


def test_a_year_before_29_february_begins_on_28_february(app):
    officer = make_user("front_door", team_name="Front door")
    on_the_day, the_day_before = make_household(), make_household()
    with time_machine.travel(london(2028, 3, 10, 9, 0), tick=False):
        referral_received(on_the_day, actor=officer, received_at=london(2027, 2, 28, 10, 0))
        referral_received(on_the_day, actor=officer, received_at=london(2028, 2, 29, 10, 0))
        referral_received(the_day_before, actor=officer, received_at=london(2027, 2, 27, 10, 0))
        referral_received(the_day_before, actor=officer, received_at=london(2028, 2, 29, 11, 0))
    db.session.commit()
    leap_day = Filters(Period(date(2028, 2, 29), date(2028, 2, 29)))
    assert measures.figure(RE_REFERRALS, head_scope(), leap_day) == Figure(1, 2)
