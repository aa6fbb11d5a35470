"""Signing in and out, server-side sessions, and managing accounts.

ASVS 5.0 V7.4: a session must be refused once signed out, once its account is disabled or its password
changed, after inactivity, and after an absolute lifetime. A signed cookie alone cannot do that, so the
cookie carries only a random token naming a UserSession row, and the row decides.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, request, session
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import SignInAttempt, User, UserSession
from earlyhelp.services.audit import Outcome, record_event

SESSION_KEY = "sid"
# last_seen_at is refreshed at most this often, so reading a page is not a database write every time.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


class SignInError(Exception):
    pass


class SignInThrottled(SignInError):
    pass


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    ended_reason: str | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _failures_since(column, value, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(SignInAttempt.id)).where(
            column == value, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since
        )
    )


def sign_in(email: str, password: str, *, source_address: str, now: datetime | None = None) -> User:
    """Check the credentials and start a session, or raise SignInError. Every attempt is recorded."""
    now = now or clock.now()
    config = current_app.config
    email = email.strip().lower()
    since = now - timedelta(minutes=config["SIGN_IN_THROTTLE_MINUTES"])
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
    record_event(
        "sign_in",
        "user",
        user.id if user else None,
        outcome=Outcome.OK if succeeded else Outcome.DENIED,
        user=user if succeeded else None,
    )
    if not succeeded:
        db.session.commit()
        raise SignInThrottled() if throttled else SignInError()
    start_session(user, now=now)
    db.session.commit()
    return user


def start_session(user: User, *, now: datetime | None = None) -> UserSession:
    now = now or clock.now()
    user_session = UserSession(user=user, created_at=now, last_seen_at=now, source_address=request.remote_addr)
    db.session.add(user_session)
    db.session.flush()
    # A fresh cookie at sign-in: nothing from before survives (session fixation).
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = user_session.token
    return user_session


def check_session(token: str | None, *, now: datetime | None = None) -> SessionCheck:
    """The user a session token belongs to, if that session may still be used."""
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
        user_session.ended_at, user_session.ended_reason = now, reason
        db.session.commit()
        return SessionCheck(None, reason)
    if now - user_session.last_seen_at > LAST_SEEN_RESOLUTION:
        user_session.last_seen_at = now
        db.session.commit()
    return SessionCheck(user_session.user)


def sign_out(*, now: datetime | None = None) -> None:
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token == token, UserSession.ended_at.is_(None))
            .values(ended_at=now or clock.now(), ended_reason="signed out")
        )
    session.clear()


def end_all_sessions(user: User, reason: str, *, now: datetime | None = None) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or clock.now(), ended_reason=reason)
    )


def change_password(user: User, *, current_password: str, new_password: str) -> bool:
    """Change a person's own password. Every other session of theirs ends; this one carries on."""
    if not user.check_password(current_password):
        return False
    user.set_password(new_password)
    end_all_sessions(user, "password changed")
    record_event("change_password", "user", user.id, user=user)
    start_session(user)
    db.session.commit()
    return True


def create_user(*, email: str, name: str, password: str, role, team=None, actor=None) -> User:
    user = User(email=email.strip().lower(), name=name.strip(), role=role, team=team)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("create", "user", user.id, user=actor)
    return user


def update_user(user: User, *, role, team, active: bool, actor) -> None:
    if user.active and not active:
        end_all_sessions(user, "account disabled")
    user.role, user.team, user.active = role, team, active
    record_event("update", "user", user.id, user=actor)
