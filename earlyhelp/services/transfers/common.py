"""What every part of a request's life shares: who is asking, what the rules need to know, the clocks."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.consent import CHECKLIST
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.roles import RoleCode
from earlyhelp.domain.timescales import (
    Clock,
    Deadline,
)
from earlyhelp.domain.transfers import (
    LEAD_ROLES,
    Actor,
    Direction,
    TransferAction,
    TransferFacts,
    TransferState,
    check_plan_open,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    Role,
    Transfer,
    User,
)
from earlyhelp.policy import at_front_door, role_of

SERVICE_FOR = {Direction.STEP_UP: ("early_help", "social_care"), Direction.STEP_DOWN: ("social_care", "early_help")}
OPEN_STATES = (TransferState.DRAFT, TransferState.AWAITING_APPROVAL, TransferState.SENT, TransferState.ACCEPTED)


@dataclass(frozen=True)
class ChildChoice:
    person_id: int
    included: bool
    reason_not_included: str = ""
    child_words: str = ""


# Who is asking, and what the rules need to know about a request


def actor_of(user: User) -> Actor:
    return Actor(
        id=user.id, role=role_of(user), team_id=user.team_id, at_front_door=at_front_door(user), active=user.active
    )


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
        override_reason=transfer.override_reason or "",
        decided_by=transfer.decided_by,
        receiving_team_name=transfer.receiving_team.name if transfer.receiving_team else "",
        approver_id=transfer.approver_id,
        is_step_up=transfer.is_step_up,
        family_agreement=transfer.family_agreement,
        checklist=None if transfer.is_step_up else tuple((name, getattr(transfer, name)) for name in CHECKLIST),
        outcomes=None if transfer.is_step_up else len(transfer.outcomes),
        receiving_lead_named=transfer.receiving_lead_id is not None,
        meeting_held=transfer.handover_plan is not None and transfer.handover_plan.meeting_held,
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


def receiving_staff(transfer: Transfer) -> list[User]:
    """Who can be named to lead for the receiving team: its active practitioners and social workers (the rule:
    earlyhelp.domain.transfers.may_lead)."""
    return db.session.scalars(
        select(User)
        .join(Role)
        .where(User.team_id == transfer.receiving_team_id, User.active, Role.code.in_(list(LEAD_ROLES)))
        .order_by(User.name)
    ).all()


def locked(transfer_id: int) -> Transfer:
    """The request as it is now, locked until this use case ends: of two people acting at once, one waits."""
    return db.session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update(of=Transfer)
        .execution_options(populate_existing=True)
    )


def team_members(team_id: int | None, *, role: RoleCode | None = None) -> list[User]:
    query = select(User).where(User.team_id == team_id, User.active)
    if role:
        query = query.join(Role).where(Role.code == role)
    return db.session.scalars(query).all()


def past(action: TransferAction) -> str:
    return {
        TransferAction.SUBMIT: "sent for approval",
        TransferAction.APPROVE: "approved and sent",
        TransferAction.RETURN: "returned",
        TransferAction.ACCEPT: "accepted",
        TransferAction.DECLINE: "declined",
        TransferAction.WITHDRAW: "withdrawn",
        TransferAction.COMPLETE_HANDOVER: "handed over",
    }[action]
