"""What someone was saving when their session ended, kept on the server and offered back to them alone.

A post that arrives after its session ended (idle, at its time limit, password changed, signed out in
another tab), or that fails its CSRF check because the person signed in again elsewhere, is not lost: its
fields are kept for HELD_POST_MINUTES against the person the session belonged to, never passwords or the
CSRF token. After they sign in again as the same person they see it and post it again to the same
address, where it is checked like any other save. Nobody else can open it, and old ones are deleted.
"""

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import HeldPost, User, UserSession
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case

NEVER_KEPT = ("csrf_token",)
# A session ended this way is not its owner's to carry on with.
NOT_HELD_REASONS = frozenset({"account disabled"})


def is_kept(name: str) -> bool:
    return name not in NEVER_KEPT and "password" not in name.lower() and "totp" not in name.lower()


def owner_of_ended_session(token: str | None) -> User | None:
    """The person whose session a cookie still names, once that session has ended (for any reason but a
    disabled account)."""
    if not token:
        return None
    user_session = db.session.scalar(select(UserSession).where(UserSession.token == token))
    if user_session is None or user_session.ended_at is None or user_session.ended_reason in NOT_HELD_REASONS:
        return None
    return user_session.user if user_session.user.active else None


def _oldest_kept(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["HELD_POST_MINUTES"])


def _forget_old(now: datetime) -> None:
    db.session.execute(
        delete(HeldPost).where(or_(HeldPost.created_at < _oldest_kept(now), HeldPost.taken_at.is_not(None)))
    )


@use_case("hold", "held_post")
def hold_post(user: User, *, path: str, fields: list[tuple[str, str]], now: datetime | None = None) -> HeldPost:
    """Keep a post for `user`. Old and used ones are deleted on the way. The audit event says a post was
    kept and where to, never what it said."""
    now = now or clock.now()
    _forget_old(now)
    kept = [[name, value] for name, value in fields if is_kept(name)]
    held = HeldPost(user_id=user.id, path=path[:2000], fields=json.dumps(kept), created_at=now)
    db.session.add(held)
    db.session.flush()
    record_event("hold", "held_post", held.id, user=user, detail=path.split("?")[0][:300])
    return held


def held_for(token: str, user: User, *, now: datetime | None = None) -> HeldPost | None:
    """A kept post, only for the person it was kept for, and only while it is kept."""
    now = now or clock.now()
    return db.session.scalar(
        select(HeldPost).where(
            HeldPost.token == token,
            HeldPost.user_id == user.id,
            HeldPost.taken_at.is_(None),
            HeldPost.created_at >= _oldest_kept(now),
        )
    )


def fields_of(held: HeldPost) -> list[tuple[str, str]]:
    return [(name, value) for name, value in json.loads(held.fields)]


@use_case("take", "held_post")
def take_post(held: HeldPost, *, actor: User, discarded: bool = False, now: datetime | None = None) -> None:
    """The person posted it again, or threw it away: either way it is not offered again (and is deleted
    with the old ones next time)."""
    held.taken_at = now or clock.now()
    record_event("take", "held_post", held.id, user=actor, detail="thrown away" if discarded else "sent again")
