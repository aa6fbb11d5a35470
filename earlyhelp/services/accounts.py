"""Signing in and out, server-side sessions, and managing accounts.

ASVS 5.0 V7.4: a session must be refused once signed out, once its account is disabled or its password
changed, after inactivity, and after an absolute lifetime. A signed cookie alone cannot do that, so the
cookie carries only a random token naming a UserSession row, and the row decides. The views put the token
in the cookie and take it out; these functions never read the request.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from earlyhelp import clock, policy
from earlyhelp.database import begin_writing, start_request
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Role, SignInAttempt, Team, User, UserSession
from earlyhelp.services.audit import Outcome, record_event
from earlyhelp.services.use_case import use_case

SESSION_KEY = "sid"
# last_seen_at is refreshed at most this often, so reading a page is not a database write every time.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)

WRONG_CREDENTIALS = "Enter a correct email address and password"
DUPLICATE_EMAIL = "A user with this email address already exists"


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    ended_reason: str | None = None


@dataclass(frozen=True)
class SignInAttemptResult:
    user_session: UserSession | None
    refusal: str | None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _failures_since(column, value, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(SignInAttempt.id)).where(
            column == value, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since
        )
    )


def sign_in(email: str, password: str, *, source_address: str, now: datetime | None = None) -> UserSession:
    """Check the credentials and start a session, or refuse. Every attempt is recorded, the refused ones too.

    A failed attempt must outlive the refusal (it is what throttling counts), so the attempt is its own
    use case, committed, and the refusal is raised after it.
    """
    attempt = record_sign_in_attempt(email, password, source_address=source_address, now=now)
    if attempt.refusal:
        raise Refused(attempt.refusal, field="password")
    return attempt.user_session


@use_case("sign_in", "user")
def record_sign_in_attempt(
    email: str, password: str, *, source_address: str, now: datetime | None = None
) -> SignInAttemptResult:
    now = now or clock.now()
    config = current_app.config
    email = email.strip().lower()
    minutes = config["SIGN_IN_THROTTLE_MINUTES"]
    since = now - timedelta(minutes=minutes)
    throttled = (
        _failures_since(SignInAttempt.email, email, since) >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures_since(SignInAttempt.source_address, source_address, since)
        >= config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]
    )
    user = None if throttled else User.by_email(email)
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which emails have accounts.
        check_password_hash(_dummy_hash(), password)
    succeeded = user is not None and user.active and user.check_password(password)
    db.session.add(SignInAttempt(email=email, source_address=source_address, at=now, succeeded=succeeded))
    # A failed check names the account tried (when the email is one), never what was typed. Nobody is
    # signed in yet, so the event has no user: whoever typed it may not be the account's owner.
    event = record_event(
        "sign_in",
        "user",
        user.id if user else None,
        outcome=Outcome.OK if succeeded else Outcome.DENIED,
        user=user if succeeded else None,
    )
    if not succeeded:
        event.detail = _failure_detail(user, throttled=throttled)
    if throttled:
        return SignInAttemptResult(
            None,
            f"There have been too many failed attempts to sign in. Wait {minutes} minutes and try again, "
            "or ask an administrator to reset your password",
        )
    if not succeeded:
        return SignInAttemptResult(None, WRONG_CREDENTIALS)
    return SignInAttemptResult(start_session(user, source_address=source_address, now=now), None)


def _failure_detail(user: User | None, *, throttled: bool) -> str:
    if throttled:
        return "too many failed attempts"
    if user is None:
        return "no account with that email"
    if not user.active:
        return "account disabled"
    return "wrong password"


def start_session(user: User, *, source_address: str | None, now: datetime | None = None) -> UserSession:
    now = now or clock.now()
    user_session = UserSession(user=user, created_at=now, last_seen_at=now, source_address=source_address)
    db.session.add(user_session)
    db.session.flush()
    return user_session


def check_session(token: str | None, *, now: datetime | None = None) -> SessionCheck:
    """The user a session token belongs to, if that session may still be used.

    Runs at the start of every request, GETs included. It writes only to end a session or to refresh
    last_seen_at (once a minute); then it ends the read first (begin_writing), so a GET never upgrades a
    read transaction, and afterwards the rest of a GET reads again without the write lock.
    """
    if not token:
        return SessionCheck(None)
    now = now or clock.now()
    user_session = db.session.scalar(select(UserSession).where(UserSession.token == token))
    if user_session is None or user_session.ended_at is not None:
        return SessionCheck(None, user_session.ended_reason if user_session else None)
    config = current_app.config
    reason = None
    if not user_session.user.active:
        reason = "account disabled"
    elif now - user_session.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        reason = "expired"
    elif now - user_session.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        reason = "inactive"
    if reason:
        end_session(user_session, reason, now=now)
        start_request()  # what is left of a GET or HEAD reads again, in a deferred transaction
        return SessionCheck(None, reason)
    if now - user_session.last_seen_at > LAST_SEEN_RESOLUTION:
        _write_session(user_session.id, last_seen_at=now)
    return SessionCheck(user_session.user)


def _write_session(session_id: int, **values) -> None:
    begin_writing()
    db.session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None)).values(**values)
    )
    db.session.commit()
    start_request()  # what is left of a GET or HEAD reads again, in a deferred transaction


@use_case("session_ended", "user")
def end_session(user_session: UserSession, reason: str, *, now: datetime) -> None:
    """A session found idle too long, past its lifetime, or of a disabled account: ended, and audited once
    (a session already ended is never checked this far again)."""
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.id == user_session.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    if ended.rowcount:
        event = record_event("session_ended", "user", user_session.user_id, user=user_session.user)
        event.detail = reason


@use_case("sign_out", "user")
def sign_out(token: str | None, *, actor: User | None, now: datetime | None = None) -> None:
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token == token, UserSession.ended_at.is_(None))
        .values(ended_at=now or clock.now(), ended_reason="signed out")
    )
    if actor is not None:
        record_event("sign_out", "user", actor.id, user=actor)


def end_all_sessions(user: User, reason: str, *, now: datetime | None = None) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or clock.now(), ended_reason=reason)
    )


@use_case("change_password", "user")
def change_password(
    user: User, *, current_password: str, new_password: str, source_address: str | None, now: datetime | None = None
) -> UserSession:
    """Change a person's own password. Every other session of theirs ends; this one carries on, as a new session."""
    if not user.check_password(current_password):
        raise Refused("Your current password is not correct", field="current_password")
    user.set_password(new_password)
    end_all_sessions(user, "password changed", now=now)
    record_event("change_password", "user", user.id, user=user)
    return start_session(user, source_address=source_address, now=now)


