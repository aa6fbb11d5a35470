"""The one kind of next step, used by decisions, handover plans, family plans and supervision.

A next step always has an owner and a due date. Overdue is worked out from the due date, never stored.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import StatusType, UTCDateTime
from earlyhelp.models.people import User


class NextStepStatus(Status):
    OPEN = "open", "Open", "blue"
    DONE = "done", "Done", "green"
    NOT_DONE = "not_done", "Not done", "grey"
    CANCELLED = "cancelled", "Cancelled", "grey"


class DueState(Status):
    """What a next step's tag says when its status alone would not: an open step whose date has passed.

    Worked out from the due date each time it is shown, never stored.
    """

    OVERDUE = "overdue", "Overdue", "red"


class OwnerKind(StrEnum):
    USER = "user"  # someone who signs in to this service
    FAMILY_MEMBER = "family_member"
    PARTNER = "partner"  # a named person at a partner agency


class NextStep(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    what: Mapped[str] = mapped_column(String(500))
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    owner_agency: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[NextStepStatus] = mapped_column(StatusType(NextStepStatus, 20), default=NextStepStatus.OPEN)
    status_on: Mapped[date | None] = mapped_column(Date)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # Where it came from: handover_plan, family_plan, supervision, referral_decision.
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int | None]
    family_facing: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id], lazy="joined")
    family: Mapped["Family"] = relationship(lazy="joined")  # noqa: F821  (models/families.py; resolved by name)

    __table_args__ = (
        Index("ix_next_step_owner_status_due", "owner_user_id", "status", "due_on"),
        Index("ix_next_step_family_status", "family_id", "status"),
        Index("ix_next_step_source", "source_type", "source_id"),
    )

    @property
    def owner(self) -> str:
        if self.owner_kind == OwnerKind.USER and self.owner_user:
            return self.owner_user.name
        if self.owner_kind == OwnerKind.PARTNER:
            return f"{self.owner_name} ({self.owner_agency})" if self.owner_agency else self.owner_name
        return self.owner_name

    def is_overdue(self, today: date) -> bool:
        return self.status == NextStepStatus.OPEN and self.due_on < today

    def status_shown(self, today: date) -> Status:
        """The one status its tag shows: Overdue for an open step past its date, otherwise its own status."""
        return DueState.OVERDUE if self.is_overdue(today) else self.status


class NextStepChange(db.Model):
    """The history of a next step: each new due date with its reason, and each change of status."""

    id: Mapped[int] = mapped_column(primary_key=True)
    next_step_id: Mapped[int] = mapped_column(ForeignKey("next_step.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))  # rescheduled, done, not_done, cancelled
    from_due_on: Mapped[date | None] = mapped_column(Date)
    to_due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def what_happened(self) -> str:
        """'rescheduled', or the status it was closed with, as words in a sentence ('not done')."""
        return "rescheduled" if self.kind == "rescheduled" else NextStepStatus(self.kind).label.lower()
