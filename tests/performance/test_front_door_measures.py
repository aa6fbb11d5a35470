"""Front door measures, with exact figures from known data: period edges, the London day and bank holidays."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters, Period
from tests.factories import make_household, make_user
from tests.factories_access import ensure_team
from tests.services.test_referrals import decide, referral_received


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
AUGUST_AND_SEPTEMBER = Period(date(2027, 8, 1), date(2027, 9, 30))
IN_TIME = measures.MEASURES["decisions_in_time"]


@pytest.fixture
def decisions(app):
    """Three referrals decided by one front door officer, one decided late, around the August bank holiday
    (Monday 30 August 2027), and one decided by an officer in another team."""
    officer = make_user("front_door", team_name="Early help team")
    other_team = ensure_team("North front door", "early_help")
    elsewhere = make_user("front_door", team_name=other_team.name)
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        friday = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 0))
        friday_late = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 5))
        late_evening = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 9, 0))
        other = referral_received(make_household(), actor=elsewhere, received_at=london(2027, 8, 26, 9, 0))
        # Due Tuesday 31 August: the Monday is a bank holiday.
        decide(friday, "no_further_action", actor=officer, decided_at=london(2027, 8, 31, 16, 0))
        decide(friday_late, "no_further_action", actor=officer, decided_at=london(2027, 9, 1, 9, 0),
               late_reason="Waiting for the school's information.")
        # 23:30 in London is 22:30 UTC: the London day, 26 August, is the day it counts on.
        decide(late_evening, "no_further_action", actor=officer, decided_at=london(2027, 8, 26, 23, 30))
        decide(other, "no_further_action", actor=elsewhere, decided_at=london(2027, 8, 26, 11, 0))
    db.session.commit()
    return officer, elsewhere, friday_late


def test_decisions_in_time_counts_by_the_london_day_and_skips_the_bank_holiday(decisions):
    head = make_user("head_of_service", team_name=None)
    scope = scope_for(head)
    assert measures.figure(IN_TIME, scope, Filters(AUGUST)) == Figure(3, 3)
    whole = measures.figure(IN_TIME, scope, Filters(AUGUST_AND_SEPTEMBER))
    assert (whole.counted, whole.total, whole.percentage) == (3, 4, 75)


def test_decisions_in_time_month_by_month_has_every_month(decisions):
    scope = scope_for(make_user("head_of_service", team_name=None))
    months = measures.by_month(IN_TIME, scope, Filters(Period(date(2027, 7, 1), date(2027, 9, 30))))
    assert months == [
        (date(2027, 7, 1), Figure(0, 0)),
        (date(2027, 8, 1), Figure(3, 3)),
        (date(2027, 9, 1), Figure(0, 1)),
    ]


def test_the_late_decision_is_listed_with_its_reason_and_the_list_count_equals_the_figure(decisions):
    _officer, _elsewhere, friday_late = decisions
    scope = scope_for(make_user("head_of_service", team_name=None))
    filters = Filters(AUGUST_AND_SEPTEMBER)
    late = [row for row in measures.rows_behind(IN_TIME, scope, filters, counted_only=False) if not row.counted]
    assert [(row.record_id, row.on, row.detail) for row in late] == [
        (friday_late.id, date(2027, 9, 1), "Waiting for the school's information.")
    ]
    assert measures.count_behind(IN_TIME, scope, filters) == measures.figure(IN_TIME, scope, filters).counted == 3


def test_a_team_manager_sees_their_team_and_an_officer_only_their_own(decisions):
    officer, elsewhere, _ = decisions
    manager = make_user("team_manager", team_name="Early help team")
    filters = Filters(AUGUST_AND_SEPTEMBER)
    assert measures.figure(IN_TIME, scope_for(manager), filters) == Figure(2, 3)
    assert measures.figure(IN_TIME, scope_for(elsewhere), filters) == Figure(1, 1)
    assert measures.figure(IN_TIME, scope_for(make_user("practitioner")), filters) == Figure(0, 0)
    assert scope_for(make_user("administrator", team_name=None)) is None


def test_a_restricted_family_is_in_no_figure_for_those_not_named_on_it(decisions):
    officer, _elsewhere, friday_late = decisions
    friday_late.family.restricted = True
    db.session.commit()
    head = make_user("head_of_service", team_name=None)
    assert measures.figure(IN_TIME, scope_for(head), Filters(AUGUST_AND_SEPTEMBER)) == Figure(3, 3)
