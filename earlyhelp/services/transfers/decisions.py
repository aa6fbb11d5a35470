"""Moving a request through the state machine: approval, the receiving team's decision, who is told."""

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.roles import RoleCode
from earlyhelp.domain.timescales import (
    deadline_after_day,
    deadline_after_receipt,
    working_day_ends,
)
from earlyhelp.domain.transfers import (
    FRONT_DOOR,
    RECEIVING_TEAM,
    Evidence,
    TransferAction,
    TransferState,
    check_override_authorisation,
    check_pass_approval,
    may_lead,
    next_state,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Role,
    Service,
    Team,
    Transfer,
    TransferEvent,
    User,
)
from earlyhelp.policy import FRONT_DOOR_SERVICE
from earlyhelp.services import family_plans
from earlyhelp.services.allocation import allocate
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.notifications import about, done_note, link_to, mark_done, notify
from earlyhelp.services.transfers import steps
from earlyhelp.services.transfers.common import actor_of, facts_of, locked, past, team_members
from earlyhelp.services.use_case import use_case

# Moving a request on


def _receiving_lead(transfer: Transfer, lead: User | int | None) -> tuple[User | None, bool]:
    """The person named to lead (None: nobody, or an id that is no one), and whether they may lead: an active
    practitioner or social worker of the receiving team (earlyhelp.domain.transfers.may_lead). A forged post
    naming anyone else is refused, never ignored."""
    if isinstance(lead, int):
        lead = db.session.get(User, lead) if 0 < lead < 2**63 else None
    if lead is None:
        return None, False
    return lead, may_lead(actor_of(lead), facts_of(transfer))


