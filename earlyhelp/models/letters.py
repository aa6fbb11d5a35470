"""The family's "what happens next" letters: each issue is a version, kept byte for byte with its large print."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.people import User

# The copies printed at each issue, in the order the request page offers them.
LETTER_KINDS = {"family": "Standard print", "family_large_print": "Large print"}


class IssuedLetter(db.Model):
    """One issue of a request's letter to the family: what it said (as data) and who issued it, when.
    Versions count 1, 2, ... per request; issuing again after a change makes the next and keeps the last."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    version: Mapped[int]
    # The issuing form's one-time key: posting it twice issues one letter.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Everything the letter prints, frozen: a later issue is compared with it.
    content: Mapped[dict] = mapped_column(JSON)

    issued_by: Mapped[User] = relationship(lazy="joined")
    documents: Mapped[list["LetterDocument"]] = relationship(
        cascade="all, delete-orphan", order_by="LetterDocument.id", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("transfer_id", "version"),)


class LetterDocument(db.Model):
    """The exact bytes of one printed copy, with their hash, so that every download is identical."""

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("issued_letter.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # LETTER_KINDS
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    __table_args__ = (UniqueConstraint("letter_id", "kind"),)
