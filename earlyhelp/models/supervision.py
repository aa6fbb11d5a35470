"""Supervision: what was discussed, what was decided and why, what happens next, and when to meet again.

The inspection letter behind this product found supervision records without clear actions and
timescales: a record here cannot be saved without a decision or a next step with an owner and a date.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.families import Family
from earlyhelp.models.people import User


class Supervision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # case (about one family) or general
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    held_on: Mapped[date] = mapped_column(Date)
    discussion: Mapped[str] = mapped_column(Text)
    next_supervision_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    family: Mapped[Family | None] = relationship()
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="joined")
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id], lazy="joined")
    decisions: Mapped[list["SupervisionDecision"]] = relationship(
        cascade="all, delete-orphan", order_by="SupervisionDecision.id"
    )

    __table_args__ = (
        Index("ix_supervision_practitioner_held", "practitioner_id", "held_on"),
        Index("ix_supervision_family_held", "family_id", "held_on"),
    )


class SupervisionDecision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervision.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)


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


class Notification(db.Model):
    """A notice in the app for one person; also emailed when SMTP is configured."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(200))
    # The same event never notifies twice (the daily overdue run, a retried request).
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
