"""Front door measures, with exact figures from known data: period edges, the London day and bank holidays."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import RestrictedAccess
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.referrals import sign_off_decision
from tests.factories import make_household, make_user
from tests.factories_access import ensure_team
from tests.helpers import counting_statements
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
        decide(
            friday_late,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 9, 1, 9, 0),
            late_reason="Waiting for the school's information.",
        )
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
    late = [row for row in measures.rows_behind(IN_TIME, scope, filters, which=measures.Rows.ALL) if not row.counted]
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


# Shared by the other front door measure tests (tests/performance/test_front_door_*.py).


def head_scope():
    return scope_for(make_user("head_of_service", team_name=None))


def restrict(family, *, named=()):
    """Restrict a family, naming `named` on it: for everyone else it is in no figure."""
    family.restricted = True
    for user in named:
        db.session.add(RestrictedAccess(family_id=family.id, user_id=user.id, named_by_id=user.id))
    db.session.commit()


def listed(measure, scope, filters, *, which=measures.Rows.ALL):
    """(record, day, counted, detail, breakdown) for each row behind a figure, newest first."""
    return [
        (row.record_id, row.on, row.counted, row.detail, row.breakdown)
        for row in measures.rows_behind(measure, scope, filters, which=which)
    ]


LATE = measures.MEASURES["decisions_late"]


def test_decisions_made_late_are_the_decisions_not_in_time_each_with_its_reason(decisions):
    _officer, _elsewhere, friday_late = decisions
    scope = head_scope()
    assert measures.figure(LATE, scope, Filters(AUGUST)) == Figure(0, 0)
    filters = Filters(AUGUST_AND_SEPTEMBER)
    assert measures.figure(LATE, scope, filters) == Figure(1, 1)
    in_time = measures.figure(IN_TIME, scope, filters)
    assert in_time.total - in_time.counted == 1
    assert listed(LATE, scope, filters) == [
        (friday_late.id, date(2027, 9, 1), True, "Waiting for the school's information.", "")
    ]
    assert measures.count_behind(LATE, scope, filters) == 1
    assert measures.by_month(LATE, scope, filters) == [
        (date(2027, 8, 1), Figure(0, 0)),
        (date(2027, 9, 1), Figure(1, 1)),
    ]


def test_decisions_made_late_follow_the_team_the_worker_and_the_restriction(decisions):
    officer, elsewhere, friday_late = decisions
    filters = Filters(AUGUST_AND_SEPTEMBER)
    assert measures.figure(LATE, scope_for(make_user("team_manager", team_name="Early help team")), filters) == Figure(
        1, 1
    )
    assert measures.figure(LATE, scope_for(officer), filters) == Figure(1, 1)
    assert measures.figure(LATE, scope_for(elsewhere), filters) == Figure(0, 0)
    head = make_user("head_of_service", team_name=None)
    assert measures.figure(LATE, scope_for(head), Filters(AUGUST_AND_SEPTEMBER, team_id=elsewhere.team_id)) == Figure(
        0, 0
    )
    assert measures.figure(LATE, scope_for(head), Filters(AUGUST_AND_SEPTEMBER, worker_id=officer.id)) == Figure(1, 1)
    named = make_user("head_of_service", team_name=None)
    restrict(friday_late.family, named=[named])
    assert measures.figure(LATE, scope_for(head), filters) == Figure(0, 0)
    assert measures.figure(LATE, scope_for(named), filters) == Figure(1, 1)


@pytest.fixture
def signed_off(app):
    """Two decisions of no further action at level 3, which need a front door manager's sign-off: one signed off
    on its decision date, one signed off the day after it; and one made in August, signed off in September."""
    officer = make_user("front_door", team_name="Front door")
    manager = make_user("team_manager", team_name="Front door")
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        in_time = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 23, 10, 0))
        late = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 23, 10, 5))
        september = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 0))
        for referral, decided_at in (
            (in_time, london(2027, 8, 23, 11, 0)),
            (late, london(2027, 8, 23, 11, 5)),
            (september, london(2027, 8, 31, 16, 0)),
        ):
            decide(referral, "no_further_action", actor=officer, decided_at=decided_at, level_number=3)
        for referral, at in (
            (in_time, london(2027, 8, 24, 16, 0)),
            (late, london(2027, 8, 25, 9, 0)),
            (september, london(2027, 9, 1, 9, 0)),
        ):
            with time_machine.travel(at, tick=False):
                sign_off_decision(referral.id, agree=True, reason="The school's plan meets these needs.", actor=manager)
    return officer, in_time, late, september


SIGNED_OFF_LATE = "Signed off after the decision date (no reason is asked at sign-off)"


def test_a_decision_that_needed_sign_off_is_complete_on_the_day_it_was_signed_off(signed_off):
    officer, in_time, late, september = signed_off
    scope = head_scope()
    # Due Tuesday 24 August; the second, made on Monday, was signed off on Wednesday: late, as its page says.
    assert measures.figure(IN_TIME, scope, Filters(AUGUST)) == Figure(1, 2)
    assert listed(IN_TIME, scope, Filters(AUGUST)) == [
        (late.id, date(2027, 8, 25), False, SIGNED_OFF_LATE, ""),
        (in_time.id, date(2027, 8, 24), True, "", ""),
    ]
    assert listed(LATE, scope, Filters(AUGUST)) == [(late.id, date(2027, 8, 25), True, SIGNED_OFF_LATE, "")]
    # Made on Tuesday 31 August (due that day, after the bank holiday), signed off in September: a September figure.
    september_only = Filters(Period(date(2027, 9, 1), date(2027, 9, 30)))
    assert measures.figure(IN_TIME, scope, september_only) == Figure(0, 1)
    assert listed(LATE, scope, september_only) == [(september.id, date(2027, 9, 1), True, SIGNED_OFF_LATE, "")]
    # Team and worker are still the person who made the decision, not the manager who signed it off.
    assert measures.figure(IN_TIME, scope_for(officer), Filters(AUGUST_AND_SEPTEMBER)) == Figure(1, 3)


FRONT_DOOR_KEYS = [
    "decisions_in_time",
    "decisions_late",
    "feedback_given",
    "feedback_owed",
    "referral_clarity",
    "no_further_action",
    "re_referrals",
    "referrals_recorded_late",
    "decisions_recorded_late",
    "feedback_recorded_late",
]


def test_every_front_door_measure_is_on_the_dashboard_in_its_section_with_a_definition():
    front_door = [key for key, measure in measures.MEASURES.items() if measure.section == "Front door"]
    assert front_door == FRONT_DOOR_KEYS
    for key in FRONT_DOOR_KEYS:
        measure = measures.MEASURES[key]
        assert "Team and worker are those of" in measure.definition, key
        assert "London time" in measure.definition or "as recorded" in measure.definition, key


@pytest.mark.parametrize("key", FRONT_DOOR_KEYS)
def test_each_front_door_figure_trend_breakdown_and_list_is_one_statement(decisions, key):
    measure = measures.MEASURES[key]
    manager = make_user("team_manager", team_name="Early help team")
    restrict(decisions[2].family)
    scope, filters = scope_for(manager), Filters(AUGUST_AND_SEPTEMBER, worker_id=decisions[0].id)
    for ask in (
        lambda: measures.figure(measure, scope, filters),
        lambda: measures.by_month(measure, scope, filters),
        lambda: measures.by_breakdown(measure, scope, filters),
        lambda: measures.rows_behind(measure, scope, filters, which=measures.Rows.ALL, limit=10),
        lambda: measures.count_behind(measure, scope, filters, which=measures.Rows.ALL),
    ):
        with counting_statements() as count:
            ask()
        assert count() == 1


def test_a_referral_received_after_the_working_day_counts_from_the_next_and_the_bank_holiday_is_skipped(app):
    officer = make_user("front_door", team_name="Early help team")
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        # Thursday 26 August at 17:30: counted from Friday, so due Tuesday 31st (Monday is a bank holiday).
        evening = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 17, 30))
        afternoon = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 26, 16, 30))
        decide(evening, "no_further_action", actor=officer, decided_at=london(2027, 8, 31, 9, 0))
        decide(
            afternoon,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 8, 31, 9, 5),
            late_reason="The school's information came on Tuesday.",
        )
    assert (evening.decision_due_on, afternoon.decision_due_on) == (date(2027, 8, 31), date(2027, 8, 27))
    scope = head_scope()
    assert measures.figure(IN_TIME, scope, Filters(AUGUST)) == Figure(1, 2)
    assert listed(LATE, scope, Filters(AUGUST)) == [
        (afternoon.id, date(2027, 8, 31), True, "The school's information came on Tuesday.", "")
    ]
