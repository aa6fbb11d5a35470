"""Working-day timescales, each able to say why it is due.

Working days skip weekends and the bank holidays of England and Wales, taken from the maintained
`holidays` library rather than a hand-written list. Every number of days is a setting; the defaults
and their sources live in DEFAULT_TIMESCALES.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from earlyhelp import clock
from earlyhelp.clock import day as format_day

# Working days unless the name says otherwise.
DEFAULT_TIMESCALES = {
    # Working Together to Safeguard Children 2023: decide within one working day of receipt, and tell the referrer.
    "referral_decision": 1,
    # Working Together 2023: a child and family assessment within 45 working days of the referral.
    "assessment": 45,
    # Local protocol: the receiving team decides a step-up or step-down request within one working day.
    "transfer_decision": 1,
    # Local protocol (10 working days is a common choice): step-down handover meeting after acceptance.
    "step_down_handover": 10,
    # Local protocol (one council's rule): the family has its own copy of the plan within 15 working days of it
    # being agreed (or, if no agreement is recorded, of the draft being started).
    "family_copy": 15,
}
# A referral received after this local time is counted from the next working day.
DEFAULT_WORKING_DAY_ENDS = time(17, 0)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=[year - 1, year, year + 1])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_day_ends(config) -> time | None:
    """When receipt stops counting as today, from the settings: WORKING_DAY_ENDS, or None when
    OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY is off."""
    return config["WORKING_DAY_ENDS"] if config["OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY"] else None


def bank_holidays_between(first: date, last: date) -> list[tuple[date, str]]:
    """The bank holidays on weekdays from `first` to `last`, both included, with their names: the days a
    clock skipped that a reader would not skip in their head."""
    days = []
    for year in range(first.year, last.year + 1):
        days += [(day, name) for day, name in _bank_holidays(year).items() if first <= day <= last]
    return sorted((day, name) for day, name in dict(days).items() if day.weekday() < 5)


def _skipped(first: date, last: date) -> str:
    """'. Bank holidays not counted: Mon 31 Aug 2026, Late Summer Bank Holiday', or nothing."""
    skipped = bank_holidays_between(first, last)
    if not skipped:
        return ""
    listed = "; ".join(f"{format_day(day)}, {name}" for day, name in skipped)
    return f". Bank holiday{'s' if len(skipped) > 1 else ''} not counted: {listed}"


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    for _ in range(days):
        day = next_working_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class Deadline:
    """A due date and the sentence that explains it to a practitioner."""

    due: date
    explanation: str

    def status(self, today: date, done_on: date | None = None) -> "Clock":
        return Clock.of(self, today=today, done_on=done_on)


@dataclass(frozen=True)
class Clock:
    """Where a deadline stands: due, overdue by how many working days, or done on time or late."""

    due: date
    state: str  # due, due_today, overdue, on_time, late
    working_days: int  # how far past (overdue or late) or how long left (due)

    @classmethod
    def of(cls, deadline: Deadline, *, today: date, done_on: date | None = None) -> "Clock":
        if done_on is not None:
            late_by = working_days_between(deadline.due, done_on)
            return cls(deadline.due, "late" if late_by > 0 else "on_time", max(late_by, 0))
        if today > deadline.due:
            return cls(deadline.due, "overdue", working_days_between(deadline.due, today))
        if today == deadline.due:
            return cls(deadline.due, "due_today", 0)
        return cls(deadline.due, "due", working_days_between(today, deadline.due))

    @property
    def summary(self) -> str:
        days = f"{self.working_days} working day{'s' if self.working_days != 1 else ''}"
        return {
            "due": f"Due {format_day(self.due)} ({days} left)",
            "due_today": "Due today",
            "overdue": f"Overdue by {days}",
            "on_time": "Done on time",
            "late": f"Done late, by {days}",
        }[self.state]


def clock_start(received: datetime, *, working_day_ends: time | None = DEFAULT_WORKING_DAY_ENDS) -> tuple[date, bool]:
    """The working day a clock starts from, and whether receipt was moved to it.

    Something received at a weekend, on a bank holiday or after the working day ends counts as received
    on the next working day: a Friday-evening referral is not due on Monday morning. With no end to the
    working day (None), only weekends and bank holidays move it.
    """
    local = clock.local(received)
    day = local.date()
    if is_working_day(day) and (working_day_ends is None or local.time() < working_day_ends):
        return day, False
    return next_working_day(day), True


def deadline_after_receipt(
    received: datetime,
    days: int,
    *,
    what: str,
    of_what: str,
    verb: str = "received",
    working_day_ends: time | None = DEFAULT_WORKING_DAY_ENDS,
) -> Deadline:
    """'Decision due Tue 2 Dec 2025: 1 working day after the referral received on Mon 1 Dec 2025'."""
    start, moved = clock_start(received, working_day_ends=working_day_ends)
    due = add_working_days(start, days)
    local = clock.local(received)
    unit = f"{days} working day{'s' if days != 1 else ''}"
    explanation = f"{what} due {format_day(due)}: {unit} after the {of_what} {verb} on {format_day(local.date())}"
    if moved:
        reason = "out of hours" if is_working_day(local.date()) else "not a working day"
        explanation += f" at {local:%H:%M} ({reason}, so counted from {format_day(start)})"
    return Deadline(due, explanation + _skipped(local.date(), due))


def deadline_after_day(start: date, days: int, *, what: str, of_what: str) -> Deadline:
    """A deadline counted from a day rather than a moment: 'Handover meeting due ...: 10 working days after ...'."""
    due = add_working_days(start, days)
    unit = f"{days} working day{'s' if days != 1 else ''}"
    return Deadline(
        due, f"{what} due {format_day(due)}: {unit} after {of_what} on {format_day(start)}" + _skipped(start, due)
    )
