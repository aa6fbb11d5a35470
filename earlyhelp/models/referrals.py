"""Referrals from partner agencies, and the front door's decision on each.

The inspection letter behind this product found partner referrals that did not make the level of
concern clear: every field a clear referral needs is required here, and its clarity is rated.

Each step keeps when it happened and when it was written down (received_at and created_at, decided_at and
decision_recorded_at, fed_back_on and feedback_recorded_at), with the reason when it was written down late.
Before a decision a referral can be put right (amended, withdrawn, marked a duplicate); every such change
keeps what was there before, who changed it, when and why (ReferralChange).
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import StatusType, UTCDateTime
from earlyhelp.models.episodes import Episode
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import User
from earlyhelp.models.reference import Agency, DecisionOutcome, LevelOfNeed


class ReferralStatus(Status):
    AWAITING_DECISION = "awaiting_decision", "Awaiting decision", "yellow"
    # A decision the table of decisions and levels (DecisionRule) says needs a team manager's sign-off: its
    # clock keeps running, and the referrer is not told, until it is signed off.
    PENDING_SIGN_OFF = "pending_sign_off", "Pending sign-off", "orange"
    DECIDED = "decided", "Decided", "green"
    # Put right before a decision: no decision, no letter, out of the queue.
    WITHDRAWN = "withdrawn", "Withdrawn", "grey"
    DUPLICATE = "duplicate", "Duplicate", "grey"


# Waiting for the front door: in the queue, and the front door's to work on.
OPEN_STATUSES = (ReferralStatus.AWAITING_DECISION, ReferralStatus.PENDING_SIGN_OFF)
CLOSED_STATUSES = (ReferralStatus.WITHDRAWN, ReferralStatus.DUPLICATE)


class Referral(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Why the referral was written down more than a working day after it arrived ("" when it was not).
    receipt_late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
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
    decision_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Who the decision names to lead the service it opens: kept while it waits for sign-off.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A team manager's sign-off, where the decision needs one; or their disagreement, which sends it back.
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_off_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Feedback to the referrer (Working Together 2023: the referrer is told the decision): the day they were
    # told, as the person recording it gave it, and when that was written down.
    fed_back_on: Mapped[date | None] = mapped_column(Date)
    feedback_method: Mapped[str | None] = mapped_column(String(40))
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    feedback_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_late_recording_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Withdrawn, or marked a duplicate of another referral about the family, before a decision.
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    # Another referral about the family, received shortly before, that this one was linked to when recorded.
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    # Each amendment adds one: an amendment made from an older copy of the referral is refused (Stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The recording form's one-time key: the same form posted twice records one referral.
    submission_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
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
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    children: Mapped[list["ReferralChild"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralChild.id"
    )

    __table_args__ = (
        Index("ix_referral_status_received", "status", "received_at"),
        Index("ix_referral_agency_received", "agency_id", "received_at"),
        Index("ix_referral_status_decided", "status", "decided_at"),
        Index("ix_referral_status_decision_complete", "status", func.coalesce(signed_off_at, decided_at)),
        Index("ix_referral_received_at", "received_at"),
    )

    @property
    def is_decided(self) -> bool:
        return self.status == ReferralStatus.DECIDED

    @property
    def is_open(self) -> bool:
        """Waiting for the front door: a decision to make, or one waiting for sign-off."""
        return self.status in OPEN_STATUSES

    @property
    def is_pending_sign_off(self) -> bool:
        return self.status == ReferralStatus.PENDING_SIGN_OFF

    @property
    def is_closed(self) -> bool:
        """Withdrawn or a duplicate: put right before a decision, so never decided."""
        return self.status in CLOSED_STATUSES

    @property
    def decision_done_at(self) -> datetime | None:
        """When the decision was complete, for its clock: its sign-off where it needed one."""
        if not self.is_decided:
            return None
        return self.signed_off_at or self.decided_at


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


class ReferralChange(db.Model):
    """One change to a referral after it was recorded: an amendment, a withdrawal, a duplicate marked, a decision
    signed off or sent back, a correction to the feedback. Who, when, why, and for each thing that changed what it
    was before and what it became (`details`: [label, before, after] in the words the page shows)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # earlyhelp.domain.referrals.CHANGE_KINDS
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[list] = mapped_column(JSON, default=list)

    actor: Mapped[User] = relationship(lazy="joined")


class ReferralEpisode(db.Model):
    """A referral about a family already open to a service: linked to that involvement, whose lead was told."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"))
    lead_told_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    episode: Mapped[Episode] = relationship(lazy="joined")
    lead_told: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("referral_id", "episode_id"),)
