"""Restricting a family (a staff member's relative, a public figure): only the people named may see it.

A manager or head of service who may restrict the family (policy.may_restrict) names the people allowed
and says why. To everyone else the family does not exist: earlyhelp/policy.py leaves it out of every
rule. The reason is kept on the family and shown only on the restriction page; the timeline and the
audit trail say that the record was restricted, and how many people are named, never why.

Family.restricted_reason, restricted_by_id and restricted_at hold the latest decision about the
restriction: restricting, changing who is named, or lifting it (with the reason for lifting).
"""

from sqlalchemy import delete, or_, select

from earlyhelp import clock, policy
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, RestrictedAccess, User
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.use_case import use_case

REASON_MIN = 10
REASON_MAX = 2000


def named_people(family: Family) -> list[User]:
    """The people named on a restricted family, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(RestrictedAccess, RestrictedAccess.user_id == User.id)
            .where(RestrictedAccess.family_id == family.id)
            .order_by(User.name, User.id)
        ).unique()
    )


def people_to_offer(family: Family, actor: User) -> list[User]:
    """Who may be named: the active case workers with a working relationship to the family (the members
    and leads of its open episodes' teams), whoever is named already, and the person restricting it."""
    teams = select(Episode.team_id).where(Episode.family_id == family.id, Episode.ended_on.is_(None))
    leads = select(Episode.lead_id).where(Episode.family_id == family.id, Episode.ended_on.is_(None))
    named = select(RestrictedAccess.user_id).where(RestrictedAccess.family_id == family.id)
    candidates = db.session.scalars(
        select(User)
        .where(
            or_(User.team_id.in_(teams), User.id.in_(leads), User.id.in_(named), User.id == actor.id),
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    ).unique()
    return [person for person in candidates if policy.is_case_worker(person)]


def _locked(family: Family) -> Family:
    return db.session.scalars(select(Family).where(Family.id == family.id).with_for_update()).one()


def _check_may(family: Family, actor: User) -> None:
    if not policy.may_restrict(actor, family.id):
        raise Refused("You cannot restrict this record: ask the family's team manager or the head of service")


def _checked_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(f"Enter why {what}", "reason")
    if len(reason) < REASON_MIN:
        raise Refused(f"The reason must be at least {REASON_MIN} characters", "reason")
    if len(reason) > REASON_MAX:
        raise Refused(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    return reason


def _checked_people(named: list[User], actor: User) -> list[User]:
    if not named:
        raise Refused("Select at least one person who may see this record", "named")
    for person in named:
        if policy.is_administrator(person):
            raise Refused(f"{person.name} is an administrator: administrators see no case record", "named")
        if not (person.active and policy.is_case_worker(person)):
            raise Refused(f"{person.name} cannot be named: only active case workers can be", "named")
    people = {person.id: person for person in named}
    people.setdefault(actor.id, actor)  # whoever restricts a record is always named on it
    return list(people.values())


def _name(family: Family, people: list[User], actor: User) -> None:
    db.session.execute(delete(RestrictedAccess).where(RestrictedAccess.family_id == family.id))
    now = clock.now()
    for person in people:
        db.session.add(RestrictedAccess(family_id=family.id, user_id=person.id, named_by_id=actor.id, named_at=now))


def _decided(family: Family, reason: str, actor: User) -> None:
    family.restricted_reason = reason
    family.restricted_by_id = actor.id
    family.restricted_at = clock.now()


@use_case("restrict", "family")
def restrict_family(family: Family, *, reason: str, named: list[User], actor: User) -> list[User]:
    """Restrict the family to the people named (and the actor). Returns everyone now named."""
    _check_may(family, actor)
    family = _locked(family)
    if family.restricted:
        raise Refused("This record is already restricted: change who is named instead")
    reason = _checked_reason(reason, "this record is being restricted")
    people = _checked_people(named, actor)
    family.restricted = True
    _decided(family, reason, actor)
    _name(family, people, actor)
    add_to_timeline(family.id, "Record restricted", "family", family.id, actor=actor)
    record_event(
        "restrict", "family", family.id, family_id=family.id, user=actor, detail=f"named: {len(people)} people"
    )
    policy.forget_cached()
    return people


@use_case("change_restriction", "family")
def change_named(family: Family, *, reason: str, named: list[User], actor: User) -> list[User]:
    """Change who is named on a restricted family (the actor stays named), with the reason as it now stands."""
    _check_may(family, actor)
    family = _locked(family)
    if not family.restricted:
        raise Refused("This record is not restricted any more: restrict it again if it needs to be")
    reason = _checked_reason(reason, "this record is restricted")
    people = _checked_people(named, actor)
    before = {access.user_id for access in db.session.scalars(select(RestrictedAccess).filter_by(family_id=family.id))}
    after = {person.id for person in people}
    _decided(family, reason, actor)
    _name(family, people, actor)
    add_to_timeline(family.id, "Restriction changed", "family", family.id, actor=actor)
    record_event(
        "change_restriction",
        "family",
        family.id,
        family_id=family.id,
        user=actor,
        detail=f"named: {len(after)} people (added {len(after - before)}, removed {len(before - after)})",
    )
    policy.forget_cached()
    return people


@use_case("lift_restriction", "family")
def lift_restriction(family: Family, *, reason: str, actor: User) -> None:
    """Lift the restriction: the family is seen again by everyone with a working relationship."""
    _check_may(family, actor)
    family = _locked(family)
    if not family.restricted:
        raise Refused("This record is not restricted")
    reason = _checked_reason(reason, "the restriction is being lifted")
    count = len(db.session.scalars(select(RestrictedAccess.id).filter_by(family_id=family.id)).all())
    family.restricted = False
    _decided(family, reason, actor)
    db.session.execute(delete(RestrictedAccess).where(RestrictedAccess.family_id == family.id))
    add_to_timeline(family.id, "Restriction lifted", "family", family.id, actor=actor)
    record_event(
        "lift_restriction", "family", family.id, family_id=family.id, user=actor, detail=f"was named: {count} people"
    )
    policy.forget_cached()
