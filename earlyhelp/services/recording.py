"""When it happened and when it was written down, with the service's setting (earlyhelp/domain/recording.py)."""

from datetime import date, datetime

from flask import current_app

from earlyhelp import clock
from earlyhelp.domain import recording


def allowed_working_days() -> int:
    return current_app.config["LATE_RECORDING_WORKING_DAYS"]


def is_late(happened: date | datetime, recorded: datetime | None = None) -> bool:
    return recording.is_recorded_late(happened, recorded or clock.now(), allowed_working_days=allowed_working_days())


def late_reason(
    happened: date | datetime | None,
    reason: str | None,
    *,
    what: str,
    field: str | None = None,
    recorded: date | datetime | None = None,
) -> str:
    """The reason for writing `what` down late ("" when it is not late), or Refused asking for one.

    Every use case that records something that happened earlier calls this before it writes, and passes the
    reason to add_to_timeline (which keeps both times) and to its own record where that keeps one."""
    return recording.check_recorded_in_time(
        happened,
        recorded=recorded or clock.now(),
        reason=reason,
        what=what,
        allowed_working_days=allowed_working_days(),
        field=field or recording.LATE_REASON_FIELD,
    )
