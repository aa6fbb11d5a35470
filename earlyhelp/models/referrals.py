"""Referrals from partner agencies, and the front door's decision on each.

The inspection letter behind this product found partner referrals that did not make the level of
concern clear: every field a clear referral needs is required here, and its clarity is rated.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import StatusType, UTCDateTime
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import User
from earlyhelp.models.reference import Agency, DecisionOutcome, LevelOfNeed


class ReferralStatus(Status):
    AWAITING_DECISION = "awaiting_decision", "Awaiting decision", "yellow"
    DECIDED = "decided", "Decided", "green"


class Referral(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Who referred
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    referrer_name: Mapped[str] = mapped_column(String(120))
    referrer_role: Mapped[str] = mapped_column(String(120), default="")
    referrer_phone: Mapped[str] = mapped_column(String(40), default="")
    referrer_email: Mapped[str] = mapped_column(String(254), default="")
    # What they told us
    level_id: Mapped[int] = mapped_column(ForeignKey("level_of_need.id"))
    worries: Mapped[str] = mapped_column(Text)
    what_has_been_tried: Mapped[str] = mapped_column(Text)
    if_nothing_changes: Mapped[str] = mapped_column(Text)
    immediate_danger: Mapped[bool] = mapped_column(default=False)
    # The family's agreement to the referral (not the lawful basis for sharing, which is separate).
    family_knows: Mapped[str] = mapped_column(String(10))
    family_agrees: Mapped[str] = mapped_column(String(10))
    family_agreement_note: Mapped[str] = mapped_column(Text, default="")
    # The clock
    status: Mapped[ReferralStatus] = mapped_column(
        StatusType(ReferralStatus, 20), default=ReferralStatus.AWAITING_DECISION
    )
    decision_due_on: Mapped[date] = mapped_column(Date)
    decision_due_explanation: Mapped[str] = mapped_column(String(300))
    # The decision
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("decision_outcome.id"))
    decided_level_id: Mapped[int | None] = mapped_column(ForeignKey("level_of_need.id"))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_reason: Mapped[str | None] = mapped_column(Text)
    # Feedback to the referrer (Working Together 2023: the referrer is told the decision)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_method: Mapped[str | None] = mapped_column(String(40))
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Was the level of professional concern clear?
    clarity: Mapped[str | None] = mapped_column(String(10))
    clarity_note: Mapped[str | None] = mapped_column(Text)
    clarity_rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    clarity_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    family: Mapped[Family] = relationship()
    agency: Mapped[Agency] = relationship(lazy="joined")
    level: Mapped[LevelOfNeed] = relationship(foreign_keys=[level_id], lazy="joined")
    decided_level: Mapped[LevelOfNeed | None] = relationship(foreign_keys=[decided_level_id])
    outcome: Mapped[DecisionOutcome | None] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    feedback_by: Mapped[User | None] = relationship(foreign_keys=[feedback_by_id])
    children: Mapped[list["ReferralChild"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralChild.id"
    )

    __table_args__ = (
        Index("ix_referral_status_received", "status", "received_at"),
        Index("ix_referral_agency_received", "agency_id", "received_at"),
    )

    @property
    def is_decided(self) -> bool:
        return self.status == ReferralStatus.DECIDED


class ReferralChild(db.Model):
    """Every child in the household, included in the referral or not, with a reason, so none is forgotten."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    included: Mapped[bool]
    impact: Mapped[str] = mapped_column(Text, default="")
    reason_not_included: Mapped[str] = mapped_column(Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="children")
    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("referral_id", "person_id"),)
