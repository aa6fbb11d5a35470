"""Family plans: written with the family, issued as a printed PDF. Issuing freezes a version for good."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import StatusType, UTCDateTime
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import User

# The plan's written sections, in the order families read them: Signs of Safety's three columns first.
SECTIONS = {
    "worries": "What we are worried about",
    "working_well": "What is working well",
    "needs_to_happen": "What needs to happen",
    "goals": "Our goals, in our own words",
    "contingency": "If things get worse",
}
# Everything written in a plan as text; a new version starts from the last one's.
TEXT_FIELDS = (*SECTIONS, "lead_contact", "copies_to", "agreed_by")


# How a child's words came to us: a three-year-old may tell us through a parent, or not in words at all.
WORDS_GIVEN = {
    "directly": "They told us directly",
    "through_parent": "Through a parent or carer",
    "observed": "We observed it (what they showed us, not said)",
}
# What a review meeting decided.
REVIEW_OUTCOMES = {
    "continue": "Continue the plan",
    "change": "Change the plan (start a new version)",
    "close": "Close early help",
    "step_up": "Step up to children's social care",
}


class FamilyPlanStatus(Status):
    DRAFT = "draft", "Draft", "grey"
    ISSUED = "issued", "Issued", "green"


class FamilyPlan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    version: Mapped[int]
    status: Mapped[FamilyPlanStatus] = mapped_column(StatusType(FamilyPlanStatus, 20), default=FamilyPlanStatus.DRAFT)
    worries: Mapped[str] = mapped_column(Text, default="")
    working_well: Mapped[str] = mapped_column(Text, default="")
    needs_to_happen: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    contingency: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None] = mapped_column(Date)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lead_contact: Mapped[str] = mapped_column(String(200), default="")
    copies_to: Mapped[str] = mapped_column(Text, default="")
    agreed_by: Mapped[str] = mapped_column(String(200), default="")
    agreed_on: Mapped[date | None] = mapped_column(Date)
    signed_paper_copy: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # When the family should have had its own copy (TIMESCALES family_copy working days after it was agreed, or
    # after the draft was started if no agreement is recorded), fixed when it is issued (migration 0025).
    family_copy_due_on: Mapped[date | None] = mapped_column(Date)
    warnings_at_issue: Mapped[int] = mapped_column(default=0)
    # What was issued, as data: the frozen content that a later version is compared with.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # The open next steps this version took over from the one before (ids), so a discarded draft gives them back.
    carried_step_ids: Mapped[list | None] = mapped_column(JSON)
    # Closed: no longer live (after a step-up, or early help ending at a review), with the note saying why.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_note: Mapped[str] = mapped_column(Text, default="")
    # Optimistic locking of the draft (not the plan's version number): each save adds one, and a save from an
    # older copy is refused, naming who saved since (updated_by, updated_at) and what they changed.
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # One-time key of the "start a plan" form: posting it twice starts one draft.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    family: Mapped[Family] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    children_words: Mapped[list["FamilyPlanChild"]] = relationship(
        cascade="all, delete-orphan", order_by="FamilyPlanChild.id"
    )
    documents: Mapped[list["IssuedDocument"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("family_id", "version"),
        Index("uq_family_plan_submission_key", "submission_key", unique=True),
    )

    reviews: Mapped[list["FamilyPlanReview"]] = relationship(
        cascade="all, delete-orphan", order_by="FamilyPlanReview.held_on"
    )

    @property
    def is_issued(self) -> bool:
        return self.status == FamilyPlanStatus.ISSUED

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class FamilyPlanChild(db.Model):
    """Each child's own words in the plan; every child in the household is prompted for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    child_words: Mapped[str] = mapped_column(Text, default="")
    # How the words came to us (WORDS_GIVEN): said to us directly, told to us by someone, or what we observed.
    words_given: Mapped[str] = mapped_column(String(20), default="directly")
    words_given_by: Mapped[str] = mapped_column(String(120), default="")

    @property
    def words_source(self) -> str:
        """How the family copy says where the words came from: "Told to us by their mum", "Observed by ..."."""
        who = self.words_given_by.strip()
        if self.words_given == "through_parent":
            return f"Told to us by {who}" if who else "Told to us by their parent or carer"
        if self.words_given == "observed":
            return f"Observed by {who}" if who else "What we observed"
        return ""

    person: Mapped[Person] = relationship(lazy="joined")


class IssuedDocument(db.Model):
    """The exact bytes a family (or professional) received, with their hash, so a download is identical."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # family, family_large_print, professional
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (UniqueConstraint("plan_id", "kind"),)


class FamilyPlanReview(db.Model):
    """A review meeting of an issued version: when it was held, who came, what it decided, and a note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    # The review date in force when it was held (the plan's review_on then): NULL for reviews recorded before
    # it was kept (migration 0024).
    due_on: Mapped[date | None] = mapped_column(Date)
    attended: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))  # REVIEW_OUTCOMES
    note: Mapped[str] = mapped_column(Text, default="")
    late_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The one-time key of the form that recorded it (earlyhelp.versions): the same form posted twice is one review.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    recorded_by: Mapped[User] = relationship(lazy="joined")

    @property
    def outcome_label(self) -> str:
        return REVIEW_OUTCOMES.get(self.outcome, self.outcome)


class JargonTerm(db.Model):
    """A word or acronym families should not meet unexplained, with plain words to use: data a council extends."""

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(80), unique=True)
    plain_words: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