# Managing accounts (administrators)


def roles() -> list[Role]:
    return db.session.scalars(select(Role).order_by(Role.name)).all()


def teams() -> list[Team]:
    return db.session.scalars(select(Team).order_by(Team.name)).all()


def users() -> list[User]:
    """Everyone who can sign in, active first. Role, team and service come in the same query."""
    return db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()


def _name(record) -> str:
    return record.name if record is not None else "none"


def role_and_team_change(*, role_before: Role | None, team_before: Team | None, role: Role, team: Team | None) -> str:
    """What an audit event says of a role or team change: names only, never anything about a family."""
    return f"role: {_name(role_before)} -> {_name(role)}; team: {_name(team_before)} -> {_name(team)}"[:300]


def check_role_and_team(role: Role, team: Team | None) -> None:
    """Access comes from a team's work (earlyhelp/policy.py): a worker or manager needs a team; a head of service
    (the whole service) and an administrator (no case records) have none."""
    needs_team = policy.role_needs_team(role.code)
    if needs_team is True and team is None:
        raise Refused(
            f"Choose a team: the {role.name.lower()} role sees the families its team works with", field="team"
        )
    if needs_team is False and team is not None:
        raise Refused(f"Choose no team: the {role.name.lower()} role does not belong to a team", field="team")


@use_case("create", "user")
def create_user(*, email: str, name: str, password: str, role: Role, team: Team | None = None, actor=None) -> User:
    """Add someone. A head of service and an administrator need no team. The audit event names the role and
    team they start with, so giving someone a case role is on the record like any later change."""
    check_role_and_team(role, team)
    email = email.strip().lower()
    if User.by_email(email):
        raise Refused(DUPLICATE_EMAIL, field="email")
    user = User(email=email, name=name.strip(), role=role, team=team)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # someone added the same address a moment ago
        raise Refused(DUPLICATE_EMAIL, field="email") from None
    detail = role_and_team_change(role_before=None, team_before=None, role=role, team=team)
    record_event("create", "user", user.id, user=actor, detail=detail)
    return user


@use_case("update", "user")
def update_user(user: User, *, role: Role, team: Team | None, active: bool, actor: User) -> User:
    """Change someone's role, team or whether they may sign in. Disabling an account ends its sessions.

    Nobody changes their own role or team: an administrator who could would give themself a case role and
    with it the families' records. A change of role or team is audited with what it was and what it is.
    """
    if user.id == actor.id:
        if role.id != user.role_id:
            raise Refused("You cannot change your own role. Ask another administrator", field="role")
        if (team.id if team else None) != user.team_id:
            raise Refused("You cannot change your own team. Ask another administrator", field="team")
        if not active:
            raise Refused("You cannot disable your own account. Ask another administrator", field="active")
    check_role_and_team(role, team)
    if user.active and not active:
        end_all_sessions(user, "account disabled")
    changed = role.id != user.role_id or (team.id if team else None) != user.team_id
    detail = role_and_team_change(role_before=user.role, team_before=user.team, role=role, team=team) if changed else ""
    user.role, user.team, user.active = role, team, active
    record_event("update", "user", user.id, user=actor, detail=detail)
    return user
