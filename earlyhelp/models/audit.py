"""The audit trail: who saw or changed which record, when, from where, with what outcome.

Append-only: the migration adds triggers that refuse UPDATE and DELETE on both engines. It holds
identifiers, never the content of a record, so it can be kept longer than the records themselves.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(40))
    # The family the record belongs to, so "who has seen this family" is one indexed query.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    endpoint: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(64))
    source_address: Mapped[str | None] = mapped_column(String(64))
    # What changed, where identifiers alone do not say (a role given: "role: Administrator -> Social worker").
    # Never a record's content.
    detail: Mapped[str] = mapped_column(String(300), default="", server_default="")

    __table_args__ = (
        Index("ix_audit_event_record", "record_type", "record_id", "at"),
        Index("ix_audit_event_family_at", "family_id", "at"),
        Index("ix_audit_event_user_at", "user_id", "at"),
    )
