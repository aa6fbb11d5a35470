"""Step-up and step-down: start a request, move it through the state machine, keep its handover plan.

No gap: the sending episode stays open, with its lead responsible, until the handover is complete; the
receiving episode opens, with its named lead, when the receiving team accepts.

Each change is a use case (earlyhelp.services.use_case): it checks every rule, changes the records, audits,
and commits, or raises Refused. The rules themselves are in earlyhelp.domain.transfers.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.domain.dates import check_in_order
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.domain.roles import RoleCode
from earlyhelp.domain.timescales import (
    Clock,
    Deadline,
    deadline_after_day,
    deadline_after_receipt,
    working_day_ends,
)
from earlyhelp.domain.transfers import (
    DECIDED_STATES,
    Actor,
    Direction,
    Evidence,
    TransferAction,
    TransferFacts,
    TransferState,
    check_letter_ready,
    check_meeting,
    check_override_authorisation,
    check_plan_open,
    next_state,
    responsible,
)
from earlyhelp.domain.transfers import allowed as _allowed
from earlyhelp.domain.transfers import may_authorise_override as _may_authorise_override
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    HandoverPlan,
    LevelOfNeed,
    NextStep,
    Role,
    Service,
    Team,
    Transfer,
    TransferChild,
    TransferEvent,
    User,
)
from earlyhelp.policy import is_team_manager, not_restricted_for, role_of
from earlyhelp.services import next_steps, recording
from earlyhelp.services.allocation import allocate
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.referrals import lead_practitioners
from earlyhelp.services.use_case import use_case

SERVICE_FOR = {Direction.STEP_UP: ("early_help", "social_care"), Direction.STEP_DOWN: ("social_care", "early_help")}
OPEN_STATES = (TransferState.DRAFT, TransferState.AWAITING_APPROVAL, TransferState.SENT, TransferState.ACCEPTED)
QUEUES = {
    "decide": "Requests to decide",
    "approve": "Awaiting my approval",
    "mine": "My requests",
    "handover": "Awaiting handover",
}
QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class ChildChoice:
    person_id: int
    included: bool
    reason_not_included: str = ""
    child_words: str = ""


# Who is asking, and what the rules need to know about a request


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, role=role_of(user), team_id=user.team_id)


def facts_of(transfer: Transfer) -> TransferFacts:
    return TransferFacts(
        state=TransferState(transfer.state),
        requested_by_id=transfer.requested_by_id,
        sending_team_id=transfer.sending_team_id,
        receiving_team_id=transfer.receiving_team_id,
        last_changed_by=transfer.state_changed_by.name,
        last_changed_at=transfer.state_changed_at,
        needs_override_authorisation=transfer.needs_override_authorisation,
        override_authorised_by=transfer.override_authorised_by.name if transfer.override_authorised_by else "",
        override_authorised_at=transfer.override_authorised_at,
    )


def plan_is_closed(transfer: Transfer) -> bool:
    try:
        check_plan_open(transfer.state)
    except Refused:
        return True
    return False


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


# What the pages show


def teams_of(service_code: str) -> list[Team]:
    return db.session.scalars(select(Team).join(Service).where(Service.code == service_code).order_by(Team.name)).all()


def start_choices(direction: Direction) -> tuple[list[LevelOfNeed], list[Team], list[User]]:
    """What a new request offers: the levels of need, the receiving teams, and (for a step-down) the people
    who can lead early help, to propose as its lead and to own its outstanding tasks."""
    levels = db.session.scalars(select(LevelOfNeed).where(LevelOfNeed.active).order_by(LevelOfNeed.number)).all()
    people = lead_practitioners() if direction is Direction.STEP_DOWN else []
    return levels, teams_of(SERVICE_FOR[direction][1]), people


def receiving_staff(transfer: Transfer) -> list[User]:
    """Who can be named to lead for the receiving team: its active members."""
    return db.session.scalars(
        select(User).where(User.team_id == transfer.receiving_team_id, User.active).order_by(User.name)
    ).all()


@dataclass(frozen=True)
class TransferPage:
    """Everything the request page shows besides the request itself."""

    actions: list[TransferAction]
    can_authorise: bool
    responsible: str
    decision_clock: Clock | None
    meeting_clock: Clock | None
    plan_steps: list[NextStep]
    tried: list[NextStep]
    receiving_staff: list[User]
    plan_open: bool
    letter_ready: bool
    today: date


def transfer_page(transfer: Transfer, user: User) -> TransferPage:
    facts, actor = facts_of(transfer), actor_of(user)
    plan = transfer.handover_plan
    family_steps = db.session.scalars(next_steps.for_family(transfer.family_id)).all()
    plan_steps = [step for step in family_steps if step.source_type == "handover_plan" and step.source_id == plan.id]
    return TransferPage(
        actions=[action for action in TransferAction if _allowed(facts, action, actor)],
        can_authorise=_may_authorise_override(facts, actor),
        responsible=responsible(TransferState(transfer.state)),
        decision_clock=decision_clock(transfer),
        meeting_clock=meeting_clock(plan),
        plan_steps=plan_steps,
        tried=[step for step in family_steps if step not in plan_steps],
        receiving_staff=receiving_staff(transfer),
        plan_open=not plan_is_closed(transfer),
        letter_ready=transfer.state in DECIDED_STATES,
        today=clock.today(),
    )


def plan_steps(transfer: Transfer, *, family_facing_only: bool = False) -> list[NextStep]:
    query = next_steps.for_source("handover_plan", transfer.handover_plan.id)
    if family_facing_only:
        query = query.where(NextStep.family_facing)
    return db.session.scalars(query).all()


def handover_summary(transfer: Transfer) -> dict:
    """What the receiving team's handover summary prints."""
    return {"transfer": transfer, "plan": transfer.handover_plan, "steps": plan_steps(transfer), "today": clock.today()}


