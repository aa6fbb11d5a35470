"""Rules for a referral's decision, free of Flask and the database."""

from dataclasses import dataclass
from datetime import date, datetime

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.timescales import format_day


@dataclass(frozen=True)
class ProposedDecision:
    received_at: datetime
    decided_at: datetime
    due_on: date
    late_reason: str
    opens_service: str | None
    lead_chosen: bool


def is_late(decided_at: datetime, due_on: date) -> bool:
    return clock.local_date(decided_at) > due_on


def check_decision(proposal: ProposedDecision, *, now: datetime) -> None:
    """Raise Refused naming the field to fix, or return quietly."""
    if proposal.decided_at < proposal.received_at:
        received = clock.local(proposal.received_at)
        raise Refused(
            f"The decision date must be on or after the referral was received ({format_day(received.date())}"
            f" at {received:%H:%M})",
            "decided_on",
        )
    if proposal.decided_at > now:
        raise Refused("The decision date must be today or in the past", "decided_on")
    if is_late(proposal.decided_at, proposal.due_on) and not proposal.late_reason.strip():
        raise Refused(
            f"The decision was due on {format_day(proposal.due_on)}. Enter the reason it was made late",
            "late_reason",
        )
    if proposal.opens_service == "early_help" and not proposal.lead_chosen:
        raise Refused("Select the lead practitioner who will work with the family", "lead_practitioner")
