"""Rules for a referral, its decision and the feedback to the referrer, free of Flask and the database.

- A decision must fit the level of need: a table of outcomes and levels (data, DecisionRule) says which are
  allowed, which need a team manager's sign-off, and which are refused, and why (`check_fit`).
- Nothing is recorded before what it depends on (earlyhelp/domain/dates.py): the decision after receipt, the
  referrer told after the decision.
- Before a decision a referral can be put right: amended, withdrawn or marked a duplicate, each with a reason
  (`check_can_put_right`, `check_duplicate`); what changed is kept (`changes_between`).
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from earlyhelp import clock
from earlyhelp.domain.dates import check_in_order, check_not_in_future
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


def check_received_before_recorded(received_at: datetime, *, recorded_at: datetime) -> None:
    """An amended date of receipt cannot come after the referral was written down."""
    if received_at > recorded_at:
        raise Refused(
            f"The referral was recorded on {clock.moment(recorded_at)}: it cannot have been received after that",
            "received_on",
        )


def check_decision(proposal: ProposedDecision, *, now: datetime) -> None:
    """Raise Refused naming the field to fix, or return quietly."""
    check_in_order("referral_decided", proposal.received_at, proposal.decided_at)
    check_not_in_future(proposal.decided_at, what="The decision", field="decided_on", now=now)
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


class DecisionFit(StrEnum):
    """What the table of decisions and levels of need says of one combination."""

    ALLOWED = "allowed"
    SIGN_OFF = "sign_off"  # allowed once a team manager of the front door agrees, with a reason
    REFUSED = "refused"


def check_fit(fit: str | None, *, outcome: str, level: str, why: str) -> bool:
    """Whether this decision at this level needs a team manager's sign-off; Refused, saying why, if it is not
    allowed at all. `level` names the level as a sentence does ("Level 4 (Specialist)"); no rule: allowed."""
    if fit == DecisionFit.REFUSED:
        raise Refused(f"{outcome} cannot be the decision at {level}: {why}", "outcome")
    return fit == DecisionFit.SIGN_OFF


def sign_off_explanation(outcome: str, level: str, why: str) -> str:
    """'No further action at Level 3 (Targeted or complex) needs a team manager's sign-off: ...'."""
    return f"{outcome} at {level} needs a team manager's sign-off" + (f": {why}" if why else "")


STANDS = {
    "pending_sign_off": "has a decision waiting for a team manager's sign-off",
    "decided": "was decided",
    "withdrawn": "was withdrawn",
    "duplicate": "was marked as a duplicate",
}


def where_it_stands(status: str, *, who: str, when: datetime | None) -> str:
    """'This referral was withdrawn by Frankie Frontdoor on 1 December 2026 at 14:05', for any status but
    awaiting a decision: what a refusal tells someone who tried to act on it."""
    said = f"This referral {STANDS[status]}"
    if when is None:
        return said
    if status == "pending_sign_off":
        return f"{said} (recorded by {who} on {clock.long_moment(when)})"
    return f"{said} by {who} on {clock.long_moment(when)}"


def check_can_put_right(status: str, *, who: str, when: datetime | None, what: str) -> None:
    """Only before a decision: amended, withdrawn, marked a duplicate or decided. `what` is the action refused,
    as the end of a sentence ("it can no longer be amended")."""
    if status == "awaiting_decision":
        return
    raise Refused(f"{where_it_stands(status, who=who, when=when)}: {what}")


def check_duplicate(*, referral_id: int, family_id: int, original) -> None:
    """A duplicate of another referral about the same family, which is not itself put aside. `original` is
    None, or has .id, .family_id and .status."""
    if original is None or original.id == referral_id or original.family_id != family_id:
        raise Refused("Select the referral about this family that this one repeats", "original")
    if original.status in ("withdrawn", "duplicate"):
        raise Refused(
            "That referral was itself withdrawn or marked as a duplicate. Select the referral that is being worked on",
            "original",
        )


def check_sign_off(status: str, *, decided_by_id: int | None, actor_id: int, stands: str) -> None:
    """A decision waiting for sign-off, signed off by someone other than the person who made it. `stands` says
    what happened to it instead, for the second of two managers signing off at once."""
    if status != "pending_sign_off":
        raise Refused(stands)
    if decided_by_id == actor_id:
        raise Refused("You recorded this decision. Another team manager of the front door must sign it off")


def changes_between(before: dict[str, str], after: dict[str, str], labels: dict[str, str]) -> list[list[str]]:
    """[label, before, after] for each field that changed, in the order of `labels`: the history a person reads."""
    return [
        [label, before.get(name, ""), after.get(name, "")]
        for name, label in labels.items()
        if before.get(name, "") != after.get(name, "")
    ]


def check_feedback(
    *, decided_at: datetime | None, told_on_before: date | None, told_on: date, now: datetime | None = None
) -> None:
    """Working Together 2023: the referrer is told the decision, so they are told only once it is made (and
    signed off where it needed it), once, and on a day that has come."""
    if decided_at is None:
        raise Refused("Record the decision before recording feedback to the referrer")
    if told_on_before is not None:
        raise Refused(f"The referrer was already told, on {clock.long_day(told_on_before)}")
    check_in_order("referral_feedback", decided_at, told_on)
    if now is not None:
        check_not_in_future(told_on, what="The date the referrer was told", field="fed_back_on", now=now)


def check_feedback_correction(
    *, decided_at: datetime, told_on: date, method: str, was: tuple[date | None, str | None], now: datetime
) -> None:
    """A correction to feedback already recorded: in order, not ahead, and changing something."""
    if was[0] is None:
        raise Refused("There is no feedback to correct. Record that the referrer was told instead")
    check_in_order("referral_feedback", decided_at, told_on)
    check_not_in_future(told_on, what="The date the referrer was told", field="fed_back_on", now=now)
    if (told_on, method) == was:
        raise Refused("Change the date or how the referrer was told, or go back to the referral", "fed_back_on")


def check_letter(*, status: str, decided_at: datetime | None) -> None:
    """The feedback letter tells the referrer the decision: there is none to print before it is made, while it
    waits for sign-off, or for a referral withdrawn or put aside as a duplicate."""
    if status == "withdrawn":
        raise Refused("This referral was withdrawn: there is no decision, so no letter to the referrer")
    if status == "duplicate":
        raise Refused("This referral is a duplicate: the letter is sent for the referral it repeats")
    if status == "pending_sign_off":
        raise Refused("The decision is waiting for a team manager's sign-off: print the letter once it is signed off")
    if decided_at is None:
        raise Refused("Record the decision before printing the feedback letter")
