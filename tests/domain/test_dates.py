"""The date rule table (earlyhelp/domain/dates.py): pure checks, no database. tests/test_date_rules.py walks
every rule through its use case."""

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlyhelp import clock
from earlyhelp.domain.dates import RULES, check_in_order, check_not_in_future
from earlyhelp.domain.refusals import Refused

RECEIVED = clock.at_london(date(2026, 12, 1), time(9, 0))


def test_a_decision_a_minute_before_receipt_is_refused_naming_both_moments():
    with pytest.raises(Refused) as refused:
        check_in_order("referral_decided", RECEIVED, clock.at_london(date(2026, 12, 1), time(8, 59)))
    assert refused.value.field == "decided_on"
    assert refused.value.message == (
        "The decision (Tue 1 Dec 2026 at 08:59) cannot be before the referral was received (Tue 1 Dec 2026 at 09:00)"
    )


def test_a_day_against_a_moment_is_compared_and_named_as_london_days():
    check_in_order("referral_feedback", clock.at_london(date(2026, 12, 1), time(23, 30)), date(2026, 12, 1))
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time): told on 1 July is before it.
    with pytest.raises(Refused) as refused:
        check_in_order("referral_feedback", datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 1))
    assert refused.value.message == (
        "The date the referrer was told (Wed 1 Jul 2026) cannot be before the decision (Thu 2 Jul 2026)"
    )


def test_the_same_day_is_in_order_and_a_missing_date_is_nothing_to_compare():
    check_in_order("next_step_done", date(2026, 12, 1), date(2026, 12, 1))
    check_in_order("next_step_done", None, date(2026, 12, 1))
    check_in_order("next_step_done", date(2026, 12, 1), None)


def test_every_rule_names_what_is_recorded_what_it_depends_on_and_its_field():
    for key, rule in RULES.items():
        assert rule.key == key
        assert rule.later[0].isupper() and rule.earlier[0].islower() and rule.field


def test_nothing_that_happened_is_in_the_future():
    now = clock.at_london(date(2026, 12, 1), time(12, 0))
    check_not_in_future(date(2026, 12, 1), what="The date it happened", field="happened_on", now=now)
    with pytest.raises(Refused) as refused:
        check_not_in_future(date(2026, 12, 2), what="The date it happened", field="happened_on", now=now)
    assert (refused.value.message, refused.value.field) == (
        "The date it happened (Wed 2 Dec 2026) must be today or in the past",
        "happened_on",
    )
    with pytest.raises(Refused, match="cannot be in the future"):
        check_not_in_future(
            clock.at_london(date(2026, 12, 1), time(12, 5)), what="The time it happened", field="t", now=now
        )


@given(st.sampled_from(sorted(RULES)), st.dates(), st.dates())
def test_a_pair_is_refused_exactly_when_the_later_date_is_earlier(key, first, second):
    try:
        check_in_order(key, first, second)
    except Refused as refused:
        assert second < first
        assert clock.day(first) in refused.message and clock.day(second) in refused.message
    else:
        assert second >= first
