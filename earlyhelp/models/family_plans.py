"""Family plans: written with the family, issued as a printed PDF. Issuing freezes a version for good."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
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
    warnings_at_issue: Mapped[int] = mapped_column(default=0)
    # What was issued, as data: the frozen content that a later version is compared with.
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    family: Mapped[Family] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    children_words: Mapped[list["FamilyPlanChild"]] = relationship(
        cascade="all, delete-orphan", order_by="FamilyPlanChild.id"
    )
    documents: Mapped[list["IssuedDocument"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("family_id", "version"),)

    @property
    def is_issued(self) -> bool:
        return self.status == FamilyPlanStatus.ISSUED


class FamilyPlanChild(db.Model):
    """Each child's own words in the plan; every child in the household is prompted for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    child_words: Mapped[str] = mapped_column(Text, default="")

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
