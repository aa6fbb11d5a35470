"""Rules for a referral, its decision and the feedback to the referrer, free of Flask and the database."""

from dataclasses import dataclass
from datetime import date, datetime

from earlyhelp import clock
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused

# The form field that names the lead of each service a decision can open.
LEAD_FIELD = {"early_help": "lead_practitioner", "social_care": "social_worker"}
LEAD_WORDS = {"early_help": "a lead practitioner in an early help team", "social_care": "a social worker"}


@dataclass(frozen=True)
class ProposedLead:
    name: str
    active: bool
    leads_in: str | None  # the service whose work this person can lead ("early_help", "social_care"), if any


@dataclass(frozen=True)
class ProposedDecision:
    received_at: datetime
    decided_at: datetime
    due_on: date
    late_reason: str
    opens_service: str | None
    lead: ProposedLead | None


def is_late(decided_at: datetime, due_on: date) -> bool:
    return clock.local_date(decided_at) > due_on


def check_receipt(received_at: datetime, *, now: datetime) -> None:
    """A referral is recorded once it has arrived: it cannot have been received later than now."""
    if received_at <= now:
        return
    if clock.local_date(received_at) > clock.local_date(now):
        raise Refused("Date received must be today or in the past", "received_on")
    raise Refused("Time received must be now or in the past", "received_time")


def check_decision(proposal: ProposedDecision, *, now: datetime) -> None:
    """Raise Refused naming the field to fix, or return quietly."""
    if proposal.decided_at < proposal.received_at:
        raise Refused(
            f"The decision date must be on or after the referral was received ({clock.moment(proposal.received_at)})",
            "decided_on",
        )
    if proposal.decided_at > now:
        raise Refused("The decision date must be today or in the past", "decided_on")
    if is_late(proposal.decided_at, proposal.due_on):
        check_reason(
            proposal.late_reason,
            asked=f"why the decision was late (it was due on {clock.day(proposal.due_on)})",
            field="late_reason",
        )
    check_lead(proposal.opens_service, proposal.lead)


def check_lead(opens_service: str | None, lead: ProposedLead | None) -> None:
    """Early help opens with a named lead practitioner (the one current lead); social care may name one later.

    Whoever is named must still work here and lead that service's work.
    """
    if opens_service == "early_help" and lead is None:
        raise Refused("Select the lead practitioner who will work with the family", "lead_practitioner")
    if lead is None or opens_service is None:
        return
    field = LEAD_FIELD.get(opens_service)
    if not lead.active:
        raise Refused(f"{lead.name} can no longer be given work. Select someone else", field)
    if lead.leads_in != opens_service:
        who = LEAD_WORDS.get(opens_service, "someone else")
        raise Refused(f"{lead.name} cannot lead this work. Select {who}", field)


def check_feedback(*, decided_at: datetime | None, told_at: datetime | None, told_on: date) -> None:
    """Working Together 2023: the referrer is told the decision, so they are told only once it is made."""
    if decided_at is None:
        raise Refused("Record the decision before recording feedback to the referrer")
    if told_at is not None:
        raise Refused(f"The referrer was already told, on {clock.long_day(told_at)}")
    if told_on < clock.local_date(decided_at):
        raise Refused(
            f"Date the referrer was told must be on or after the decision ({clock.day(decided_at)})", "fed_back_on"
        )


def check_letter(*, decided_at: datetime | None) -> None:
    """The feedback letter tells the referrer the decision: there is none to print before it is made."""
    if decided_at is None:
        raise Refused("Record the decision before printing the feedback letter")
