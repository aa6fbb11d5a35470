"""When it happened, and when it was written down.

Every event keeps both. An event written down more than LATE_RECORDING_WORKING_DAYS working days (a
setting, default 1) after it happened needs a reason, and every page that shows it says how late it was
recorded ("recorded on Tue 1 Dec 2026 (3 months after)"). Timeliness is measured from when things
happened; late recording is a measure of its own (the timeline holds both times for every event).
"""

from datetime import date, datetime

from earlyhelp import clock
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.timescales import working_days_between

DEFAULT_LATE_RECORDING_WORKING_DAYS = 1
LATE_REASON_FIELD = "late_recording_reason"


def _day(value: date | datetime) -> date:
    return clock.local_date(value) if isinstance(value, datetime) else value


def is_recorded_late(happened: date | datetime, recorded: date | datetime, *, allowed_working_days: int) -> bool:
    """More than `allowed_working_days` working days between the day it happened and the day it was written."""
    return working_days_between(_day(happened), _day(recorded)) > allowed_working_days


def how_long_after(happened: date | datetime, recorded: date | datetime) -> str:
    """'3 months after', '2 weeks after', '4 days after': how long after the event it was written down."""
    first, second = _day(happened), _day(recorded)
    days = (second - first).days
    months = (second.year - first.year) * 12 + second.month - first.month - (second.day < first.day)
    if months >= 12:
        years = months // 12
        return f"{years} year{'s' if years > 1 else ''} after"
    if months >= 1:
        return f"{months} month{'s' if months > 1 else ''} after"
    if days >= 14:
        return f"{days // 7} weeks after"
    return f"{days} day{'s' if days != 1 else ''} after"


def recorded_note(happened: date | datetime, recorded: datetime) -> str:
    """'recorded on Tue 1 Dec 2026 (3 months after)'."""
    return f"recorded on {clock.day(recorded)} ({how_long_after(happened, recorded)})"


def check_recorded_in_time(
    happened: date | datetime | None,
    *,
    recorded: date | datetime,
    reason: str | None,
    what: str,
    allowed_working_days: int = DEFAULT_LATE_RECORDING_WORKING_DAYS,
    field: str = LATE_REASON_FIELD,
) -> str:
    """The reason for recording late, stripped ("" when it is not late); Refused asking for one when it is late
    and none that is a reason was given. `what` names the event: "this decision"."""
    if happened is None or not is_recorded_late(happened, recorded, allowed_working_days=allowed_working_days):
        return ""
    return check_reason(
        reason,
        asked=f"why {what} is being recorded {how_long_after(happened, recorded)} it happened",
        field=field,
    )
