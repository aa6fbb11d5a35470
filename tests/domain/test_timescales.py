"""Working-day timescales across weekends and the bank holidays of England and Wales."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from earlyhelp.clock import LONDON
from earlyhelp.domain.timescales import (
    Clock,
    Deadline,
    add_working_days,
    deadline_after_day,
    deadline_after_receipt,
    is_working_day,
    working_days_between,
)


def at(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def decision_due(received: datetime) -> Deadline:
    return deadline_after_receipt(received, 1, what="Decision", of_what="referral")


def test_a_monday_referral_is_due_on_tuesday_and_says_why():
    deadline = decision_due(at(2025, 12, 1))
    assert deadline.due == date(2025, 12, 2)
    assert (
        deadline.explanation
        == "Decision due Tue 2 Dec 2025: 1 working day after the referral received on Mon 1 Dec 2025"
    )


def test_a_friday_morning_referral_is_due_on_monday():
    assert decision_due(at(2025, 12, 5, 9)).due == date(2025, 12, 8)


def test_a_referral_received_late_on_a_friday_counts_from_monday_so_is_due_on_tuesday():
    deadline = decision_due(at(2025, 12, 5, 17, 45))
    assert deadline.due == date(2025, 12, 9)
    assert deadline.explanation == (
        "Decision due Tue 9 Dec 2025: 1 working day after the referral received on Fri 5 Dec 2025 at 17:45 "
        "(out of hours, so counted from Mon 8 Dec 2025)"
    )


def test_a_weekend_referral_counts_from_monday():
    deadline = decision_due(at(2025, 12, 6, 11))
    assert deadline.due == date(2025, 12, 9)
    assert "(not a working day, so counted from Mon 8 Dec 2025)" in deadline.explanation


def test_christmas_eve_referral_skips_christmas_and_boxing_day():
    assert decision_due(at(2025, 12, 24)).due == date(2025, 12, 29)


def test_christmas_when_boxing_day_falls_at_a_weekend_uses_the_substitute_day():
    # 2026: Christmas on a Friday, Boxing Day on Saturday, so Monday 28 December is the substitute holiday.
    assert decision_due(at(2026, 12, 24)).due == date(2026, 12, 29)


def test_easter_skips_good_friday_and_easter_monday():
    assert decision_due(at(2025, 4, 17)).due == date(2025, 4, 22)


def test_the_early_may_bank_holiday_is_skipped():
    assert decision_due(at(2025, 5, 2)).due == date(2025, 5, 6)


def test_the_late_august_bank_holiday_is_skipped():
    assert decision_due(at(2025, 8, 22)).due == date(2025, 8, 26)


def test_a_utc_timestamp_is_read_in_london_time():
    # 16:30 UTC in June is 17:30 in London: after the working day.
    received = datetime(2025, 6, 2, 16, 30, tzinfo=UTC)
    assert decision_due(received).due == date(2025, 6, 4)


def test_forty_five_working_days_for_an_assessment_skip_weekends_and_holidays():
    # From Mon 1 Dec 2025: 45 working days is 9 weeks plus three bank holidays (25, 26 Dec, 1 Jan).
    assert add_working_days(date(2025, 12, 1), 45) == date(2026, 2, 5)


def test_a_deadline_counted_from_a_day_explains_itself():
    deadline = deadline_after_day(date(2025, 12, 1), 10, what="Handover meeting", of_what="acceptance")
    assert (
        deadline.explanation
        == "Handover meeting due Mon 15 Dec 2025: 10 working days after acceptance on Mon 1 Dec 2025"
    )


def test_the_clock_says_due_due_today_overdue_on_time_and_late():
    deadline = Deadline(date(2025, 12, 2), "")
    assert deadline.status(today=date(2025, 12, 1)).summary == "Due Tue 2 Dec 2025 (1 working day left)"
    assert deadline.status(today=date(2025, 12, 2)).summary == "Due today"
    assert deadline.status(today=date(2025, 12, 5)).summary == "Overdue by 3 working days"
    assert deadline.status(today=date(2025, 12, 9), done_on=date(2025, 12, 2)).summary == "Done on time"
    assert deadline.status(today=date(2025, 12, 9), done_on=date(2025, 12, 3)).state == "late"
    assert (
        Clock.of(deadline, today=date(2025, 12, 9), done_on=date(2025, 12, 8)).summary == "Done late, by 4 working days"
    )


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(days, st.integers(min_value=0, max_value=60))
def test_adding_working_days_always_lands_on_a_working_day_the_right_distance_away(start, n):
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    if n:
        assert is_working_day(due)
        assert due > start


@given(days, days)
def test_working_days_between_is_antisymmetric_and_never_exceeds_calendar_days(a, b):
    assert working_days_between(a, b) == -working_days_between(b, a)
    assert abs(working_days_between(a, b)) <= abs((b - a).days)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(LONDON)))
def test_a_decision_is_never_due_on_the_day_received_and_never_more_than_a_week_later(received):
    due = decision_due(received).due
    assert due > received.date()
    assert due - received.date() <= timedelta(days=7)


def test_an_explanation_names_each_bank_holiday_it_did_not_count():
    # Received on Friday 28 August 2026 at 10:00; Monday 31 August is the late summer bank holiday.
    deadline = deadline_after_receipt(
        datetime(2026, 8, 28, 10, 0, tzinfo=LONDON), 1, what="Decision", of_what="referral"
    )
    assert deadline.due == date(2026, 9, 1)
    assert deadline.explanation == (
        "Decision due Tue 1 Sep 2026: 1 working day after the referral received on Fri 28 Aug 2026"
        ". Bank holiday not counted: Mon 31 Aug 2026, Late Summer Bank Holiday"
    )


def test_christmas_names_both_days_and_leaves_out_a_holiday_that_falls_at_a_weekend():
    deadline = deadline_after_day(date(2026, 12, 24), 2, what="Handover meeting", of_what="acceptance")
    assert deadline.due == date(2026, 12, 30)
    assert deadline.explanation.endswith(
        ". Bank holidays not counted: Fri 25 Dec 2026, Christmas Day; Mon 28 Dec 2026, Boxing Day (observed)"
    )


def test_a_clock_with_no_bank_holiday_says_nothing_of_them():
    deadline = deadline_after_day(date(2026, 12, 1), 2, what="Handover meeting", of_what="acceptance")
    assert "bank holiday" not in deadline.explanation.lower()
