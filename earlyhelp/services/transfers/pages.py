"""What the request page and the four working lists show."""

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.domain.timescales import (
    Clock,
)
from earlyhelp.domain.transfers import (
    DECIDED_STATES,
    FRONT_DOOR,
    RECEIVING_TEAM,
    TransferAction,
    TransferState,
    event_words,
    family_position,
    responsible,
)
from earlyhelp.domain.transfers import allowed as _allowed
from earlyhelp.domain.transfers import may_authorise_override as _may_authorise_override
from earlyhelp.domain.transfers import may_pass_approval as _may_pass_approval
from earlyhelp.extensions import db
from earlyhelp.models import (
    Family,
    NextStep,
    Transfer,
    TransferEvent,
    User,
)
from earlyhelp.policy import at_front_door, is_team_manager, not_restricted_for
from earlyhelp.services import next_steps
from earlyhelp.services.transfers.common import (
    OPEN_STATES,
    actor_of,
    decision_clock,
    facts_of,
    plan_is_closed,
    receiving_staff,
)
from earlyhelp.services.transfers.decisions import managers_elsewhere, other_sending_managers
from earlyhelp.services.transfers.handover import meeting_clock

QUEUES = {
    "decide": "Requests to decide",
    "approve": "Awaiting my approval",
    "mine": "My requests",
    "handover": "Awaiting handover",
}
QUEUE_PAGE_SIZE = 25


# What the pages show


@dataclass(frozen=True)
class TransferPage:
    """Everything the request page shows besides the request itself."""

    actions: list[TransferAction]
    can_authorise: bool
    # Passing the approval to another team's manager: offered, and to whom.
    can_pass_approval: bool
    managers_elsewhere: list[User]
    # A returned draft: the manager's return (who, when, why), shown at the top.
    returned: TransferEvent | None
    responsible: str
    decision_clock: Clock | None
    meeting_clock: Clock | None
    plan_steps: list[NextStep]
    tried: list[NextStep]
    receiving_staff: list[User]
    plan_open: bool
    letter_ready: bool
    today: date
    # The history, newest first, each event in words ("Returned: ...", "Sent for approval").
    history: list[tuple[TransferEvent, str]]
    # What is true of the family's agreement ("The family has not been asked yet", "... does not agree").
    family_position: str
    # The lead the requester proposed, when they may lead for the receiving team (preselected on accepting).
    proposed_lead_id: int | None


def transfer_page(transfer: Transfer, user: User) -> TransferPage:
    facts, actor = facts_of(transfer), actor_of(user)
    plan = transfer.handover_plan
    can_pass = is_team_manager(user) and _may_pass_approval(
        facts, actor, other_managers=other_sending_managers(transfer, user)
    )
    returned = returned_by(transfer)
    staff = receiving_staff(transfer)
    proposed = transfer.proposed_lead_id if transfer.proposed_lead_id in {u.id for u in staff} else None
    family_steps = db.session.scalars(next_steps.for_family(transfer.family_id)).all()
    plan_steps = [step for step in family_steps if step.source_type == "handover_plan" and step.source_id == plan.id]
    return TransferPage(
        actions=[action for action in TransferAction if _allowed(facts, action, actor)],
        can_authorise=_may_authorise_override(facts, actor),
        can_pass_approval=can_pass,
        managers_elsewhere=managers_elsewhere(transfer) if can_pass else [],
        returned=returned,
        responsible=responsible(TransferState(transfer.state)),
        decision_clock=decision_clock(transfer),
        meeting_clock=meeting_clock(plan),
        plan_steps=plan_steps,
        tried=[step for step in family_steps if step not in plan_steps],
        receiving_staff=staff,
        plan_open=not plan_is_closed(transfer),
        letter_ready=transfer.state in DECIDED_STATES,
        today=clock.today(),
        history=[(event, event_words(event.action, event.reason)) for event in reversed(transfer.events)],
        family_position=family_position(transfer.told_family, transfer.family_agreement),
        proposed_lead_id=proposed,
    )


def returned_by(transfer: Transfer) -> TransferEvent | None:
    """A draft's return by a manager (the latest), if it was returned and not yet sent again."""
    if transfer.state != TransferState.DRAFT:
        return None
    return next((e for e in reversed(transfer.events) if e.action == TransferAction.RETURN), None)


# The four working lists


def in_queue(name: str, user: User):
    """The WHERE clause of one of the four lists for this person, before restricted families are left out."""
    match name:
        case "decide":
            # The receiving team sees what is sent to it; the front door, the step-ups for its daily meeting.
            sent = Transfer.state == TransferState.SENT
            to_team = and_(Transfer.receiving_team_id == user.team_id, Transfer.decided_by == RECEIVING_TEAM)
            if at_front_door(user):
                return and_(sent, or_(to_team, Transfer.decided_by == FRONT_DOOR))
            return and_(sent, to_team)
        case "approve":
            if not is_team_manager(user):
                return false()  # only managers approve
            return and_(
                or_(Transfer.sending_team_id == user.team_id, Transfer.approver_id == user.id),
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
        .where(in_queue(name, user), not_restricted_for(user, Transfer.family_id))
        .order_by(Transfer.state_changed_at, Transfer.id)
    )


def queue_counts(user: User) -> dict[str, int]:
    """How many requests each of the four lists holds, in one query."""
    conditions = {name: in_queue(name, user) for name in QUEUES}
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
    # A returned draft's return (who returned it), by request id.
    returned: dict[int, TransferEvent | None]


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
        returned={t.id: returned_by(t) for t in listing.items},
    )


def open_for_family(family_id: int) -> list[Transfer]:
    return db.session.scalars(
        select(Transfer).where(Transfer.family_id == family_id, Transfer.state.in_(OPEN_STATES)).order_by(Transfer.id)
    ).all()
