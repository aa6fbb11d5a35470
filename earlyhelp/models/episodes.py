"""An episode: a family's involvement with one service, led by one named person at a time."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime
from earlyhelp.models.people import Service, Team, User


class Episode(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(String(400))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    # Working Together 2023: a child and family assessment within 45 working days of the referral.
    assessment_due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    family: Mapped["Family"] = relationship()  # noqa: F821  (models/families.py; resolved by name)
    service: Mapped[Service] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
    lead: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_episode_family_id", "family_id", "ended_on"),
        Index("ix_episode_team_ended", "team_id", "ended_on"),
        # At most one open episode per family and service: the "one current lead" rule rests on it.
        Index(
            "uq_episode_open_per_service",
            "family_id",
            "service_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
