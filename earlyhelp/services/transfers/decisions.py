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
    Evidence,
    TransferAction,
    check_override_authorisation,
    next_state,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Transfer,
    TransferEvent,
    User,
)
from earlyhelp.services import family_plans
from earlyhelp.services.allocation import allocate
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.transfers import steps
from earlyhelp.services.transfers.common import actor_of, facts_of, locked, past, team_members
from earlyhelp.services.use_case import use_case

# Moving a request on


def _receiving_lead(transfer: Transfer, lead: User | int | None) -> User | None:
    """The person named to lead, if they are an active member of the receiving team; otherwise nobody."""
    if isinstance(lead, int):
        lead = db.session.get(User, lead) if 0 < lead < 2**63 else None
    if lead is None or lead.team_id != transfer.receiving_team_id or not lead.active:
        return None
    return lead


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
    lead = _receiving_lead(transfer, lead) if action is TransferAction.ACCEPT else None
    lead_named = lead is not None if action is TransferAction.ACCEPT else transfer.receiving_lead_id is not None
    evidence = Evidence(reason=reason, receiving_lead_named=lead_named, meeting_held=plan.meeting_held)
    target = next_state(facts_of(transfer), action, actor_of(actor), evidence)
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
    _notify(transfer, action, actor)
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


def _notify(transfer: Transfer, action: TransferAction, actor: User) -> None:
    """Tell the people who now have something to do, or whose request came back."""
    link = link_to("transfers.show", transfer_id=transfer.id)
    reference = transfer.family.reference
    if action is TransferAction.SUBMIT:
        people = team_members(transfer.sending_team_id, role=RoleCode.TEAM_MANAGER)
        message = f"{transfer.title} request for {reference} is waiting for your approval"
    elif action is TransferAction.APPROVE:
        people = team_members(transfer.receiving_team_id)
        message = f"{transfer.title} request for {reference} is waiting for your team's decision"
    elif action in (TransferAction.RETURN, TransferAction.DECLINE):
        people = [transfer.requested_by]
        message = f"Your {transfer.title.lower()} request for {reference} was {past(action)} by {actor.name}"
    else:
        return
    for person in people:
        if person.id != actor.id:
            notify(
                person,
                kind=f"transfer_{action}",
                message=message,
                link=link,
                dedupe_key=f"transfer:{transfer.id}:{action}:{len(transfer.events)}:{person.id}",
                family_id=transfer.family_id,
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
def authorise_override(transfer: Transfer, *, actor: User, now: datetime | None = None) -> Transfer:
    """A manager of the sending team authorises a step-up without the family's agreement, once, before approval
    (the rule: earlyhelp.domain.transfers.check_override_authorisation)."""
    transfer = locked(transfer.id)
    check_override_authorisation(facts_of(transfer), actor_of(actor))
    transfer.override_authorised_by, transfer.override_authorised_at = actor, now or clock.now()
    add_to_timeline(
        transfer.family_id,
        f"Going ahead without the family's agreement authorised by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
    )
    record_event("authorise_override", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer
