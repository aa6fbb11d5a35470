"""The one state machine for step-up and step-down requests, with its guards. No Flask, no database.

    draft --submit--> awaiting_approval --approve--> sent --accept--> accepted --complete_handover--> handover_complete
      ^                  |                            |
      +-----return-------+                            +--decline--> declined
    draft, awaiting_approval, sent --withdraw--> withdrawn

No gap: until a request is accepted with a named receiving lead, the sending lead stays responsible.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from earlyhelp import clock
from earlyhelp.domain.status import Status


class TransferState(Status):
    DRAFT = "draft", "Draft", "grey"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval", "yellow"
    SENT = "sent", "Sent", "blue"
    ACCEPTED = "accepted", "Accepted", "green"
    DECLINED = "declined", "Declined", "red"
    WITHDRAWN = "withdrawn", "Withdrawn", "grey"
    HANDOVER_COMPLETE = "handover_complete", "Handover complete", "green"


class TransferAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    COMPLETE_HANDOVER = "complete_handover"


class Direction(StrEnum):
    STEP_UP = "step_up"
    STEP_DOWN = "step_down"


TRANSITIONS: dict[tuple[TransferState, TransferAction], TransferState] = {
    (TransferState.DRAFT, TransferAction.SUBMIT): TransferState.AWAITING_APPROVAL,
    (TransferState.AWAITING_APPROVAL, TransferAction.APPROVE): TransferState.SENT,
    (TransferState.AWAITING_APPROVAL, TransferAction.RETURN): TransferState.DRAFT,
    (TransferState.SENT, TransferAction.ACCEPT): TransferState.ACCEPTED,
    (TransferState.SENT, TransferAction.DECLINE): TransferState.DECLINED,
    (TransferState.DRAFT, TransferAction.WITHDRAW): TransferState.WITHDRAWN,
    (TransferState.AWAITING_APPROVAL, TransferAction.WITHDRAW): TransferState.WITHDRAWN,
    (TransferState.SENT, TransferAction.WITHDRAW): TransferState.WITHDRAWN,
    (TransferState.ACCEPTED, TransferAction.COMPLETE_HANDOVER): TransferState.HANDOVER_COMPLETE,
}

# What each state is called in the message someone sees when they arrive too late.
PAST_TENSE = {
    TransferState.DRAFT: "returned to draft",
    TransferState.AWAITING_APPROVAL: "sent for approval",
    TransferState.SENT: "approved and sent",
    TransferState.ACCEPTED: "accepted",
    TransferState.DECLINED: "declined",
    TransferState.WITHDRAWN: "withdrawn",
    TransferState.HANDOVER_COMPLETE: "marked handover complete",
}

REASON_NEEDED = {
    TransferAction.RETURN: "Enter the reason for returning the request",
    TransferAction.DECLINE: "Enter the reason for declining the request",
    TransferAction.WITHDRAW: "Enter the reason for withdrawing the request",
}


class TransitionRefused(Exception):
    """An action that cannot happen now; the message is for the person who tried it."""


@dataclass(frozen=True)
class Actor:
    id: int
    role: str
    team_id: int | None


@dataclass(frozen=True)
class TransferFacts:
    state: TransferState
    requested_by_id: int
    sending_team_id: int | None
    receiving_team_id: int | None
    last_changed_by: str
    last_changed_at: datetime
    needs_override_authorisation: bool = False
    override_authorised: bool = False


@dataclass(frozen=True)
class Evidence:
    """What the person acting has supplied with the action."""

    reason: str = ""
    receiving_lead_named: bool = False
    meeting_held: bool = False


def _too_late(facts: TransferFacts) -> TransitionRefused:
    when = clock.local(facts.last_changed_at)
    return TransitionRefused(
        f"This request was {PAST_TENSE[facts.state]} by {facts.last_changed_by} on {when:%-d %B %Y} at {when:%H:%M}"
    )


def _is_sending_manager(facts: TransferFacts, actor: Actor) -> bool:
    return actor.role == "team_manager" and actor.team_id == facts.sending_team_id


def next_state(
    facts: TransferFacts, action: TransferAction, actor: Actor, evidence: Evidence = Evidence()
) -> TransferState:
    """The state after `action`, or TransitionRefused saying plainly why not."""
    target = TRANSITIONS.get((facts.state, action))
    if target is None:
        raise _too_late(facts)
    if action in REASON_NEEDED and not evidence.reason.strip():
        raise TransitionRefused(REASON_NEEDED[action])
    match action:
        case TransferAction.SUBMIT:
            if actor.id != facts.requested_by_id and not _is_sending_manager(facts, actor):
                raise TransitionRefused("Only the person who wrote the request, or their manager, can send it")
        case TransferAction.APPROVE | TransferAction.RETURN:
            if not _is_sending_manager(facts, actor):
                raise TransitionRefused("Only a team manager of the sending team can approve or return this request")
            if actor.id == facts.requested_by_id:
                raise TransitionRefused("You cannot approve or return your own request. Ask another manager")
            if (
                action is TransferAction.APPROVE
                and facts.needs_override_authorisation
                and not facts.override_authorised
            ):
                raise TransitionRefused(
                    "The family has not agreed. Authorise going ahead without their agreement before approving"
                )
        case TransferAction.ACCEPT | TransferAction.DECLINE:
            if actor.team_id != facts.receiving_team_id:
                raise TransitionRefused("Only the receiving team can accept or decline this request")
            if action is TransferAction.ACCEPT and not evidence.receiving_lead_named:
                raise TransitionRefused("Select the lead who will take the case")
        case TransferAction.WITHDRAW:
            if actor.id != facts.requested_by_id and not _is_sending_manager(facts, actor):
                raise TransitionRefused("Only the person who made the request, or their manager, can withdraw it")
        case TransferAction.COMPLETE_HANDOVER:
            if actor.team_id not in (facts.receiving_team_id, facts.sending_team_id):
                raise TransitionRefused("Only the sending or receiving team can complete the handover")
            if not evidence.meeting_held:
                raise TransitionRefused("Record that the handover meeting or joint visit has happened")
            if not evidence.receiving_lead_named:
                raise TransitionRefused("Name the receiving lead before completing the handover")
    return target


def responsible(state: TransferState) -> str:
    """Who holds the case: the sender until the receiving side accepts and names its lead (no gap)."""
    return "receiving" if state in (TransferState.ACCEPTED, TransferState.HANDOVER_COMPLETE) else "sending"


def allowed(facts: TransferFacts, action: TransferAction, actor: Actor) -> bool:
    """Whether to offer `action` to this person now (the evidence is checked when they use it)."""
    try:
        next_state(facts, action, actor, Evidence(reason="-", receiving_lead_named=True, meeting_held=True))
    except TransitionRefused:
        return False
    return True