def family_letter(transfer: Transfer) -> dict:
    """What the family's "what happens next" letter prints: only the steps the family will see."""
    check_letter_ready(transfer.state)
    return {
        "transfer": transfer,
        "plan": transfer.handover_plan,
        "steps": plan_steps(transfer, family_facing_only=True),
        "today": clock.today(),
    }


# The four working lists


def _in_queue(name: str, user: User):
    match name:
        case "decide":
            return and_(Transfer.receiving_team_id == user.team_id, Transfer.state == TransferState.SENT)
        case "approve":
            if not is_team_manager(user):
                return false()  # only managers approve
            return and_(
                Transfer.sending_team_id == user.team_id,
                Transfer.state == TransferState.AWAITING_APPROVAL,
                Transfer.requested_by_id != user.id,  # and never their own requests
            )
        case "mine":
            return and_(Transfer.requested_by_id == user.id, Transfer.state.in_([*OPEN_STATES, TransferState.DECLINED]))
        case "handover":
            return and_(
                Transfer.state == TransferState.ACCEPTED,
                or_(Transfer.receiving_team_id == user.team_id, Transfer.sending_team_id == user.team_id),
            )
    raise ValueError(name)


def queue(name: str, user: User) -> Select:
    """One of the four working lists (QUEUES), longest unchanged first; never a restricted family the person
    is not named on."""
    return (
        select(Transfer)
        .where(_in_queue(name, user), not_restricted_for(user, Transfer.family_id))
        .order_by(Transfer.state_changed_at, Transfer.id)
    )


def queue_counts(user: User) -> dict[str, int]:
    """How many requests each of the four lists holds, in one query."""
    conditions = {name: _in_queue(name, user) for name in QUEUES}
    row = db.session.execute(
        select(*(func.count(Transfer.id).filter(condition).label(name) for name, condition in conditions.items()))
        .select_from(Transfer)
        .where(or_(*conditions.values()), not_restricted_for(user, Transfer.family_id))
    ).one()
    return {name: row._mapping[name] for name in QUEUES}


@dataclass(frozen=True)
class QueuePage:
    name: str
    page: Pagination
    clocks: dict[int, Clock | None]
    counts: dict[str, int]


