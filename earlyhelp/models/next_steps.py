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
    # Written into a request (a step-down's outstanding tasks, a handover plan's steps before acceptance): on
    # nobody's My work, told to nobody, never overdue, and no way into the family until the request is accepted.
    PROPOSED = "proposed", "Proposed", "yellow"
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
    # The one-time key of the form that made it (earlyhelp.versions): the same form posted twice is one record.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
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
    # Who a request proposed it for, while it is back with the sending lead after a decline or a withdrawal:
    # a follow-up request gives it back to them (services/transfers/steps.py). Empty otherwise.
    proposed_owner_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    proposed_owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_owner_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    proposed_owner_agency: Mapped[str] = mapped_column(String(120), default="", server_default="")

    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id], lazy="joined")
    proposed_owner_user: Mapped[User | None] = relationship(foreign_keys=[proposed_owner_user_id], lazy="joined")
    family: Mapped["Family"] = relationship(lazy="joined")  # noqa: F821  (models/families.py; resolved by name)

    __table_args__ = (
        Index("ix_next_step_owner_status_due", "owner_user_id", "status", "due_on"),
        Index("ix_next_step_family_status", "family_id", "status"),
        Index("ix_next_step_source", "source_type", "source_id"),
        Index("ix_next_step_status_status_on", "status", "status_on"),
    )

    @property
    def owner(self) -> str:
        return _who(self.owner_kind, self.owner_user, self.owner_name, self.owner_agency)

    @property
    def proposed_owner(self) -> str:
        """Who the request proposed it for, while it is back with the sending lead ("" otherwise)."""
        if not self.proposed_owner_kind:
            return ""
        return _who(
            self.proposed_owner_kind, self.proposed_owner_user, self.proposed_owner_name, self.proposed_owner_agency
        )

    @property
    def is_proposed(self) -> bool:
        return self.status == NextStepStatus.PROPOSED

    @property
    def is_for_family_or_partner(self) -> bool:
        return self.owner_kind in (OwnerKind.FAMILY_MEMBER, OwnerKind.PARTNER)

    def is_overdue(self, today: date) -> bool:
        return self.status == NextStepStatus.OPEN and self.due_on < today

    def status_shown(self, today: date) -> Status:
        """The one status its tag shows: Overdue for an open step past its date, otherwise its own status."""
        return DueState.OVERDUE if self.is_overdue(today) else self.status


def _who(kind: str, user: User | None, name: str, agency: str) -> str:
    if kind == OwnerKind.USER and user:
        return user.name
    if kind == OwnerKind.PARTNER:
        return f"{name} ({agency})" if agency else name
    return name


class NextStepChange(db.Model):
    """The history of a next step: each new due date with its reason, and each change of status."""

    id: Mapped[int] = mapped_column(primary_key=True)
    next_step_id: Mapped[int] = mapped_column(ForeignKey("next_step.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # rescheduled, done, not_done, cancelled; and a request's step moving: live, returned, carried_across
    kind: Mapped[str] = mapped_column(String(20))
    from_due_on: Mapped[date | None] = mapped_column(Date)
    to_due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    # For a move, what happened in words, as it was then ("returned to Sam Hollis when the request was declined").
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")

    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def what_happened(self) -> str:
        """'rescheduled', the status it was closed with ('not done'), or a move, as words in a sentence."""
        if self.summary:
            return self.summary
        return "rescheduled" if self.kind == "rescheduled" else NextStepStatus(self.kind).label.lower()
