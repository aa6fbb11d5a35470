"""Case notes: what happened to a family, written down, and the family's chronology is built from them.

A note keeps when it happened and when it was written down. It is never edited in place: it is the record
of what was known then. A mistake is put right by a correction, a later note linked to the one it corrects
(`corrects_id`, at most one correction per note), with the reason; the original stays as it was written.

Types of note are rows (a council adds its own), seeded by migration 0010.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import User


class CaseNoteType(db.Model):
    """A kind of note: a visit, a phone call, a meeting, new information, other."""

    __tablename__ = "case_note_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class CaseNote(db.Model):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("case_note_type.id"))
    # When it happened, and when it was written down (earlyhelp/domain/recording.py)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_late: Mapped[bool] = mapped_column(default=False, server_default=false())
    late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    who_was_involved: Mapped[str] = mapped_column(String(400))
    # About the whole family, or about the children in CaseNoteChild (one or more)
    about_whole_family: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    # A significant note goes in the family's chronology
    significant: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # A correction: the note it corrects, and why. The corrected note is kept exactly as it was.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("case_note.id"))
    correction_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The one-time key of the form that saved it (earlyhelp.versions): the same form posted twice is one note.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    family: Mapped[Family] = relationship()
    type: Mapped[CaseNoteType] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined")
    children: Mapped[list["CaseNoteChild"]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="CaseNoteChild.id"
    )
    corrects: Mapped["CaseNote | None"] = relationship(
        remote_side=[id], foreign_keys=[corrects_id], back_populates="correction"
    )
    correction: Mapped["CaseNote | None"] = relationship(
        foreign_keys=[corrects_id], back_populates="corrects", uselist=False
    )

    __table_args__ = (
        Index("ix_case_note_family_happened", "family_id", "happened_at"),
        # The notes (not corrections) that happened in a period (earlyhelp/services/measures_flow.py).
        Index("ix_case_note_corrects_happened", "corrects_id", "happened_at"),
        # One correction per note: a second corrects the correction, so the chain stays a line.
        UniqueConstraint("corrects_id", name="uq_case_note_corrects_id"),
    )

    @property
    def about(self) -> str:
        """Who the note is about, in words: "The whole family", or the children's names."""
        if self.about_whole_family:
            return "The whole family"
        return ", ".join(child.person.full_name for child in self.children)

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None


class CaseNoteChild(db.Model):
    """A child of the household a note is about."""

    __tablename__ = "case_note_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("case_note.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)

    note: Mapped[CaseNote] = relationship(back_populates="children")
    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("note_id", "person_id"),)
