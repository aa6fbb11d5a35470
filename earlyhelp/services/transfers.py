"""Step-up and step-down: start a request, move it through the state machine, keep its handover plan.

No gap: the sending episode stays open, with its lead responsible, until the handover is complete; the
receiving episode opens, with its named lead, when the receiving team accepts.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, select

from earlyhelp import clock
from earlyhelp.domain.timescales import (
    Clock,
    Deadline,
    deadline_after_day,
    deadline_after_receipt,
)
from earlyhelp.domain.transfers import (
    Actor,
    Direction,
    Evidence,
    TransferAction,
    TransferFacts,
    TransferState,
    TransitionRefused,
    next_state,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    HandoverPlan,
    Service,
    Team,
    Transfer,
    TransferChild,
    TransferEvent,
    User,
)
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.notifications import notify

SERVICE_FOR = {Direction.STEP_UP: ("early_help", "social_care"), Direction.STEP_DOWN: ("social_care", "early_help")}
OPEN_STATES = (TransferState.DRAFT, TransferState.AWAITING_APPROVAL, TransferState.SENT, TransferState.ACCEPTED)


class StaleEdit(Exception):
    """Someone else saved the handover plan after this person opened it."""


@dataclass(frozen=True)
class ChildChoice:
    person_id: int
    included: bool
    reason_not_included: str = ""
    child_words: str = ""


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, role=user.role.code, team_id=user.team_id)


def facts_of(transfer: Transfer) -> TransferFacts:
    return TransferFacts(
        state=TransferState(transfer.state),
        requested_by_id=transfer.requested_by_id,
        sending_team_id=transfer.sending_team_id,
        receiving_team_id=transfer.receiving_team_id,
        last_changed_by=transfer.state_changed_by.name,
        last_changed_at=transfer.state_changed_at,
        needs_override_authorisation=transfer.needs_override_authorisation,
        override_authorised=transfer.override_authorised_at is not None,
    )


def may_start_from(episode: Episode, user: User) -> bool:
    """The episode's lead, or a team manager of its team, may ask to move the family."""
    return user.id == episode.lead_id or (user.role.code == "team_manager" and user.team_id == episode.team_id)


def teams_of(service_code: str) -> list[Team]:
    return db.session.scalars(select(Team).join(Service).where(Service.code == service_code).order_by(Team.name)).all()


def decision_clock(transfer: Transfer, *, on: date | None = None) -> Clock | None:
    if transfer.decision_due_on is None:
        return None
    decided = None
    if transfer.state not in (TransferState.SENT, TransferState.DRAFT, TransferState.AWAITING_APPROVAL):
        decided = next((e.at for e in reversed(transfer.events) if e.action in ("accept", "decline")), None)
    deadline = Deadline(transfer.decision_due_on, transfer.decision_due_explanation)
    return Clock.of(deadline, today=on or clock.today(), done_on=clock.local_date(decided) if decided else None)


def meeting_clock(plan: HandoverPlan, *, on: date | None = None) -> Clock | None:
    if plan.meeting_due_on is None:
        return None
    held_on = plan.meeting_on if plan.meeting_held else None
    return Clock.of(
        Deadline(plan.meeting_due_on, plan.meeting_due_explanation), today=on or clock.today(), done_on=held_on
    )


