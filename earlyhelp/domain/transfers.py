"""The one state machine for step-up and step-down requests, with its guards. No Flask, no database.

    draft --submit--> awaiting_approval --approve--> sent --accept--> accepted --complete_handover--> handover_complete
      ^                  |                            |
      +-----return-------+                            +--decline--> declined
    draft, awaiting_approval, sent --withdraw--> withdrawn

No gap: until a request is accepted with a named receiving lead, the sending lead stays responsible.

Who decides (config STEP_UP_DECIDED_BY, recorded on the request as `decided_by` when it is approved): by default a
team manager of the receiving team accepts or declines; a step-up routed to the front door is decided there, at
the daily meeting, by a front door team manager. Either way the lead named is a practitioner or social worker of
the receiving team. A sending team with no other manager can pass the approval to a named manager of another team
(the approver), who may then approve, return or authorise the override.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from earlyhelp import clock
from earlyhelp.domain.consent import check_ready_to_send
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.roles import RoleCode
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

# The actions that need a reason, and what the reason explains (by the one rule, earlyhelp/domain/reasons.py).
REASON_NEEDED = {
    TransferAction.RETURN: "why the request is being returned",
    TransferAction.DECLINE: "why the request is declined",
    TransferAction.WITHDRAW: "why the request is being withdrawn",
}
# What `allowed` supplies in place of a reason: only who may act, and when, is being asked.
_ANY_REASON = "Any reason: only whether the action is offered is being asked"

# Who decides for the receiving side (Transfer.decided_by; config STEP_UP_DECIDED_BY for step-ups).
RECEIVING_TEAM = "receiving_team"
FRONT_DOOR = "front_door"
DECIDERS = frozenset({RECEIVING_TEAM, FRONT_DOOR})
# Who can be named to lead for the receiving team: its case holders, never a manager.
LEAD_ROLES = frozenset({RoleCode.PRACTITIONER, RoleCode.SOCIAL_WORKER})

# A request whose handover plan can no longer change, and one the family can be written to about.
CLOSED_STATES = frozenset({TransferState.WITHDRAWN, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE})
DECIDED_STATES = frozenset({TransferState.ACCEPTED, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE})


@dataclass(frozen=True)
class Actor:
    id: int
    role: str
    team_id: int | None
    at_front_door: bool = False
    active: bool = True


@dataclass(frozen=True)
class TransferFacts:
    state: TransferState
    requested_by_id: int
    sending_team_id: int | None
    receiving_team_id: int | None
    last_changed_by: str
    last_changed_at: datetime
    needs_override_authorisation: bool = False
    override_authorised_by: str = ""
    override_authorised_at: datetime | None = None
    # The requester's reason for going ahead without the family's agreement (the manager's must be their own).
    override_reason: str = ""
    # Who decides for the receiving side, and the receiving team's name for the messages that say so.
    decided_by: str = RECEIVING_TEAM
    receiving_team_name: str = ""
    # The manager of another team the approval was passed to, if it was.
    approver_id: int | None = None
    # What sending it for approval and completing the handover need to know.
    is_step_up: bool = True
    family_agreement: str = "not_asked"
    # A step-down's suitability checklist, as (name, answer) pairs (None: not given), and how many outcomes it has.
    checklist: tuple[tuple[str, bool | None], ...] | None = None
    outcomes: int | None = None
    receiving_lead_named: bool = False
    meeting_held: bool = False

    @property
    def override_authorised(self) -> bool:
        return self.override_authorised_at is not None


@dataclass(frozen=True)
class Evidence:
    """What the person acting has supplied with the action."""

    reason: str = ""
    receiving_lead_named: bool = False
    # Accepting: whether the person named may lead for the receiving team (see `may_lead`).
    lead_eligible: bool = True
    meeting_held: bool = False


def _too_late(facts: TransferFacts) -> Refused:
    return Refused(
        f"This request was {PAST_TENSE[facts.state]} by {facts.last_changed_by} on "
        f"{clock.long_moment(facts.last_changed_at)}"
    )


def _is_sending_manager(facts: TransferFacts, actor: Actor) -> bool:
    return actor.role == RoleCode.TEAM_MANAGER and actor.team_id == facts.sending_team_id


def _approves(facts: TransferFacts, actor: Actor) -> bool:
    """A team manager of the sending team, or the manager of another team the approval was passed to."""
    return _is_sending_manager(facts, actor) or (
        actor.role == RoleCode.TEAM_MANAGER and facts.approver_id is not None and actor.id == facts.approver_id
    )


def _team_name(facts: TransferFacts) -> str:
    return facts.receiving_team_name or "the receiving team"


def _check_decider(facts: TransferFacts, actor: Actor) -> None:
    """Who accepts or declines: a team manager of the receiving team, or of the front door when it decides."""
    if facts.decided_by == FRONT_DOOR:
        if not (actor.role == RoleCode.TEAM_MANAGER and actor.at_front_door):
            raise Refused(
                "This request is decided at the front door's daily meeting: only a front door team manager can "
                "accept or decline it"
            )
        return
    if actor.team_id != facts.receiving_team_id:
        raise Refused("Only the receiving team can accept or decline this request")
    if actor.role != RoleCode.TEAM_MANAGER:
        raise Refused(f"Only a team manager of {_team_name(facts)} can accept or decline this request")


def may_lead(lead: Actor, facts: TransferFacts) -> bool:
    """Whether this person can be named to lead for the receiving team: an active practitioner or social worker
    of that team (not a manager, not another team)."""
    return lead.active and lead.role in LEAD_ROLES and lead.team_id == facts.receiving_team_id


def next_state(
    facts: TransferFacts, action: TransferAction, actor: Actor, evidence: Evidence = Evidence()
) -> TransferState:
    """The state after `action`, or Refused saying plainly why not (and which field to fix, if one)."""
    target = TRANSITIONS.get((facts.state, action))
    if target is None:
        raise _too_late(facts)
    match action:
        case TransferAction.SUBMIT:
            if actor.id != facts.requested_by_id and not _is_sending_manager(facts, actor):
                raise Refused("Only the person who wrote the request, or their manager, can send it")
            check_ready_to_send(
                is_step_up=facts.is_step_up,
                family_agreement=facts.family_agreement,
                checklist=dict(facts.checklist) if facts.checklist is not None else None,
                outcomes=facts.outcomes,
            )
        case TransferAction.APPROVE | TransferAction.RETURN:
            if not _approves(facts, actor):
                raise Refused("Only a team manager of the sending team can approve or return this request")
            if actor.id == facts.requested_by_id:
                raise Refused("You cannot approve or return your own request. Ask another manager")
            if (
                action is TransferAction.APPROVE
                and facts.needs_override_authorisation
                and not facts.override_authorised
            ):
                raise Refused(
                    "The family has not agreed. Authorise going ahead without their agreement before approving"
                )
        case TransferAction.ACCEPT | TransferAction.DECLINE:
            _check_decider(facts, actor)
            if action is TransferAction.ACCEPT and not evidence.receiving_lead_named:
                raise Refused("Select the lead who will take the case", "lead")
            if action is TransferAction.ACCEPT and not evidence.lead_eligible:
                raise Refused(f"Select a practitioner or social worker of {_team_name(facts)}", "lead")
        case TransferAction.WITHDRAW:
            if actor.id != facts.requested_by_id and not _is_sending_manager(facts, actor):
                raise Refused("Only the person who made the request, or their manager, can withdraw it")
        case TransferAction.COMPLETE_HANDOVER:
            if actor.team_id not in (facts.receiving_team_id, facts.sending_team_id):
                raise Refused("Only the sending or receiving team can complete the handover")
            if not evidence.meeting_held:
                raise Refused("Record that the handover meeting or joint visit has happened")
            if not evidence.receiving_lead_named:
                raise Refused("Name the receiving lead before completing the handover")
    if action in REASON_NEEDED:
        check_reason(evidence.reason, asked=REASON_NEEDED[action], field="reason")
    return target


def responsible(state: TransferState) -> str:
    """Who holds the case: the sender until the receiving side accepts and names its lead (no gap)."""
    return "receiving" if state in (TransferState.ACCEPTED, TransferState.HANDOVER_COMPLETE) else "sending"


def allowed(facts: TransferFacts, action: TransferAction, actor: Actor) -> bool:
    """Whether to offer `action` to this person now (the evidence is checked when they use it)."""
    if action is TransferAction.COMPLETE_HANDOVER:
        # What the request already holds: no "Mark handover complete" before the meeting is recorded as held.
        evidence = Evidence(receiving_lead_named=facts.receiving_lead_named, meeting_held=facts.meeting_held)
    else:
        evidence = Evidence(reason=_ANY_REASON, receiving_lead_named=True)
    try:
        next_state(facts, action, actor, evidence)
    except Refused:
        return False
    return True


OVERRIDE_REASON_ASKED = "why the request should go ahead without the family's agreement"


def check_override_authorisation(facts: TransferFacts, actor: Actor, reasoning: str | None = None) -> None:
    """A step-up without the family's agreement goes ahead only when another manager of the sending team (or the
    manager the approval was passed to) authorises it, once, while it awaits approval, with their reasoning
    (`reasoning`: None when only whether to offer it is being asked). Refused says why not."""
    if not facts.needs_override_authorisation:
        raise Refused("This request does not need a manager's authorisation")
    if facts.override_authorised:
        raise Refused(
            f"This was already authorised by {facts.override_authorised_by} on "
            f"{clock.long_moment(facts.override_authorised_at)}"
        )
    if facts.state != TransferState.AWAITING_APPROVAL:
        if facts.state == TransferState.DRAFT:
            raise Refused("Only a request awaiting approval can be authorised")
        raise _too_late(facts)
    if not _approves(facts, actor):
        raise Refused("Only a team manager of the sending team can authorise this")
    if actor.id == facts.requested_by_id:
        raise Refused("You cannot authorise your own request. Ask another manager")
    if reasoning is not None:
        check_reason(reasoning, asked=OVERRIDE_REASON_ASKED, field="authorisation_reason")
        check_own_reasoning(reasoning, facts.override_reason)


OWN_REASONING = (
    "Write your own reasoning as the authorising manager: what makes going ahead without the family's agreement"
    " safe and necessary"
)
# Openings that only agree with someone else; what follows must say something of its own.
AGREEING_OPENINGS = ("i agree", "agreed", "agree", "as above", "see above", "i concur", "concur")
OWN_WORDS_MIN = 8


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split()


def check_own_reasoning(reasoning: str, requester_reason: str) -> None:
    """A manager's authorisation is their own reasoning, not a rubber stamp. Refused when it is the requester's
    reason copied (the same words, ignoring case, spaces and punctuation), or when it starts by only agreeing
    ("I agree", "Agreed", "As above", "See above", "I concur") and says fewer than OWN_WORDS_MIN words after it."""
    words = _words(reasoning)
    if words and words == _words(requester_reason):
        raise Refused(OWN_REASONING, "authorisation_reason")
    for opening in AGREEING_OPENINGS:
        first = opening.split()
        if words[: len(first)] == first:
            if len(words) - len(first) < OWN_WORDS_MIN:
                raise Refused(OWN_REASONING, "authorisation_reason")
            break


def may_authorise_override(facts: TransferFacts, actor: Actor) -> bool:
    """Whether to offer this person the authorisation (the same rule as check_override_authorisation)."""
    try:
        check_override_authorisation(facts, actor)
    except Refused:
        return False
    return True


HANDED_ON_ASKED = "why another team's manager is to approve this request"


def check_pass_approval(
    facts: TransferFacts,
    actor: Actor,
    to: Actor | None,
    *,
    other_managers: int,
    reason: str | None = None,
) -> None:
    """A team manager of the sending team with no other manager there who could approve (`other_managers`: the
    sending team's active managers other than the actor and the requester) passes the approval to a named team
    manager of another team, with a reason. `to` None: only whether to offer it is being asked. Refused says
    why not."""
    if facts.state != TransferState.AWAITING_APPROVAL:
        if facts.state == TransferState.DRAFT:
            raise Refused("Only a request awaiting approval can be passed to another manager")
        raise _too_late(facts)
    if not _is_sending_manager(facts, actor):
        raise Refused("Only a team manager of the sending team can pass the approval to another manager")
    if other_managers:
        raise Refused("Another manager of your team can approve this request: ask them")
    if to is None:
        if reason is not None:
            raise Refused("Select the manager who will approve the request", "approver")
        return
    if to.id == actor.id:
        raise Refused("Select a manager other than yourself", "approver")
    if not to.active or to.role != RoleCode.TEAM_MANAGER or to.team_id == facts.sending_team_id:
        raise Refused("Select a team manager of another team", "approver")
    if to.id == facts.requested_by_id:
        raise Refused("Select a manager other than the person who made the request", "approver")
    check_reason(reason, asked=HANDED_ON_ASKED, field="approval_passed_reason")


def may_pass_approval(facts: TransferFacts, actor: Actor, *, other_managers: int) -> bool:
    try:
        check_pass_approval(facts, actor, None, other_managers=other_managers)
    except Refused:
        return False
    return True


def check_plan_open(state: TransferState) -> None:
    """A withdrawn, declined or completed request's handover plan is a record: it takes no more changes."""
    if state in CLOSED_STATES:
        raise Refused(f"This request is {state.label.lower()}: its handover plan is closed")


def check_meeting(*, meeting_held: bool, meeting_on: date | None, today: date) -> None:
    """A meeting or visit recorded as held has happened: its date is today or before."""
    if meeting_held and meeting_on is not None and meeting_on > today:
        raise Refused("A meeting that has happened cannot have a date in the future", "meeting_on")


def check_letter_ready(state: TransferState) -> None:
    """The family is written to once the receiving team has decided, not before."""
    if state not in DECIDED_STATES:
        raise Refused("The letter to the family can be printed once the receiving team has decided")


def family_position(told_family: str, family_agreement: str) -> str:
    """What the request page says of the family's agreement, only what is true: never "does not agree" of a
    family nobody has asked."""
    if told_family == "not_yet":
        return "The family has not been asked yet"
    if told_family == "no":
        return "The family has not been told"
    return {
        "yes": "The family agrees",
        "no": "The family does not agree",
        "partly": "The family agrees only in part",
    }.get(family_agreement, "The family has not been asked yet")


# A request's history in words: what was done, never the state it was left in.
EVENT_WORDS = {
    "create": "Created",
    "edit": "Changed",
    TransferAction.SUBMIT: "Sent for approval",
    TransferAction.APPROVE: "Approved and sent",
    TransferAction.RETURN: "Returned",
    TransferAction.ACCEPT: "Accepted",
    TransferAction.DECLINE: "Declined",
    TransferAction.WITHDRAW: "Withdrawn",
    TransferAction.COMPLETE_HANDOVER: "Handover complete",
}


def event_words(action: str, reason: str = "") -> str:
    """One history line: "Returned: Please add an outcome", "Sent for approval", "Changed" (an edit's own note,
    "Request changed", is not repeated)."""
    words = EVENT_WORDS.get(action, str(action).replace("_", " ").capitalize())
    reason = (reason or "").strip()
    if reason and action != "edit":
        return f"{words}: {reason}"
    return words
