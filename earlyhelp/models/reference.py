"""Reference lists that councils change: levels of need, referring agencies, decision outcomes.

Rows, not enums: thresholds documents and partner lists differ between councils and change over time.
"""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
