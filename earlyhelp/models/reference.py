"""Reference lists that councils change: levels of need, referring agencies, decision outcomes, and which
decision fits which level of need.

Rows, not enums: thresholds documents and partner lists differ between councils and change over time.
"""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp.extensions import db


class LevelOfNeed(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(80))
    descriptor: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return f"Level {self.number}: {self.name}"


class Agency(db.Model):
    """A kind of partner agency that refers families: a school, a health visitor, the police."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class DecisionOutcome(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The service an outcome opens an episode with (Service.code), if any.
    opens_service: Mapped[str | None] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class DecisionRule(db.Model):
    """Which decision fits which level of need: allowed, allowed only with a team manager's sign-off, or refused.

    Rows, so that a council's thresholds document can be followed without a code change. A combination with no
    row is allowed (a council adding an outcome or a level decides its rules when it adds it). The words in
    `why` finish the sentence a refusal or a sign-off request shows (earlyhelp/domain/referrals.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("decision_outcome.id"))
    level_id: Mapped[int] = mapped_column(ForeignKey("level_of_need.id"))
    fit: Mapped[str] = mapped_column(String(20))  # earlyhelp.domain.referrals.DecisionFit
    why: Mapped[str] = mapped_column(Text, default="")

    outcome: Mapped[DecisionOutcome] = relationship(lazy="joined")
    level: Mapped[LevelOfNeed] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("outcome_id", "level_id"),)
