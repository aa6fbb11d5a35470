"""Families and the people in their household."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.ethnicity import ethnicity_label, sex_label
from earlyhelp.domain.nhs_number import NhsNumberStatus, formatted
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
    # Optimistic locking across a GET and a later POST: the version the editor saw travels in the form, and
    # a save from an older one is refused, naming who saved since and when (services/families.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one-time key of the form that made it (earlyhelp.versions): the same form posted twice is one record.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # Everyone on the family's record: the household now, those who have left it (they keep their history),
    # and the significant adults who live elsewhere. `household` and `children` are the household now.
    members: Mapped[list["Person"]] = relationship(
        back_populates="family", order_by="(Person.is_child.desc(), Person.date_of_birth, Person.id)"
    )
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])  # noqa: F821

    @property
    def family_id(self) -> int:
        """Every record about a family answers .family_id (earlyhelp/policy.py checks it): the family too."""
        return self.id

    @property
    def household(self) -> list["Person"]:
        """Who lives in the household now."""
        return [m for m in self.members if m.lives_here]

    @property
    def children(self) -> list["Person"]:
        """The children in the household now: every referral, request and plan asks about each of them."""
        return [m for m in self.household if m.is_child]

    @property
    def adults_elsewhere(self) -> list["Person"]:
        """Significant adults who do not live in the household: a father living elsewhere, a grandparent who cares."""
        return [m for m in self.members if not m.in_household]

    @property
    def left_household(self) -> list["Person"]:
        """People who lived in the household and have left it, most recently left first."""
        return sorted((m for m in self.members if m.has_left), key=lambda m: (m.left_on, m.id), reverse=True)

    @property
    def name(self) -> str:
        """How staff refer to a family: the surnames in the household (everyone on record, if nobody lives there)."""
        surnames = dict.fromkeys(m.last_name for m in self.household or self.members)
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
    # A significant adult outside the household (a father living elsewhere, a grandparent who cares) is on
    # the record as such: never a household member, never asked about on a referral.
    in_household: Mapped[bool] = mapped_column(default=True, server_default=true())
    involvement: Mapped[str] = mapped_column(String(300), default="", server_default="")
    joined_on: Mapped[date | None] = mapped_column(Date)
    # Someone who leaves is not deleted: they keep their history, and stay findable.
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Contact details, for an adult.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # For a child: sex and ethnicity as recorded (earlyhelp/domain/ethnicity.py, "" when nobody has asked),
    # and the NHS number, the consistent identifier, with its status (earlyhelp/domain/nhs_number.py).
    sex: Mapped[str] = mapped_column(String(20), default="", server_default="")
    ethnicity: Mapped[str] = mapped_column(String(40), default="", server_default="")
    nhs_number: Mapped[str] = mapped_column(String(10), default="", server_default="", index=True)
    nhs_number_status: Mapped[str] = mapped_column(String(20), default="", server_default="")
    nhs_number_missing_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Optimistic locking, as for the family.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one-time key of the form that made it (earlyhelp.versions): the same form posted twice is one record.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    family: Mapped[Family] = relationship(back_populates="members")
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])  # noqa: F821

    __table_args__ = (
        Index("ix_person_last_name_lower", func.lower(last_name)),
        Index("ix_person_first_name_lower", func.lower(first_name)),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_left(self) -> bool:
        return self.left_on is not None

    @property
    def sex_shown(self) -> str:
        return sex_label(self.sex)

    @property
    def ethnicity_shown(self) -> str:
        return ethnicity_label(self.ethnicity)

    @property
    def nhs_number_shown(self) -> str:
        return formatted(self.nhs_number)

    @property
    def nhs_status(self) -> NhsNumberStatus | None:
        return NhsNumberStatus(self.nhs_number_status) if self.nhs_number_status else None

    @property
    def lives_here(self) -> bool:
        """In the household now."""
        return self.in_household and self.left_on is None


class FamilyChange(db.Model):
    """What one field of a family's record was before a change, and after: who changed it, and when.

    Written by the use case that changes it (services/families.py), one row per field; the "Changes to this
    record" page reads them. `before` and `after` are the values as the page showed them at the time.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    record_type: Mapped[str] = mapped_column(String(20))  # "family" or "person"
    field: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(100))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person | None] = relationship(lazy="joined")
    changed_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    __table_args__ = (Index("ix_family_change_family_at", "family_id", "changed_at"),)