def queue_page(name: str, user: User, *, page: int = 1) -> QueuePage:
    """A page of one list, with each request's decision clock and every list's count."""
    query = queue(name, user).options(
        selectinload(Transfer.family).selectinload(Family.members), selectinload(Transfer.events)
    )
    # A hand-typed page number beyond any list is simply an empty page, not an offset too big for the database.
    page = min(max(page, 1), 2**31 // QUEUE_PAGE_SIZE)
    listing = db.paginate(query, page=page, per_page=QUEUE_PAGE_SIZE, error_out=False)
    today = clock.today()
    return QueuePage(
        name=name,
        page=listing,
        clocks={t.id: decision_clock(t, on=today) for t in listing.items},
        counts=queue_counts(user),
    )


def open_for_family(family_id: int) -> list[Transfer]:
    return db.session.scalars(
        select(Transfer).where(Transfer.family_id == family_id, Transfer.state.in_(OPEN_STATES)).order_by(Transfer.id)
    ).all()


# Starting a request


_SERVICE_WORDS = {"early_help": "early help", "social_care": "children's social care"}


def _check_episode(episode: Episode, direction: Direction) -> None:
    from_code = SERVICE_FOR[direction][0]
    if not episode.is_open:
        raise Refused("This involvement has ended, so no request can start from it")
    if episode.service.code != from_code:
        what = "A step-up" if direction is Direction.STEP_UP else "A step-down"
        raise Refused(f"{what} starts from an open {_SERVICE_WORDS[from_code]} episode")


def _open_request(episode: Episode) -> Transfer | None:
    return db.session.scalar(
        select(Transfer).where(Transfer.from_episode_id == episode.id, Transfer.state.in_(OPEN_STATES))
    )


def check_start(episode: Episode, direction: Direction) -> None:
    """Whether a request can start from this episode now: it is open, of the right service, with none open."""
    _check_episode(episode, direction)
    already = _open_request(episode)
    if already:
        raise Refused(f"A {already.title.lower()} request for this family is already open")


def _check_reasons(episode: Episode, fields: dict, children: list[ChildChoice]) -> None:
    """The one reason rule (domain/reasons.py) for a child left out, and for going ahead without agreement."""
    names = {child.id: child.first_name for child in episode.family.children}
    for row, child in enumerate(children):
        if not child.included:
            check_reason(
                child.reason_not_included,
                asked=f"why {names[child.person_id]} is not part of the request",
                field=f"children-{row}-reason_not_included",
            )
    if fields.get("family_agrees") is False and "override_reason" in fields:
        check_reason(
            fields["override_reason"],
            asked="the safeguarding reason for going ahead without the family's agreement",
            field="override_reason",
        )


def _by_submission_key(submission_key: str) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.submission_key == submission_key))


@use_case("start_transfer", "episode")
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
    """Begin a request as a draft, with its handover plan. The same submission key returns the same request,
    however many times the form is posted, and however close together."""
    existing = _by_submission_key(submission_key)
    if existing:
        return existing
    already = _open_request(episode)
    if already and already.submission_key == submission_key:
        return already
    check_start(episode, direction)
    now = now or clock.now()
    household = {child.id for child in episode.family.children}
    if {c.person_id for c in children} != household:
        raise Refused("Every child in the household must be included or left out with a reason")
    _check_reasons(episode, fields, children)
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
        to_service=db.session.scalar(select(Service).where(Service.code == SERVICE_FOR[direction][1])),
        sending_team_id=episode.team_id or actor.team_id,
        requested_by=actor,
        submission_key=submission_key,
        state_changed_by=actor,
        state_changed_at=now,
        created_at=now,
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
    try:
        with db.session.begin_nested():
            db.session.add(transfer)
            db.session.flush()
    except IntegrityError:
        # The same form posted twice at once: the other request saved it between our look and our save.
        existing = _by_submission_key(submission_key)
        if existing is None:
            raise
        return existing
    for step in outstanding:
        try:
            add_next_step(
                transfer.family_id,
                step,
                source_type="handover_plan",
                source_id=transfer.handover_plan.id,
                actor=actor,
                today=clock.local_date(now),
            )
        except Refused as refusal:
            raise refusal.of(f"Outstanding task “{step.what.strip()}”") from None
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


