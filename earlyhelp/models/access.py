"""Who may open a family beyond their working relationship: the named people of a restricted family, and
anyone who broke the glass (earlyhelp/policy.py decides; these rows are what it reads)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.people import User


class RestrictedAccess(db.Model):
    """One person named on a restricted family: only they may open it (and only with a working relationship)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    named_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (UniqueConstraint("family_id", "user_id"),)


class BreakGlass(db.Model):
    """Someone with no working relationship opened a family, giving a reason: for a limited time, and seen."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The one-time key of the form that made it (earlyhelp.versions): the same form posted twice is one record.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
    family: Mapped["Family"] = relationship()  # noqa: F821  (models/families.py; resolved by name)

    __table_args__ = (
        Index("ix_break_glass_user_expires", "user_id", "expires_at"),
        Index("ix_break_glass_family_at", "family_id", "at"),
    )
