"""Breaking the glass: opening a family with no working relationship, for a stated reason and a limited
time. Recorded, audited, and told to the managers of the teams that hold the family (earlyhelp/policy.py
decides who may)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from earlyhelp import clock, policy
from earlyhelp.domain import reasons
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import BreakGlass, Episode, Family, Role, User
from earlyhelp.policy import RoleCode
from earlyhelp.services.audit import record_event
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import add_once, by_submission_key


def check_reason(reason: str | None) -> str:
    return reasons.check_reason(reason, asked="why you need to open this record")


def _managers_holding(family_id: int) -> list[User]:
    """The active team managers of every team with an open episode of the family; when no team holds it,
    the heads of service, so that an opening is always seen by someone who can ask why."""
    teams = select(Episode.team_id).where(Episode.family_id == family_id, Episode.ended_on.is_(None))
    managers = db.session.scalars(
        select(User)
        .join(Role)
        .where(User.team_id.in_(teams), User.active, Role.code == RoleCode.TEAM_MANAGER)
        .order_by(User.id)
    ).all()
    return (
        managers
        or db.session.scalars(
            select(User).join(Role).where(User.active, Role.code == RoleCode.HEAD_OF_SERVICE).order_by(User.id)
        ).all()
    )


def already_opened(family: Family, actor: User, submission_key: str | None) -> BreakGlass | None:
    """The opening this person's form (its one-time key) already made of this family, marked `already_saved`."""
    glass = by_submission_key(BreakGlass, (submission_key or "")[:64] or None)
    if glass is None or (glass.family_id, glass.user_id) != (family.id, actor.id):
        return None
    glass.already_saved = True
    return glass


def _already_saved(glass: BreakGlass, family: Family, actor: User) -> BreakGlass:
    if (glass.family_id, glass.user_id) != (family.id, actor.id):  # not this person's form: copied or forged
        raise Refused("This form has already been used. Open the page again to start afresh")
    glass.already_saved = True
    return glass


@use_case("break_glass", "family")
def break_glass(family: Family, *, reason: str, actor: User, submission_key: str | None = None) -> BreakGlass:
    """Open the family for a limited time, for the reason given; its managers are told.

    The form's one-time `submission_key` opens it once however often it is posted (a double click, Back and
    save): the second post gets the first opening, marked `already_saved`, and nobody is told twice."""
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut
    existing = by_submission_key(BreakGlass, submission_key)
    if existing is not None:
        return _already_saved(existing, family, actor)
    if not policy.may_break_glass(actor, family):
        raise Refused("You cannot break the glass on this record")
    reason = check_reason(reason)
    now = clock.now()
    glass = BreakGlass(
        user_id=actor.id,
        family_id=family.id,
        reason=reason,
        at=now,
        expires_at=now + timedelta(hours=current_app.config["BREAK_GLASS_HOURS"]),
        submission_key=submission_key,
    )
    saved = add_once(glass)
    if saved.already_saved:  # the same form, posted at the same moment: the other post opened it
        return _already_saved(saved, family, actor)
    record_event("break_glass", "family", family.id, family_id=family.id, user=actor)
    link = link_to("families.show", family_id=family.id)
    for manager in _managers_holding(family.id):
        if manager.id == actor.id:
            continue
        notify(
            manager,
            kind="break_glass",
            message=f"{actor.name} opened {family.reference} by breaking the glass",
            link=link,
            dedupe_key=f"break_glass:{glass.id}:{manager.id}",
            family_id=family.id,
        )
    policy.forget_cached()
    return glass
