"""Signing in and out, server-side sessions, and managing accounts.

ASVS 5.0 V7.4: a session must be refused once signed out, once its account is disabled or its password
changed, after inactivity, and after an absolute lifetime. A signed cookie alone cannot do that, so the
cookie carries only a random token naming a UserSession row, and the row decides. The views put the token
in the cookie and take it out; these functions never read the request.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import pyotp
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
WRONG_CURRENT_PASSWORD = "Your current password is not correct"  # noqa: S105 (a message)
# A code that did not work says exactly why (earlyhelp/services/accounts.py code_problem).
CODE_NOT_SIX_DIGITS = "Enter the 6 digits your authenticator app shows, for example 123456"
CODE_USED = (
    "That code has already been used: each code works once. Wait for your authenticator app to show a new code "
    "(codes change every 30 seconds), then enter it."
)
WRONG_CODE = (
    "That code is not right. Enter the 6-digit code your authenticator app shows now: codes change every "
    "30 seconds, so use the one on the screen, not an older one."
)
DUPLICATE_EMAIL = "A user with this email address already exists"
# How long a pending sign-in (password checked, second factor not yet) may wait for its code.
PENDING_SIGN_IN_MINUTES = 5


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    ended_reason: str | None = None


@dataclass(frozen=True)
class SignInAttemptResult:
    """A password sign-in that passed gives the user (the views then ask for a second factor, or start the
    session); one refused gives the refusal."""

    user: User | None
    refusal: str | None
    user_session: UserSession | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _check_hash(password_hash: str | None, password: str) -> bool:
    """The one place a password is checked: every attempt does exactly one hash check, whether the account
    exists, is disabled, or is being throttled, so the time taken says nothing about the account."""
    return check_password_hash(password_hash or _dummy_hash(), password)


# Throttling (ASVS 5.0 V6.3.1). Failures are counted per account, per address and per (account, address),
# in the database, so every app server sees the same counts. Only the (account, address) pair is locked: an
# attacker's failures never lock the owner out. Per account and per address, past a few failures the next
# attempt is checked only after a delay that doubles with each failure (capped). An address with no recent
# failures is fresh: a correct password from it is always checked, whatever others have done to the account.


def _failures(kind: str, since: datetime, *where) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        select(func.count(SignInAttempt.id), func.max(SignInAttempt.at)).where(
            SignInAttempt.kind == kind, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since, *where
        )
    ).one()
    return count, last


def _delay(count: int, threshold: int, config) -> int:
    if count < threshold:
        return 0
    return min(config["SIGN_IN_DELAY_SECONDS"] * 2 ** (count - threshold), config["SIGN_IN_DELAY_MAX_SECONDS"])


# What the throttling messages say was typed wrong, for each kind of attempt, and what to do if it keeps happening.
WRONG_THING = {
    "password": "a wrong email address or password",
    "second_factor": "a wrong code",
    "current_password": "a wrong current password",
}
RESET_ADVICE = {
    "password": "If you have forgotten your password, ask your service administrator to reset it.",
    "second_factor": "If the codes from your authenticator app do not work, ask your service administrator to remove "
    "your sign-in code. You can then set it up again.",
    "current_password": "If you have forgotten your password, ask your service administrator to reset it.",
}


def _plural(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _warned(message: str, warning: str) -> str:
    if not warning:
        return message
    return f"{message if message.endswith('.') else message + '.'} {warning}"


def throttle_refusal(kind: str, account: str, source_address: str, *, now: datetime) -> str | None:
    """Why this attempt may not be checked now, or None. Reads only; the caller records the attempt."""
    config = current_app.config
    minutes = config["SIGN_IN_THROTTLE_MINUTES"]
    since = now - timedelta(minutes=minutes)
    pair_count, _ = _failures(
        kind, since, SignInAttempt.email == account, SignInAttempt.source_address == source_address
    )
    if pair_count >= config["SIGN_IN_MAX_FAILURES_PER_PAIR"]:
        return (
            f"You have entered {WRONG_THING[kind]} too many times, so you cannot try again on this computer for "
            f"now. Wait {_plural(minutes, 'minute', 'minutes')}, then try again. {RESET_ADVICE[kind]}"
        )
    address_count, address_last = _failures(kind, since, SignInAttempt.source_address == source_address)
    if address_count == 0:
        return None  # a fresh address
    waits = [(_delay(address_count, config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"], config), address_last)]
    if pair_count:
        account_count, account_last = _failures(kind, since, SignInAttempt.email == account)
        waits.append((_delay(account_count, config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"], config), account_last))
    wait = max(
        (math.ceil((last + timedelta(seconds=delay) - now).total_seconds()) for delay, last in waits if delay),
        default=0,
    )
    if wait > 0:
        return (
            f"There have been several failed attempts, so you must wait between tries. Wait "
            f"{_plural(wait, 'second', 'seconds')}, then try again. Each failed try makes the wait longer. "
            f"{RESET_ADVICE[kind]}"
        )
    return None


def tries_left_warning(kind: str, account: str, source_address: str, *, now: datetime) -> str:
    """After a failed attempt (already added): a warning when only one or two tries are left before a wait, or
    nothing. Counted by the address typed, not the account, so it says nothing about which accounts exist."""
    config = current_app.config
    minutes = config["SIGN_IN_THROTTLE_MINUTES"]
    since = now - timedelta(minutes=minutes)
    pair_count, _ = _failures(
        kind, since, SignInAttempt.email == account, SignInAttempt.source_address == source_address
    )
    account_count, _ = _failures(kind, since, SignInAttempt.email == account)
    address_count, _ = _failures(kind, since, SignInAttempt.source_address == source_address)
    to_lock = config["SIGN_IN_MAX_FAILURES_PER_PAIR"] - pair_count
    to_delay = [
        limit - count
        for limit, count in (
            (config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"], account_count),
            (config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"], address_count),
        )
        if count < limit
    ]
    wait = _plural(minutes, "minute", "minutes")
    if to_lock <= min(to_delay, default=to_lock):
        left, before, now_what = to_lock, f"wait {wait}", f"Wait {wait} before you try again."
    else:
        left, before, now_what = min(to_delay), "wait between tries", "From now on you must wait between tries."
    if left <= 0:
        return now_what
    if left > 2:
        return ""
    return f"You have {_plural(left, 'more try', 'more tries')} before you must {before}."


def sign_in(email: str, password: str, *, source_address: str, now: datetime | None = None) -> User:
    """Check the credentials, or refuse. Every attempt is recorded, the refused ones too. The caller starts
    the session (start_session) once any second factor has passed too.

    A failed attempt must outlive the refusal (it is what throttling counts), so the attempt is its own
    use case, committed, and the refusal is raised after it.
    """
    attempt = record_sign_in_attempt(email, password, source_address=source_address, now=now)
    if attempt.refusal:
        raise Refused(attempt.refusal, field="password")
    return attempt.user


@use_case("sign_in", "user")
def record_sign_in_attempt(
    email: str, password: str, *, source_address: str, now: datetime | None = None
) -> SignInAttemptResult:
    now = now or clock.now()
    email = email.strip().lower()
    throttled = throttle_refusal("password", email, source_address, now=now)
    user = User.by_email(email)
    # Exactly one hash check, always: an unknown account, a disabled one and a throttled attempt take the
    # same work as a real check, so the response time says nothing about which addresses have accounts.
    matched = _check_hash(user.password_hash if user and not throttled else None, password)
    succeeded = not throttled and user is not None and user.active and matched
    if not throttled:  # an attempt refused unchecked is not a guess, and does not lengthen the wait
        db.session.add(
            SignInAttempt(email=email, source_address=source_address, at=now, succeeded=succeeded, kind="password")
        )
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
        event.detail = _failure_detail(user, throttled=bool(throttled))
        if throttled:
            return SignInAttemptResult(None, throttled)
        warning = tries_left_warning("password", email, source_address, now=now)
        return SignInAttemptResult(None, _warned(WRONG_CREDENTIALS, warning))
    if not (user.totp_secret or current_app.config["REQUIRE_SECOND_FACTOR"]):
        event.detail = "password"
    else:
        event.detail = "password; second factor next"
    return SignInAttemptResult(user, None)


def _failure_detail(user: User | None, *, throttled: bool) -> str:
    if throttled:
        return "too many failed attempts"
    if user is None:
        return "no account with that email"
    if not user.active:
        return "account disabled"
    return "wrong password"


def needs_second_factor(user: User) -> bool:
    return bool(user.totp_secret) or current_app.config["REQUIRE_SECOND_FACTOR"]


# The second factor: TOTP (RFC 6238), 6 digits every 30 seconds, from an authenticator app.


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["SERVICE_NAME"])


def _matching_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time step the code belongs to (this one or either neighbour, for a clock a little out), if it is
    later than the last step used: a code works once."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if (after is None or candidate > after) and secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def code_problem(secret: str, code: str, *, now: datetime, after: int | None) -> str:
    """Why a code that did not match was refused: not 6 digits, already used, or simply not right."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return CODE_NOT_SIX_DIGITS
    if after is not None and _matching_step(secret, code, now=now, after=None) is not None:
        return CODE_USED
    return WRONG_CODE


