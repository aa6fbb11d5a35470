"""Supervision: what was discussed, what was decided and why, what happens next, and when to meet again.

The inspection letter behind this product found supervision records without clear actions and
timescales: a record here cannot be saved without a decision or a next step with an owner and a date.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.families import Family
from earlyhelp.models.people import User

DUE_SOON_DAYS = 7


class SupervisionDue(Status):
    """Where a practitioner, or a family's case, stands for supervision today."""

    OVERDUE = "overdue", "Overdue", "red"
    NEVER = "never", "None recorded", "grey"
    DUE_SOON = "due_soon", "Due soon", "orange"
    OK = "ok", "Up to date", "green"

    @classmethod
    def on(cls, next_due: date | None, today: date) -> "SupervisionDue":
        """Overdue once the date has passed, due soon within a week of it."""
        if next_due is None:
            return cls.NEVER
        if next_due < today:
            return cls.OVERDUE
        return cls.DUE_SOON if next_due <= today + timedelta(days=DUE_SOON_DAYS) else cls.OK


class Supervision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # case (about one family) or general
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    held_on: Mapped[date] = mapped_column(Date)
    # Written up more than LATE_RECORDING_WORKING_DAYS after it was held: why (created_at is when).
    late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    discussion: Mapped[str] = mapped_column(Text)
    next_supervision_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The one-time key of the form that saved it: the same form posted again (going back, a double click)
    # finds this record instead of making another. Empty for records made without a form (the demo).
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

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

    # Set (not stored) when a use case found this record already saved by the same form.
    already_saved = False

    @property
    def kind_label(self) -> str:
        return "Case" if self.kind == "case" else "General"


class SupervisionDecision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervision.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)


class Notification(db.Model):
    """A notice in the app for one person; also emailed when SMTP is configured."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # The family it is about: a notice is shown only to someone who may still see that family.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"))
    message: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(200))
    # The same event never notifies twice (the daily overdue run, a retried request).
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Done: what it asked has been decided, by someone else or by them (done_note says who, and what).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(String(300), default="", server_default="")

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
