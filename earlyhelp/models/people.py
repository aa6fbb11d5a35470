"""Services, teams, roles and the people who sign in.

Services, teams and roles are rows, not enums: councils merge and rename them (Family Help, 2025 on).
"""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from earlyhelp import clock
from earlyhelp.domain.status import Status
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime


class AccountStatus(Status):
    """Whether an account may sign in (stored as User.active; this is how it is shown)."""

    ACTIVE = "active", "Active", "green"
    DISABLED = "disabled", "Disabled", "grey"


class Service(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Orders services from least to most intensive: moving up the scale is a step-up.
    intensity: Mapped[int] = mapped_column(default=0)


class Team(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    # How a family reaches the team: printed on every letter with the lead's own details.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    service: Mapped[Service] = relationship(lazy="joined")


class Role(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    # A work phone number, printed on letters to families.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # A password an administrator set (a new account, a reset) must be changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The second factor: a TOTP secret (base32) once set up, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()
    # Single sign-on: the provider's subject for this person ("sub", or Entra's "oid"), set at the first SSO sign-in.
    oidc_subject: Mapped[str | None] = mapped_column(String(255))

    role: Mapped[Role] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("uq_user_account_email_lower", func.lower(email), unique=True),
        Index("uq_user_account_oidc_subject", oidc_subject, unique=True),
    )

    # Flask-Login's interface. Sessions are looked up by their own token, so get_id is never stored.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def status(self) -> AccountStatus:
        return AccountStatus.ACTIVE if self.active else AccountStatus.DISABLED

    def get_id(self) -> str:
        return str(self.id)

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard key-derivation function.
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = clock.now()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class UserSession(db.Model):
    """A signed-in session held on the server, so it can be ended before its cookie expires."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    source_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class SignInAttempt(db.Model):
    """Every sign-in attempt, kept in the database so throttling holds across several app servers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    source_address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    # What was checked: "password" at sign-in, "current_password" on the change-password page, "second_factor".
    kind: Mapped[str] = mapped_column(String(20), default="password", server_default="password")


class Setting(db.Model):
    """Small facts about this installation, such as whether demo data was loaded."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))