@use_case("second_factor", "user")
def record_second_factor_attempt(
    user: User, code: str, *, source_address: str, now: datetime | None = None
) -> str | None:
    """Check a code at sign-in; throttled like passwords. None when it passed, else the refusal."""
    now = now or clock.now()
    throttled = throttle_refusal("second_factor", user.email, source_address, now=now)
    step = None if throttled else _matching_step(user.totp_secret or "", code, now=now, after=user.totp_last_step)
    if not throttled:
        db.session.add(
            SignInAttempt(
                email=user.email,
                source_address=source_address,
                at=now,
                succeeded=step is not None,
                kind="second_factor",
            )
        )
    event = record_event(
        "second_factor",
        "user",
        user.id,
        outcome=Outcome.OK if step is not None else Outcome.DENIED,
        user=user if step is not None else None,
    )
    if step is None:
        event.detail = "too many failed attempts" if throttled else "wrong code"
        if throttled:
            return throttled
        problem = code_problem(user.totp_secret or "", code, now=now, after=user.totp_last_step)
        warning = tries_left_warning("second_factor", user.email, source_address, now=now)
        return _warned(problem, warning)
    user.totp_last_step = step
    return None


@use_case("set_up_second_factor", "user")
def set_up_second_factor(user: User, secret: str, code: str, *, now: datetime | None = None) -> None:
    """Keep a new secret once the person has shown a code from it (so their app has it)."""
    now = now or clock.now()
    step = _matching_step(secret, code, now=now, after=None)
    if step is None:
        raise Refused(code_problem(secret, code, now=now, after=None), field="code")
    user.totp_secret, user.totp_last_step = secret, step
    record_event("set_up_second_factor", "user", user.id, user=user)


