"""The one clock: what time it is where the service works (Europe/London), and how dates are written.

Nothing else in the code asks the system for the date or time. Tests freeze or move this clock with
time-machine, which is how the suite is shown to pass on any day of the year.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """This moment, as an aware UTC datetime (what the database stores)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in London: a referral at 23:30 on 31 December is received on 31 December."""
    return now().astimezone(LONDON).date()


def local(moment: datetime) -> datetime:
    """A stored moment as London wall-clock time."""
    return moment.astimezone(LONDON)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def at_london(day: date, wall_clock: time) -> datetime:
    """A London day and wall-clock time as a UTC moment (right across the clock changes)."""
    return datetime.combine(day, wall_clock, tzinfo=LONDON).astimezone(UTC)


# How the service writes dates: one set of formats, used by pages, messages, letters and PDFs.


def day(value: date | datetime | None) -> str:
    """'Tue 1 Dec 2026': the short form used in lists, clocks and explanations."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value:%a} {value.day} {value:%b %Y}"


def long_day(value: date | datetime | None) -> str:
    """'1 December 2026': the form used in sentences and letters."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {value:%B %Y}"


def day_month(value: date) -> str:
    """'1 December': for a date in a short notice."""
    return f"{value.day} {value:%B}"


def moment(value: datetime | None) -> str:
    """'Tue 1 Dec 2026 at 14:05', in London time."""
    if value is None:
        return ""
    wall = local(value)
    return f"{day(wall)} at {wall:%H:%M}"


def long_moment(value: datetime) -> str:
    """'1 December 2026 at 14:05', in London time."""
    wall = local(value)
    return f"{long_day(wall)} at {wall:%H:%M}"
