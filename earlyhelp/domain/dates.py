"""Dates in order: nothing is recorded as happening before what it depends on.

RULES is the table of every such pair in the service. Each service that records an event calls
`check_in_order(rule, earlier, later)`; the refusal names both dates, on the form field of the later one.
`tests/domain/test_date_rules.py` walks the table: each rule is tried out of order through the use case
that records it, on both engines, so a rule added here without a check in its use case fails the suite.
Add a pair here whenever a person enters a date that something else must come before.

Dates and datetimes are compared as the London day when either is a date, and to the minute when both
are datetimes (a decision at 09:05 is after a referral received at 09:00 the same day).
"""

from dataclasses import dataclass
from datetime import date, datetime

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused


@dataclass(frozen=True)
class DateRule:
    key: str
    later: str  # what is being recorded, as a message names it: "The decision"
    earlier: str  # what it depends on: "the referral was received"
    field: str  # the form field of the later date
    same_moment_allowed: bool = True


RULES = {
    rule.key: rule
    for rule in (
        DateRule("referral_decided", "The decision", "the referral was received", "decided_on"),
        DateRule("referral_feedback", "The date the referrer was told", "the decision", "fed_back_on"),
        DateRule("next_step_done", "The date it was done", "the next step was set", "done_on"),
        DateRule("next_step_closed", "The date it was closed", "the next step was set", "closed_on"),
        DateRule("handover_meeting", "The handover meeting", "the request was sent", "meeting_on"),
        DateRule("handover_meeting_unsent", "The handover meeting", "the request was made", "meeting_on"),
        DateRule("member_left", "The date they left the household", "they were born", "left_on"),
        DateRule("case_note_about_child", "The date it happened", "the child it is about was born", "happened_on"),
        DateRule("member_joined", "The date they joined the household", "they were born", "joined_on"),
        DateRule("member_left_after_joining", "The date they left the household", "they joined it", "left_on"),
    )
}


def _comparable(earlier: date | datetime, later: date | datetime) -> tuple:
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        return earlier.replace(second=0, microsecond=0), later.replace(second=0, microsecond=0)
    as_day = [clock.local_date(value) if isinstance(value, datetime) else value for value in (earlier, later)]
    return as_day[0], as_day[1]


def _shown(value: date | datetime) -> str:
    return clock.moment(value) if isinstance(value, datetime) else clock.day(value)


def check_in_order(key: str, earlier: date | datetime | None, later: date | datetime | None) -> None:
    """Refused, naming both dates, when `later` is before `earlier`. Either missing: nothing to compare."""
    rule = RULES[key]
    if earlier is None or later is None:
        return
    first, second = _comparable(earlier, later)
    if second > first or (second == first and rule.same_moment_allowed):
        return
    raise Refused(f"{rule.later} ({_shown(second)}) cannot be before {rule.earlier} ({_shown(first)})", rule.field)


def check_not_in_future(value: date | datetime | None, *, what: str, field: str, now: datetime) -> None:
    """Something recorded as having happened cannot be later than now."""
    if value is None:
        return
    if isinstance(value, datetime):
        if value > now:
            raise Refused(f"{what} ({_shown(value)}) cannot be in the future", field)
    elif value > clock.local_date(now):
        raise Refused(f"{what} ({_shown(value)}) must be today or in the past", field)