@use_case("remove_second_factor", "user")
def remove_second_factor(user: User, *, actor: User) -> None:
    """An administrator removes someone's second factor (a lost phone). They set one up again, if required,
    at their next sign-in."""
    if not user.totp_secret:
        raise Refused(f"{user.name} has no sign-in code to remove")
    user.totp_secret, user.totp_last_step = None, None
    record_event("remove_second_factor", "user", user.id, user=actor)


def pending_is_fresh(started_at: datetime, *, now: datetime | None = None) -> bool:
    return (now or clock.now()) - started_at <= timedelta(minutes=PENDING_SIGN_IN_MINUTES)


@use_case("start_session", "user")
def begin_session(user: User, *, source_address: str | None, now: datetime | None = None) -> UserSession:
    """Start a session once every factor has passed (its own transaction, for the views)."""
    return start_session(user, source_address=source_address, now=now)


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


def end_all_sessions(user: User, reason: str, *, now: datetime | None = None) -> int:
    return db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or clock.now(), ended_reason=reason)
    ).rowcount


def check_current_password(user: User, password: str, *, source_address: str, now: datetime | None = None) -> None:
    """The current-password check on the change-password page: throttled like sign-in and audited, each
    attempt committed before any refusal (it is what throttling counts)."""
    refusal = record_current_password_attempt(user, password, source_address=source_address, now=now)
    if refusal:
        raise Refused(refusal, field="current_password")