@use_case("step_down_refused", "episode")
def record_step_down_refused(episode: Episode, *, note: str, actor: User) -> None:
    """Early help is voluntary: when the family says no, the social care episode records that instead."""
    _check_episode(episode, Direction.STEP_DOWN)
    note = check_reason(note, asked="what the family said about early help", field="note")
    add_to_timeline(
        episode.family_id,
        f"Step-down to early help not made: the family did not agree. {note}",
        "episode",
        episode.id,
        actor=actor,
    )
    record_event("step_down_refused", "episode", episode.id, family_id=episode.family_id, user=actor)


# Moving a request on


def _locked(transfer_id: int) -> Transfer:
    """The request as it is now, locked until this use case ends: of two people acting at once, one waits."""
    return db.session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update(of=Transfer)
        .execution_options(populate_existing=True)
    )


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
    transfer = _locked(transfer.id)
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


_ACTIONS = {action: use_case(str(action), "transfer")(_act) for action in TransferAction}


def _notify(transfer: Transfer, action: TransferAction, actor: User) -> None:
    """Tell the people who now have something to do, or whose request came back."""
    link = link_to("transfers.show", transfer_id=transfer.id)
    reference = transfer.family.reference
    if action is TransferAction.SUBMIT:
        people = _team(transfer.sending_team_id, role=RoleCode.TEAM_MANAGER)
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
                family_id=transfer.family_id,
            )


def _team(team_id: int | None, *, role: RoleCode | None = None) -> list[User]:
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
    transfer = _locked(transfer.id)
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


# The handover plan

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


@use_case("update_handover_plan", "transfer")
def save_handover_plan(
    transfer: Transfer, *, expected_version: int, changes: dict, actor: User, now: datetime | None = None
) -> HandoverPlan:
    """Save only if nobody else has saved since this person opened the plan; otherwise Stale, with the version
    saved now, so that saving again (having read the other changes) is deliberate."""
    now = now or clock.now()
    plan = db.session.scalar(
        select(HandoverPlan)
        .where(HandoverPlan.transfer_id == transfer.id)
        .with_for_update(of=HandoverPlan)
        .execution_options(populate_existing=True)
    )
    if plan.version != expected_version:
        who = plan.updated_by.name if plan.updated_by else "Someone"
        raise Stale(
            f"{who} saved this handover plan on {clock.long_moment(plan.updated_at)}, after you opened it. "
            "Your changes are below but have not been saved. Check what they changed, then save again",
            plan.version,
        )
    check_plan_open(transfer.state)
    meeting_on = changes.get("meeting_on", plan.meeting_on)
    held = changes.get("meeting_held", plan.meeting_held)
    check_meeting(meeting_held=held, meeting_on=meeting_on, today=clock.local_date(now))
    check_in_order("handover_meeting", transfer.created_at, meeting_on)
    newly_held = held and not plan.meeting_held
    if newly_held:
        late = recording.late_reason(meeting_on, changes.get("late_recording_reason"), what="this meeting")
        plan.meeting_recorded_at, plan.meeting_late_reason = now, late
    for name in HANDOVER_FIELDS:
        if name in changes:
            setattr(plan, name, changes[name].strip() if isinstance(changes[name], str) else changes[name])
    if newly_held:
        what = "Joint visit" if plan.meeting_kind == "joint_visit" else "Handover meeting"
        add_to_timeline(
            transfer.family_id,
            f"{what} held ({transfer.title.lower()})",
            "transfer",
            transfer.id,
            actor=actor,
            at=meeting_on,
            late_reason=plan.meeting_late_reason,
        )
    plan.version += 1
    plan.updated_by, plan.updated_at = actor, now
    record_event("update", "handover_plan", plan.id, family_id=transfer.family_id, user=actor)
    return plan


@use_case("add_next_step", "transfer")
def add_handover_step(transfer: Transfer, step: NextStepInput, *, actor: User) -> NextStep:
    """A next step in the handover plan, while the plan is open (the step's own rules: services.next_steps)."""
    transfer = _locked(transfer.id)
    check_plan_open(transfer.state)
    return add_next_step(
        transfer.family_id,
        step,
        source_type="handover_plan",
        source_id=transfer.handover_plan.id,
        actor=actor,
        today=clock.today(),
    )
