"""When it happened and when it was written down (earlyhelp/domain/recording.py): pure rules, no database."""

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlyhelp import clock
from earlyhelp.domain.recording import check_recorded_in_time, how_long_after, is_recorded_late, recorded_note
from earlyhelp.domain.refusals import Refused

FRIDAY = date(2026, 8, 28)  # before the late summer bank holiday, Monday 31 August 2026


@pytest.mark.parametrize(
    ("happened", "recorded", "late"),
    [
        (FRIDAY, FRIDAY, False),
        (FRIDAY, date(2026, 8, 29), False),  # Saturday
        (FRIDAY, date(2026, 8, 31), False),  # the bank holiday is not a working day
        (FRIDAY, date(2026, 9, 1), False),  # Tuesday: the first working day after
        (FRIDAY, date(2026, 9, 2), True),  # Wednesday: two working days after
        (date(2026, 12, 1), date(2026, 12, 3), True),
    ],
)
def test_late_means_more_than_the_allowed_working_days_after_it_happened(happened, recorded, late):
    assert is_recorded_late(happened, recorded, allowed_working_days=1) is late


def test_the_allowance_is_a_setting():
    assert not is_recorded_late(date(2026, 12, 1), date(2026, 12, 4), allowed_working_days=3)
    assert is_recorded_late(date(2026, 12, 1), date(2026, 12, 2), allowed_working_days=0)


@pytest.mark.parametrize(
    ("happened", "recorded", "words"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), "0 days after"),
        (date(2026, 12, 1), date(2026, 12, 2), "1 day after"),
        (date(2026, 12, 1), date(2026, 12, 10), "9 days after"),
        (date(2026, 12, 1), date(2026, 12, 22), "3 weeks after"),
        (date(2026, 9, 2), date(2026, 12, 1), "2 months after"),  # 1 December is short of 2 December
        (date(2026, 9, 1), date(2026, 12, 1), "3 months after"),
        (date(2024, 2, 29), date(2025, 2, 28), "11 months after"),
        (date(2024, 2, 29), date(2026, 3, 1), "2 years after"),
    ],
)
def test_how_long_after_is_said_in_the_largest_whole_unit(happened, recorded, words):
    assert how_long_after(happened, recorded) == words


def test_the_note_says_the_day_it_was_written_down_and_how_long_after():
    recorded = clock.at_london(date(2026, 12, 1), time(9, 0))
    assert recorded_note(date(2026, 9, 1), recorded) == "recorded on Tue 1 Dec 2026 (3 months after)"


def test_a_late_record_without_a_reason_is_refused_asking_for_one_on_its_field():
    with pytest.raises(Refused) as refused:
        check_recorded_in_time(date(2026, 9, 1), recorded=date(2026, 12, 1), reason="", what="this decision")
    assert refused.value.field == "late_recording_reason"
    assert refused.value.message == "Explain why this decision is being recorded 3 months after it happened"


def test_a_non_answer_is_not_a_reason_for_recording_late():
    with pytest.raises(Refused, match="at least 10 characters"):
        check_recorded_in_time(date(2026, 9, 1), recorded=date(2026, 12, 1), reason="n/a", what="this decision")


def test_a_record_in_time_needs_no_reason_and_keeps_none():
    assert check_recorded_in_time(date(2026, 12, 1), recorded=date(2026, 12, 2), reason="typed anyway", what="x") == ""
    assert check_recorded_in_time(None, recorded=date(2026, 12, 2), reason="", what="x") == ""


def test_a_late_record_keeps_its_reason_stripped():
    assert (
        check_recorded_in_time(
            date(2026, 9, 1), recorded=date(2026, 12, 1), reason="  Paper notes typed up on return.  ", what="x"
        )
        == "Paper notes typed up on return."
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(min_value=0, max_value=4000))
def test_how_long_after_never_goes_backwards_and_always_names_a_unit(happened, days):
    recorded = happened + timedelta(days=days)
    words = how_long_after(happened, recorded)
    assert words.endswith(" after") and words.split()[0].isdigit()
    later = how_long_after(happened, recorded + timedelta(days=1))
    assert _size(later) >= _size(words)


def _size(words: str) -> tuple[int, int]:
    number, unit = words.split()[:2]
    return ["day", "week", "month", "year"].index(unit.rstrip("s")), int(number)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_recording_on_the_day_it_happened_is_never_late(day):
    assert not is_recorded_late(day, day, allowed_working_days=0)