def start(
    episode: Episode,
    *,
    direction: Direction,
    submission_key: str,
    fields: dict,
    children: list[ChildChoice],
    outstanding: list[NextStepInput],
    actor: User,
    now: datetime | None = None,
) -> Transfer:
    """Begin a request as a draft, with its handover plan. The same submission key returns the same request."""
    existing = db.session.scalar(select(Transfer).where(Transfer.submission_key == submission_key))
    if existing:
        return existing
    now = now or clock.now()
    from_code, to_code = SERVICE_FOR[direction]
    already = db.session.scalar(
        select(Transfer).where(Transfer.from_episode_id == episode.id, Transfer.state.in_(OPEN_STATES))
    )
    if already and already.submission_key == submission_key:
        return already  # the same form, posted twice
    if already:
        raise TransitionRefused(f"A {already.title.lower()} request for this family is already open")
    if not episode.is_open or episode.service.code != from_code:
        raise TransitionRefused(
            f"A {direction.replace('_', '-')} starts from an open {from_code.replace('_', ' ')} episode"
        )
    household = {child.id for child in episode.family.children}
    if {c.person_id for c in children} != household:
        raise TransitionRefused("Every child in the household must be included or left out with a reason")
    # A new request after a declined one follows on from it, so the receiving team sees the history.
    fields.setdefault(
        "previous_transfer_id",
        db.session.scalar(
            select(Transfer.id)
            .where(Transfer.from_episode_id == episode.id, Transfer.state == TransferState.DECLINED)
            .order_by(Transfer.id.desc())
            .limit(1)
        ),
    )
    transfer = Transfer(
        family_id=episode.family_id,
        direction=direction,
        state=TransferState.DRAFT,
        from_episode=episode,
        to_service=db.session.scalar(select(Service).where(Service.code == to_code)),
        sending_team_id=episode.team_id or actor.team_id,
        requested_by=actor,
        submission_key=submission_key,
        state_changed_by=actor,
        state_changed_at=now,
        **fields,
    )
    for child in children:
        transfer.children.append(
            TransferChild(
                person_id=child.person_id,
                included=child.included,
                reason_not_included="" if child.included else child.reason_not_included.strip(),
                child_words=child.child_words.strip(),
            )
        )
    transfer.events.append(
        TransferEvent(action="create", from_state=None, to_state=TransferState.DRAFT, actor=actor, at=now)
    )
    transfer.handover_plan = HandoverPlan(updated_by=actor, updated_at=now)
    db.session.add(transfer)
    db.session.flush()
    for step in outstanding:
        add_next_step(
            transfer.family_id,
            step,
            source_type="handover_plan",
            source_id=transfer.handover_plan.id,
            actor=actor,
            today=clock.local_date(now),
        )
    add_to_timeline(
        transfer.family_id,
        f"{transfer.title} request started by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event("create", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


def act(
    transfer_id: int,
    action: TransferAction,
    *,
    actor: User,
    reason: str = "",
    advice: str = "",
    lead: User | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Apply one action of the state machine. Of two people acting at once, exactly one wins."""
    now = now or clock.now()
    transfer = db.session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update(of=Transfer)
        .execution_options(populate_existing=True)
    )
    plan = transfer.handover_plan
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
                working_day_ends=config["WORKING_DAY_ENDS"],
            )
            transfer.decision_due_on, transfer.decision_due_explanation = deadline.due, deadline.explanation
        case TransferAction.ACCEPT:
            transfer.receiving_lead = lead
            transfer.decision_rationale = reason.strip()
            _open_receiving_episode(transfer, lead, started_on=local_today)
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
    transfer.events.append(
        TransferEvent(
            action=action, from_state=transfer.state, to_state=target, actor=actor, at=now, reason=reason.strip()
        )
    )
    transfer.state, transfer.state_changed_by, transfer.state_changed_at = target, actor, now
    _notify(transfer, action, actor)
    add_to_timeline(
        transfer.family_id,
        f"{transfer.title} request {_past(action)} by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event(str(action), "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


def _notify(transfer: Transfer, action: TransferAction, actor: User) -> None:
    """Tell the people who now have something to do, or whose request came back."""
    link = f"/transfers/{transfer.id}"
    reference = transfer.family.reference
    if action is TransferAction.SUBMIT:
        people = _team(transfer.sending_team_id, role="team_manager")
        message = f"{transfer.title} request for {reference} is waiting for your approval"
    elif action is TransferAction.APPROVE:
        people = _team(transfer.receiving_team_id)
        message = f"{transfer.title} request for {reference} is waiting for your team's decision"
    elif action in (TransferAction.RETURN, TransferAction.DECLINE):
        people = [transfer.requested_by]
        message = f"Your {transfer.title.lower()} request for {reference} was {_past(action)} by {actor.name}"
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
            )


def _team(team_id: int | None, *, role: str | None = None) -> list[User]:
    from earlyhelp.models import Role

    query = select(User).where(User.team_id == team_id, User.active)
    if role:
        query = query.join(Role).where(Role.code == role)
    return db.session.scalars(query).all()


def _past(action: TransferAction) -> str:
    return {
        TransferAction.SUBMIT: "sent for approval",
        TransferAction.APPROVE: "approved and sent",
        TransferAction.RETURN: "returned",
        TransferAction.ACCEPT: "accepted",
        TransferAction.DECLINE: "declined",
        TransferAction.WITHDRAW: "withdrawn",
        TransferAction.COMPLETE_HANDOVER: "handed over",
    }[action]


def _open_receiving_episode(transfer: Transfer, lead: User, *, started_on: date) -> Episode:
    existing = db.session.scalar(
        select(Episode).where(
            Episode.family_id == transfer.family_id,
            Episode.service_id == transfer.to_service_id,
            Episode.ended_on.is_(None),
        )
    )
    if existing:
        existing.lead, existing.team_id = lead, transfer.receiving_team_id
        return existing
    episode = Episode(
        family_id=transfer.family_id,
        service_id=transfer.to_service_id,
        team_id=transfer.receiving_team_id,
        lead=lead,
        started_on=started_on,
    )
    db.session.add(episode)
    return episode


def authorise_override(transfer: Transfer, *, actor: User, now: datetime | None = None) -> None:
    """A manager of the sending team authorises a step-up without the family's agreement, once, before approval."""
    if not transfer.needs_override_authorisation:
        raise TransitionRefused("This request does not need a manager's authorisation")
    if transfer.override_authorised_at is not None:
        when = clock.local(transfer.override_authorised_at)
        raise TransitionRefused(
            f"This was already authorised by {transfer.override_authorised_by.name} on {when:%-d %B %Y} at {when:%H:%M}"
        )
    if transfer.state != TransferState.AWAITING_APPROVAL:
        raise TransitionRefused("Only a request awaiting approval can be authorised")
    if actor.role.code != "team_manager" or actor.team_id != transfer.sending_team_id:
        raise TransitionRefused("Only a team manager of the sending team can authorise this")
    if actor.id == transfer.requested_by_id:
        raise TransitionRefused("You cannot authorise your own request. Ask another manager")
    transfer.override_authorised_by, transfer.override_authorised_at = actor, now or clock.now()
    add_to_timeline(
        transfer.family_id,
        f"Going ahead without the family's agreement authorised by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
    )
    record_event("authorise_override", "transfer", transfer.id, family_id=transfer.family_id, user=actor)


HANDOVER_FIELDS = (
    "meeting_kind",
    "meeting_on",
    "meeting_place",
    "attendees",
    "family_attending",
    "meeting_held",
    "information_shared",
    "family_told_what",
    "children_views",
    "contingency",
    "step_up_contact",
)


def may_work_on(transfer: Transfer, user: User) -> bool:
    """The handover plan belongs to the sending and receiving teams."""
    return user.team_id in (transfer.sending_team_id, transfer.receiving_team_id)


def plan_is_closed(transfer: Transfer) -> bool:
    return transfer.state in (TransferState.WITHDRAWN, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE)


def save_handover_plan(
    transfer: Transfer, *, expected_version: int, changes: dict, actor: User, now: datetime | None = None
) -> HandoverPlan:
    """Save only if nobody else has saved since this person opened the plan; otherwise StaleEdit."""
    plan = db.session.scalar(
        select(HandoverPlan)
        .where(HandoverPlan.transfer_id == transfer.id)
        .with_for_update(of=HandoverPlan)
        .execution_options(populate_existing=True)
    )
    if plan.version != expected_version:
        when = clock.local(plan.updated_at)
        raise StaleEdit(
            f"{plan.updated_by.name} saved this handover plan at {when:%H:%M} on {when:%-d %B %Y}, after you opened "
            "it. Your changes are below but have not been saved. Check what they changed, then save again"
        )
    if plan_is_closed(transfer):
        raise TransitionRefused(f"This request is {transfer.state.replace('_', ' ')}: its handover plan is closed")
    for name in HANDOVER_FIELDS:
        if name in changes:
            setattr(plan, name, changes[name].strip() if isinstance(changes[name], str) else changes[name])
    plan.version += 1
    plan.updated_by, plan.updated_at = actor, now or clock.now()
    record_event("update", "handover_plan", plan.id, family_id=transfer.family_id, user=actor)
    return plan


def queue(name: str, user: User) -> Select:
    """The four working lists: to decide, to approve, my requests, awaiting handover."""
    query = select(Transfer)
    match name:
        case "decide":
            query = query.where(Transfer.receiving_team_id == user.team_id, Transfer.state == TransferState.SENT)
        case "approve":
            # Only managers approve, and never their own requests.
            query = query.where(
                Transfer.sending_team_id == user.team_id,
                Transfer.state == TransferState.AWAITING_APPROVAL,
                Transfer.requested_by_id != user.id,
                user.role.code == "team_manager",
            )
        case "mine":
            query = query.where(
                Transfer.requested_by_id == user.id, Transfer.state.in_([*OPEN_STATES, TransferState.DECLINED])
            )
        case "handover":
            query = query.where(
                Transfer.state == TransferState.ACCEPTED,
                (Transfer.receiving_team_id == user.team_id) | (Transfer.sending_team_id == user.team_id),
            )
        case _:
            raise ValueError(name)
    return query.order_by(Transfer.state_changed_at, Transfer.id)


def open_for_family(family_id: int) -> list[Transfer]:
    return db.session.scalars(
        select(Transfer).where(Transfer.family_id == family_id, Transfer.state.in_(OPEN_STATES)).order_by(Transfer.id)
    ).all()


def record_step_down_refused(episode: Episode, *, note: str, actor: User) -> None:
    """Early help is voluntary: when the family says no, the social care episode records that instead."""
    add_to_timeline(
        episode.family_id,
        f"Step-down to early help not made: the family did not agree. {note.strip()}",
        "episode",
        episode.id,
        actor=actor,
    )
    record_event("step_down_refused", "episode", episode.id, family_id=episode.family_id, user=actor)
