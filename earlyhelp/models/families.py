"""Families and the people in their household."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime


class Family(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    address: Mapped[str] = mapped_column(String(400))
    postcode: Mapped[str] = mapped_column(String(10), index=True)
    languages: Mapped[str] = mapped_column(String(200), default="English")
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    culture_and_identity: Mapped[str] = mapped_column(Text, default="")
    # Only named staff may open a restricted family (a staff member's relative, a public figure): to
    # everyone else it does not exist. Set by a manager or head of service, with a reason.
    restricted: Mapped[bool] = mapped_column(default=False)
    restricted_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    restricted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    members: Mapped[list["Person"]] = relationship(
        back_populates="family", order_by="(Person.is_child.desc(), Person.date_of_birth)"
    )

    @property
    def family_id(self) -> int:
        """Every record about a family answers .family_id (earlyhelp/policy.py checks it): the family too."""
        return self.id

    @property
    def children(self) -> list["Person"]:
        return [m for m in self.members if m.is_child]

    @property
    def name(self) -> str:
        """How staff refer to a family: the surnames in the household."""
        surnames = dict.fromkeys(m.last_name for m in self.members)
        return " / ".join(surnames) or self.reference


class TimelineEntry(db.Model):
    """One line of a family's story, newest first on the family page. Written by the service that acted.

    `at` is when it happened; `recorded_at` when it was written down (earlyhelp/domain/recording.py). One
    written down late keeps the reason, and says so wherever it is shown.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Known only to the day (a meeting's date, the day a referrer was told): shown without a time.
    day_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_late: Mapped[bool] = mapped_column(default=False, server_default=false())
    late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary: Mapped[str] = mapped_column(String(300))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # Who did it, named on every line: loaded with the entry, not one query per line.
    actor: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821  (models/people.py; resolved by name)

    __table_args__ = (
        Index("ix_timeline_entry_family_at", "family_id", "at"),
        Index("ix_timeline_entry_recorded_late", "recorded_late", "at"),
    )


class Person(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    relationship_to_child: Mapped[str] = mapped_column(String(60))
    is_child: Mapped[bool] = mapped_column(default=False)
    school_or_setting: Mapped[str] = mapped_column(String(200), default="")
    # Working Together 2023: the child's own words, recorded as they said them.
    child_words: Mapped[str] = mapped_column(Text, default="")

    family: Mapped[Family] = relationship(back_populates="members")

    __table_args__ = (
        Index("ix_person_last_name_lower", func.lower(last_name)),
        Index("ix_person_first_name_lower", func.lower(first_name)),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