@use_case("check_current_password", "user")
def record_current_password_attempt(
    user: User, password: str, *, source_address: str, now: datetime | None = None
) -> str | None:
    now = now or clock.now()
    throttled = throttle_refusal("current_password", user.email, source_address, now=now)
    matched = _check_hash(None if throttled else user.password_hash, password)
    succeeded = not throttled and matched
    if not throttled:
        db.session.add(
            SignInAttempt(
                email=user.email, source_address=source_address, at=now, succeeded=succeeded, kind="current_password"
            )
        )
    if succeeded:
        return None
    event = record_event("check_current_password", "user", user.id, outcome=Outcome.DENIED, user=user)
    event.detail = "too many failed attempts" if throttled else "wrong password"
    if throttled:
        return throttled
    warning = tries_left_warning("current_password", user.email, source_address, now=now)
    return _warned(WRONG_CURRENT_PASSWORD, warning)


def change_password(
    user: User, *, current_password: str, new_password: str, source_address: str, now: datetime | None = None
) -> UserSession:
    """Change a person's own password. Every other session of theirs ends; this one carries on, as a new session."""
    check_current_password(user, current_password, source_address=source_address, now=now)
    return set_new_password(
        user, current_password=current_password, new_password=new_password, source_address=source_address, now=now
    )


@use_case("change_password", "user")
def set_new_password(
    user: User, *, current_password: str, new_password: str, source_address: str | None, now: datetime | None = None
) -> UserSession:
    if new_password == current_password:
        raise Refused("Choose a new password that is different from your current one", field="new_password")
    user.set_password(new_password)
    user.must_change_password = False
    end_all_sessions(user, "password changed", now=now)
    record_event("change_password", "user", user.id, user=user)
    return start_session(user, source_address=source_address, now=now)


@use_case("reset_password", "user")
def reset_password(user: User, *, temporary_password: str, actor: User, now: datetime | None = None) -> None:
    """An administrator gives someone a temporary password: their sessions end, and they must choose their
    own password when they next sign in, before anything else."""
    if user.id == actor.id:
        raise Refused("You cannot reset your own password here. Change it on your account page", field="password")
    user.set_password(temporary_password)
    user.must_change_password = True
    end_all_sessions(user, "password reset", now=now)
    record_event("reset_password", "user", user.id, user=actor)


@use_case("end_sessions", "user")
def end_sessions_of(user: User, *, actor: User, now: datetime | None = None) -> int:
    """An administrator signs someone out everywhere (a lost laptop, someone leaving). Audited with how many."""
    ended = end_all_sessions(user, "ended by an administrator", now=now)
    record_event("end_sessions", "user", user.id, user=actor, detail=f"sessions ended: {ended}")
    return ended


def open_sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


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
def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role,
    team: Team | None = None,
    actor=None,
    temporary: bool | None = None,
) -> User:
    """Add someone. A head of service and an administrator need no team. The audit event names the role and
    team they start with, so giving someone a case role is on the record like any later change."""
    check_role_and_team(role, team)
    email = email.strip().lower()
    if User.by_email(email):
        raise Refused(DUPLICATE_EMAIL, field="email")
    user = User(email=email, name=name.strip(), role=role, team=team)
    # A password an administrator chose (there is an actor) is temporary: the person sets their own at their
    # first sign-in. One typed at the console (flask create-user) or the demo's known one is not, unless
    # `temporary` says so. Without local passwords (single sign-on only) the account gets an unusable one.
    user.set_password(password or secrets.token_urlsafe(32))
    user.must_change_password = bool(password) and (actor is not None if temporary is None else temporary)
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


def keep_alive(token: str | None, *, now: datetime | None = None) -> bool:
    """Stay signed in: the session's last_seen_at becomes now, so its idle time starts again. Only a
    session still in use; an ended one stays ended. True when the session was refreshed."""
    if not token:
        return False
    user_session = db.session.scalar(
        select(UserSession).where(UserSession.token == token, UserSession.ended_at.is_(None))
    )
    if user_session is None:
        return False
    _write_session(user_session.id, last_seen_at=now or clock.now())
    return True
