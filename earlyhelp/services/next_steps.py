"""Next steps: the one way an action with an owner and a due date is written, wherever it comes from."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepStatus, OwnerKind, User
from earlyhelp.services.audit import record_event


class NextStepRefused(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NextStepInput:
    what: str
    owner_kind: str
    due_on: date | None
    owner_user_id: int | None = None
    owner_name: str = ""
    owner_agency: str = ""
    family_facing: bool = False


def add_next_step(
    family_id: int, step: NextStepInput, *, source_type: str, source_id: int | None, actor: User, today: date
) -> NextStep:
    """Refuses a next step without a what, an owner or a due date in the future, saying which is missing."""
    if not step.what.strip():
        raise NextStepRefused("Enter what needs to happen", "what")
    if step.owner_kind == OwnerKind.USER:
        owner = db.session.get(User, step.owner_user_id) if step.owner_user_id else None
        if owner is None or not owner.active:
            raise NextStepRefused("Select who will do it", "owner_user")
    elif step.owner_kind in (OwnerKind.FAMILY_MEMBER, OwnerKind.PARTNER):
        if not step.owner_name.strip():
            raise NextStepRefused("Enter the name of the person who will do it", "owner_name")
    else:
        raise NextStepRefused("Select who will do it", "owner_kind")
    if step.due_on is None:
        raise NextStepRefused("Enter the date it needs to be done by", "due_on")
    if step.due_on < today:
        raise NextStepRefused("The date it needs to be done by must be today or in the future", "due_on")
    next_step = NextStep(
        family_id=family_id,
        what=step.what.strip(),
        owner_kind=step.owner_kind,
        owner_user_id=step.owner_user_id if step.owner_kind == OwnerKind.USER else None,
        owner_name=step.owner_name.strip(),
        owner_agency=step.owner_agency.strip(),
        due_on=step.due_on,
        status=NextStepStatus.OPEN,
        source_type=source_type,
        source_id=source_id,
        family_facing=step.family_facing,
        created_by_id=actor.id,
    )
    db.session.add(next_step)
    db.session.flush()
    record_event("create", "next_step", next_step.id, family_id=family_id, user=actor)
    return next_step


def for_source(source_type: str, source_id: int) -> Select:
    return (
        select(NextStep)
        .where(NextStep.source_type == source_type, NextStep.source_id == source_id)
        .order_by(NextStep.due_on, NextStep.id)
    )


def for_family(family_id: int) -> Select:
    return select(NextStep).where(NextStep.family_id == family_id).order_by(NextStep.status, NextStep.due_on)