def act(
    transfer_id: int,
    action: TransferAction,
    *,
    actor: User,
    reason: str = "",
    advice: str = "",
    lead: User | int | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Apply one action of the state machine. Of two people acting at once, exactly one wins.

    `lead` (accepting): the receiving lead, as a user or as the id a form posted. Each action is its own use
    case, so a refused approval is audited as "approve", a refused acceptance as "accept".
    """
    # The request itself goes to the use case, so that a refusal's audit event names its family too.
    transfer = db.session.get(Transfer, transfer_id)
    return _ACTIONS[action](transfer, action, actor=actor, reason=reason, advice=advice, lead=lead, now=now)


def _act(
    transfer: Transfer,
    action: TransferAction,
    *,
    actor: User,
    reason: str,
    advice: str,
    lead: User | int | None,
    now: datetime | None,
) -> Transfer:
    now = now or clock.now()
    transfer = locked(transfer.id)
    plan = transfer.handover_plan
    if action is TransferAction.ACCEPT:
        lead, lead_eligible = _receiving_lead(transfer, lead)
        lead_named = lead is not None
    else:
        lead, lead_eligible, lead_named = None, True, transfer.receiving_lead_id is not None
    evidence = Evidence(
        reason=reason, receiving_lead_named=lead_named, lead_eligible=lead_eligible, meeting_held=plan.meeting_held
    )
    target = next_state(facts_of(transfer), action, actor_of(actor), evidence)
    before = TransferState(transfer.state)
    local_today = clock.local_date(now)
    config = current_app.config
    match action:
        case TransferAction.APPROVE:
            deadline = deadline_after_receipt(
                now,
                config["TIMESCALES"]["transfer_decision"],
                what="Decision",
                of_what="request",
                verb="sent",
                working_day_ends=working_day_ends(config),
            )
            transfer.decision_due_on, transfer.decision_due_explanation = deadline.due, deadline.explanation
            # Who decides is fixed when it is sent: a later change of the setting moves no request already sent.
            transfer.decided_by = decided_by(transfer, config)
        case TransferAction.ACCEPT:
            transfer.receiving_lead = lead
            transfer.decision_rationale = reason.strip()
            _open_receiving_episode(transfer, lead, actor=actor, started_on=local_today)
            if not transfer.is_step_up:
                deadline = deadline_after_day(
                    local_today,
                    config["TIMESCALES"]["step_down_handover"],
                    what="Handover meeting",
                    of_what="acceptance",
                )
                plan.meeting_due_on, plan.meeting_due_explanation = deadline.due, deadline.explanation
        case TransferAction.DECLINE:
            transfer.decision_rationale, transfer.decline_advice = reason.strip(), advice.strip()
        case TransferAction.COMPLETE_HANDOVER:
            sending = transfer.from_episode
            sending.ended_on = local_today
            sending.closure_reason = f"{transfer.title} to {transfer.to_service.name}: handover complete"
            if transfer.is_step_up:
                family_plans.close_after_step_up(transfer, actor=actor, now=now)
    transfer.events.append(
        TransferEvent(
            action=action, from_state=transfer.state, to_state=target, actor=actor, at=now, reason=reason.strip()
        )
    )
    transfer.state, transfer.state_changed_by, transfer.state_changed_at = target, actor, now
    if action in (TransferAction.ACCEPT, TransferAction.DECLINE, TransferAction.WITHDRAW):
        steps.on_decided(transfer, action, actor=actor, today=local_today)
    _notify(transfer, action, actor, before=before, now=now)
    add_to_timeline(
        transfer.family_id,
        f"{transfer.title} request {past(action)} by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event(str(action), "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


_ACTIONS = {action: use_case(str(action), "transfer")(_act) for action in TransferAction}


def decided_by(transfer: Transfer, config) -> str:
    """Who decides for the receiving side: a step-up as config STEP_UP_DECIDED_BY says (the front door's daily
    meeting, or the receiving team); a step-down always by the receiving team."""
    setting = config.get("STEP_UP_DECIDED_BY", RECEIVING_TEAM)
    if transfer.is_step_up and setting == FRONT_DOOR:
        return FRONT_DOOR
    return RECEIVING_TEAM


def approvers(transfer: Transfer) -> list[User]:
    """Who is waiting to approve: the sending team's managers, and the manager the approval was passed to."""
    people = team_members(transfer.sending_team_id, role=RoleCode.TEAM_MANAGER)
    if transfer.approver is not None and transfer.approver not in people:
        people.append(transfer.approver)
    return people


def deciders(transfer: Transfer) -> list[User]:
    """Who accepts or declines: the front door's team managers, or the receiving team's."""
    if transfer.decided_by == FRONT_DOOR:
        return db.session.scalars(
            select(User)
            .join(Role, Role.id == User.role_id)
            .join(Team, Team.id == User.team_id)
            .join(Service, Service.id == Team.service_id)
            .where(User.active, Role.code == RoleCode.TEAM_MANAGER, Service.code == FRONT_DOOR_SERVICE)
            .order_by(User.name)
        ).all()
    return team_members(transfer.receiving_team_id, role=RoleCode.TEAM_MANAGER)


# The notices that ask someone to act, and what a later action says of them.
WAITING_FOR_APPROVAL = ("transfer_submit", "transfer_pass_approval")
WAITING_FOR_DECISION = ("transfer_approve",)
_DONE = {
    TransferAction.APPROVE: ("Approved", WAITING_FOR_APPROVAL),
    TransferAction.RETURN: ("Returned", WAITING_FOR_APPROVAL),
    TransferAction.ACCEPT: ("Accepted", WAITING_FOR_DECISION),
    TransferAction.DECLINE: ("Declined", WAITING_FOR_DECISION),
    TransferAction.WITHDRAW: ("Withdrawn", WAITING_FOR_APPROVAL + WAITING_FOR_DECISION),
}


def _tell(
    transfer: Transfer, people, *, kind: str, message: str, actor: User, event: int, at: datetime | None = None
) -> None:
    """One notice each (never to the person acting, never twice to one person for one event)."""
    link = link_to("transfers.show", transfer_id=transfer.id)
    told = set()
    for person in people:
        if person is None or person.id == actor.id or person.id in told:
            continue
        told.add(person.id)
        notify(
            person,
            kind=kind,
            message=message,
            link=link,
            dedupe_key=about("transfer", transfer.id, kind, event, person.id),
            family_id=transfer.family_id,
            at=at,
        )


def _notify(transfer: Transfer, action: TransferAction, actor: User, *, before: TransferState, now: datetime) -> None:
    """Tell everyone affected: who now has something to do, whose request it was, the leads; and mark done the
    notices that asked for what has now been done, saying who did it."""
    if action in _DONE:
        what, kinds = _DONE[action]
        mark_done("transfer", transfer.id, kinds=kinds, note=done_note(what, actor, now), now=now)
    title, reference, event = transfer.title, transfer.family.reference, len(transfer.events)
    yours = f"Your {title.lower()} request for {reference} was {past(action)} by {actor.name}"
    sending_lead = transfer.from_episode.lead
    match action:
        case TransferAction.SUBMIT:
            message = f"{title} request for {reference} is waiting for your approval"
            _tell(
                transfer, approvers(transfer), kind="transfer_submit", message=message, actor=actor, event=event, at=now
            )
        case TransferAction.APPROVE:
            _tell(
                transfer,
                [transfer.requested_by],
                kind="transfer_approved",
                message=yours,
                actor=actor,
                event=event,
                at=now,
            )
            where = "the front door's daily meeting" if transfer.decided_by == FRONT_DOOR else "your team's decision"
            message = f"{title} request for {reference} is waiting for {where}"
            _tell(
                transfer, deciders(transfer), kind="transfer_approve", message=message, actor=actor, event=event, at=now
            )
        case TransferAction.RETURN:
            # What to change, as the decline notice says why: the returned request is found from the notice.
            _tell(
                transfer,
                [transfer.requested_by],
                kind="transfer_return",
                message=f"{yours}: {transfer.events[-1].reason}",
                actor=actor,
                event=event,
                at=now,
            )
        case TransferAction.ACCEPT:
            message = f"{yours}. {transfer.receiving_lead.name} is the lead for {transfer.receiving_team.name}"
            people = [transfer.requested_by, sending_lead]
            _tell(transfer, people, kind="transfer_accept", message=message, actor=actor, event=event, at=now)
            # The new lead is told by the allocation itself: "You are now the lead for <reference> (...)".
        case TransferAction.DECLINE:
            message = f"{yours}: {transfer.decision_rationale}"
            people = [transfer.requested_by, sending_lead]
            _tell(transfer, people, kind="transfer_decline", message=message, actor=actor, event=event, at=now)
        case TransferAction.WITHDRAW:
            waiting = {TransferState.AWAITING_APPROVAL: approvers, TransferState.SENT: deciders}.get(before)
            if waiting is not None:
                message = f"{title} request for {reference} was withdrawn by {actor.name}: nothing more to do"
                _tell(
                    transfer,
                    waiting(transfer),
                    kind="transfer_withdraw",
                    message=message,
                    actor=actor,
                    event=event,
                    at=now,
                )
        case TransferAction.COMPLETE_HANDOVER:
            message = f"The handover of {reference} to {transfer.receiving_team.name} is complete ({actor.name})"
            people = [sending_lead, transfer.receiving_lead]
            _tell(
                transfer, people, kind="transfer_complete_handover", message=message, actor=actor, event=event, at=now
            )


def _open_receiving_episode(transfer: Transfer, lead: User, *, actor: User, started_on: date) -> Episode:
    episode = db.session.scalar(
        select(Episode).where(
            Episode.family_id == transfer.family_id,
            Episode.service_id == transfer.to_service_id,
            Episode.ended_on.is_(None),
        )
    )
    if episode is None:
        episode = Episode(family_id=transfer.family_id, service_id=transfer.to_service_id, started_on=started_on)
        db.session.add(episode)
    episode.team_id = transfer.receiving_team_id
    allocate(episode, lead, actor=actor, on=started_on)
    return episode


@use_case("authorise_override", "transfer")
def authorise_override(
    transfer: Transfer, *, actor: User, reason: str | None = "", now: datetime | None = None
) -> Transfer:
    """A manager of the sending team (or the manager the approval was passed to) authorises a step-up without the
    family's agreement, once, before approval, with their reasoning (the rule:
    earlyhelp.domain.transfers.check_override_authorisation)."""
    transfer = locked(transfer.id)
    check_override_authorisation(facts_of(transfer), actor_of(actor), reason or "")
    transfer.override_authorised_by, transfer.override_authorised_at = actor, now or clock.now()
    transfer.override_authorisation_reason = (reason or "").strip()
    add_to_timeline(
        transfer.family_id,
        f"Going ahead without the family's agreement authorised by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
    )
    record_event("authorise_override", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


def other_sending_managers(transfer: Transfer, actor: User) -> int:
    """How many active managers of the sending team, besides the actor and the requester, could approve."""
    return sum(
        1
        for person in team_members(transfer.sending_team_id, role=RoleCode.TEAM_MANAGER)
        if person.id not in (actor.id, transfer.requested_by_id)
    )


def managers_elsewhere(transfer: Transfer) -> list[User]:
    """The team managers the approval can be passed to: every active manager of another team."""
    return db.session.scalars(
        select(User)
        .join(Role, Role.id == User.role_id)
        .where(User.active, Role.code == RoleCode.TEAM_MANAGER, User.team_id != transfer.sending_team_id)
        .order_by(User.name)
    ).all()


@use_case("pass_approval", "transfer")
def pass_approval(
    transfer: Transfer, *, actor: User, to: User | int | None, reason: str, now: datetime | None = None
) -> Transfer:
    """The only manager of the sending team passes the approval to a named manager of another team, who is told
    and may then approve, return or authorise the override (the rule: earlyhelp.domain.transfers.
    check_pass_approval)."""
    now = now or clock.now()
    transfer = locked(transfer.id)
    if isinstance(to, int):
        to = db.session.get(User, to) if 0 < to < 2**63 else None
    check_pass_approval(
        facts_of(transfer),
        actor_of(actor),
        actor_of(to) if to is not None else None,
        other_managers=other_sending_managers(transfer, actor),
        reason=reason or "",
    )
    transfer.approver, transfer.approval_passed_reason = to, reason.strip()
    db.session.flush()
    title, reference = transfer.title, transfer.family.reference
    message = f"{title} request for {reference} is waiting for your approval: {actor.name} passed it to you"
    _tell(
        transfer, [to], kind="transfer_pass_approval", message=message, actor=actor, event=len(transfer.events), at=now
    )
    add_to_timeline(
        transfer.family_id,
        f"{title} request's approval passed by {actor.name} to {to.name} ({to.team.name if to.team else ''})",
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event("pass_approval", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer
