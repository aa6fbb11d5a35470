"""Restricting a family (a staff member's relative, a public figure): only the people named may see it.

A manager or head of service who may restrict the family (policy.may_restrict) names the people allowed
and says why. To everyone else the family does not exist: earlyhelp/policy.py leaves it out of every
rule. The reason is kept on the family and shown only on the restriction page; the timeline and the
audit trail say that the record was restricted, and how many people are named, never why.

Family.restricted_reason, restricted_by_id and restricted_at hold the latest decision about the
restriction: restricting, changing who is named, or lifting it (with the reason for lifting).

Nobody is locked out silently: the page offers everyone who works with the family, saying why, and ticks
its current leads; whoever could see the family and is not named is told (without any case text); and
restricting ends any break-glass opening, so that lifting the restriction later brings none back.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update

from earlyhelp import clock, policy
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import CLOSED_STATES
from earlyhelp.extensions import db
from earlyhelp.models import BreakGlass, Episode, Family, NextStep, NextStepStatus, RestrictedAccess, Transfer, User
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.use_case import use_case


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


@dataclass
class Offered:
    """Someone who may be named, and why they are offered ("Lead for early help", "Early help north")."""

    person: User
    reasons: list[str] = field(default_factory=list)
    lead: bool = False  # a current lead of the family: ticked when the family is first restricted


def _service(name: str) -> str:
    return name[:1].lower() + name[1:]


def offered_people(family: Family, actor: User) -> list[Offered]:
    """Who may be named: the active case workers with a working relationship to the family (the leads and
    teams of its open episodes, the proposed and receiving leads and both teams of its open step-ups and
    step-downs, the owners of its open next steps), whoever is named already, and the person restricting
    it. A fixed number of statements, however many people there are."""
    reasons: dict[int, list[str]] = defaultdict(list)
    leads: set[int] = set()
    teams: dict[int, str] = {}

    def because(user_id, why: str) -> None:
        if user_id is not None and why not in reasons[user_id]:
            reasons[user_id].append(why)

    episodes = db.session.scalars(
        select(Episode).where(Episode.family_id == family.id, Episode.ended_on.is_(None)).order_by(Episode.id)
    ).all()
    for episode in episodes:
        if episode.lead_id is not None:
            because(episode.lead_id, f"Lead for {_service(episode.service.name)}")
            leads.add(episode.lead_id)
        if episode.team is not None:
            teams[episode.team.id] = episode.team.name
    transfers = db.session.scalars(
        select(Transfer)
        .where(Transfer.family_id == family.id, Transfer.state.not_in(CLOSED_STATES))
        .order_by(Transfer.id)
    ).all()
    for transfer in transfers:
        title = "step-up" if transfer.direction == "step_up" else "step-down"
        service = _service(transfer.to_service.name)
        if transfer.receiving_lead_id is not None:
            because(transfer.receiving_lead_id, f"Lead for {service} ({title})")
            leads.add(transfer.receiving_lead_id)
        if transfer.proposed_lead_id is not None and transfer.proposed_lead_id != transfer.receiving_lead_id:
            because(transfer.proposed_lead_id, f"Proposed lead for {service} ({title})")
            leads.add(transfer.proposed_lead_id)
        for team in (transfer.sending_team, transfer.receiving_team):
            if team is not None:
                teams.setdefault(team.id, team.name)
    owners = select(NextStep.owner_user_id).where(
        NextStep.family_id == family.id, NextStep.status == NextStepStatus.OPEN
    )
    for owner_id in db.session.scalars(owners).unique():
        because(owner_id, "Has a next step for the family")
    named = set(db.session.scalars(select(RestrictedAccess.user_id).where(RestrictedAccess.family_id == family.id)))
    candidates = db.session.scalars(
        select(User)
        .where(
            or_(User.team_id.in_(list(teams)), User.id.in_(list(reasons)), User.id.in_(named), User.id == actor.id),
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    ).unique()
    offered = []
    for person in candidates:
        if not policy.is_case_worker(person):
            continue
        why = list(reasons.get(person.id, []))
        if person.team_id in teams:
            why.append(teams[person.team_id])
        if person.id in named:
            why.append("Named now")
        offered.append(Offered(person=person, reasons=why, lead=person.id in leads))
    return offered


def people_to_offer(family: Family, actor: User) -> list[User]:
    """The people offered (offered_people), without why."""
    return [offer.person for offer in offered_people(family, actor)]


def _locked(family: Family) -> Family:
    """The family, locked, as saved now: read again (populate_existing), not as this request first read it, so
    that a decision saved by another post while this one waited for the lock is seen."""
    return db.session.scalars(
        select(Family).where(Family.id == family.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _check_may(family: Family, actor: User) -> None:
    if not policy.may_restrict(actor, family.id):
        raise Refused("You cannot restrict this record: ask the family's team manager or the head of service")


def someone_can_lift(people: list[User]) -> None:
    """Refuse a restriction that names no team manager and no head of service.

    A restricted family is seen only by the people named, and policy.may_restrict lets only a team manager
    or a head of service restrict it, change who is named or lift it. A head of service who is not named
    cannot see it either (the policy is deliberately not changed for this). So if nobody named is a manager
    or a head of service, once the person who restricted it moves on nobody could ever lift it.
    """
    if not any(policy.is_team_manager(person) or policy.is_head_of_service(person) for person in people):
        raise Refused(
            "Name at least one team manager or head of service, so that someone can change or lift the restriction",
            "named",
        )


def _checked_people(named: list[User], actor: User) -> list[User]:
    """The people named, with the actor always added first (the page says "You are always included")."""
    people = {actor.id: actor}
    for person in named:
        if policy.is_administrator(person):
            raise Refused(f"{person.name} is an administrator: administrators see no case record", "named")
        if not (person.active and policy.is_case_worker(person)):
            raise Refused(f"{person.name} cannot be named: only active case workers can be", "named")
        people.setdefault(person.id, person)
    chosen = list(people.values())
    someone_can_lift(chosen)
    return chosen


def _who_sees_now(family: Family, actor: User) -> list[User]:
    """Of the people offered, everyone (but the actor) who may see the family now: asked before any change."""
    return [
        offer.person
        for offer in offered_people(family, actor)
        if offer.person.id != actor.id and policy.may_view_family(offer.person, family.id)
    ]


def _tell_who_lost_access(family: Family, could_see: list[User], people: list[User], actor: User) -> int:
    """A notice, with no case text (so it is kept: family_id=None), for each person who lost access."""
    named = {person.id for person in people}
    stamp = clock.now().isoformat()
    told = 0
    for person in could_see:
        if person.id in named or not person.active:
            continue
        notice = notify(
            person,
            kind="restricted",
            message=f"A family record you worked on has been restricted. Ask {actor.name} if you need access.",
            link=link_to("main.home"),
            dedupe_key=f"restricted:{family.id}:{person.id}:{stamp}",
            family_id=None,
        )
        told += notice is not None
    return told


def _end_break_glass(family: Family) -> None:
    """End every current break-glass opening, so that lifting the restriction later brings none back."""
    now = clock.now()
    db.session.execute(
        update(BreakGlass)
        .where(BreakGlass.family_id == family.id, BreakGlass.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )


def _name(family: Family, people: list[User], actor: User) -> None:
    db.session.execute(delete(RestrictedAccess).where(RestrictedAccess.family_id == family.id))
    now = clock.now()
    for person in people:
        db.session.add(RestrictedAccess(family_id=family.id, user_id=person.id, named_by_id=actor.id, named_at=now))


class Named(list):
    """Everyone now named on a restricted family. `already_saved`: the form posted was the decision already saved
    (the same form posted twice: a double click, Back and save, two posts at once), so nothing was written."""

    already_saved = False


def _already_saved(family: Family, reason: str, people: list[User]) -> Named | None:
    """The people named, marked `already_saved`, when the family is restricted with this reason to exactly
    these people already; otherwise None."""
    named = set(db.session.scalars(select(RestrictedAccess.user_id).where(RestrictedAccess.family_id == family.id)))
    if not family.restricted or family.restricted_reason != reason or named != {person.id for person in people}:
        return None
    saved = Named(people)
    saved.already_saved = True
    return saved


def _decided(family: Family, reason: str, actor: User) -> None:
    family.restricted_reason = reason
    family.restricted_by_id = actor.id
    family.restricted_at = clock.now()


@use_case("restrict", "family")
def restrict_family(family: Family, *, reason: str, named: list[User], actor: User) -> Named:
    """Restrict the family to the people named (and the actor). Returns everyone now named.

    Whoever could see the family just before and is not named is told; break-glass openings end. The same
    form posted twice restricts it once: the second finds it restricted just so (`already_saved`)."""
    _check_may(family, actor)
    family = _locked(family)
    reason = check_reason(reason, asked="why this record is being restricted")
    people = _checked_people(named, actor)
    if family.restricted:
        already = _already_saved(family, reason, people)
        if already is None:
            raise Refused("This record is already restricted: change who is named instead")
        return already
    could_see = _who_sees_now(family, actor)
    family.restricted = True
    _decided(family, reason, actor)
    _name(family, people, actor)
    _end_break_glass(family)
    _tell_who_lost_access(family, could_see, people, actor)
    add_to_timeline(family.id, "Record restricted", "family", family.id, actor=actor)
    record_event(
        "restrict", "family", family.id, family_id=family.id, user=actor, detail=f"named: {len(people)} people"
    )
    policy.forget_cached()
    return Named(people)


@use_case("change_restriction", "family")
def change_named(family: Family, *, reason: str, named: list[User], actor: User) -> Named:
    """Change who is named on a restricted family (the actor stays named), with the reason as it now stands.

    Whoever is taken off the list (and so can no longer see the family) is told. A change to what is saved
    already (the same form posted twice) writes nothing and is marked `already_saved`."""
    _check_may(family, actor)
    family = _locked(family)
    if not family.restricted:
        raise Refused("This record is not restricted any more: restrict it again if it needs to be")
    reason = check_reason(reason, asked="why this record is restricted")
    people = _checked_people(named, actor)
    already = _already_saved(family, reason, people)
    if already is not None:
        return already
    could_see = _who_sees_now(family, actor)
    before = {access.user_id for access in db.session.scalars(select(RestrictedAccess).filter_by(family_id=family.id))}
    after = {person.id for person in people}
    _decided(family, reason, actor)
    _name(family, people, actor)
    _tell_who_lost_access(family, could_see, people, actor)
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
    return Named(people)


@use_case("lift_restriction", "family")
def lift_restriction(family: Family, *, reason: str, actor: User) -> None:
    """Lift the restriction: the family is seen again by everyone with a working relationship."""
    _check_may(family, actor)
    family = _locked(family)
    if not family.restricted:
        raise Refused("This record is not restricted")
    reason = check_reason(reason, asked="why the restriction is being lifted")
    count = len(db.session.scalars(select(RestrictedAccess.id).filter_by(family_id=family.id)).all())
    family.restricted = False
    _decided(family, reason, actor)
    db.session.execute(delete(RestrictedAccess).where(RestrictedAccess.family_id == family.id))
    add_to_timeline(family.id, "Restriction lifted", "family", family.id, actor=actor)
    record_event(
        "lift_restriction", "family", family.id, family_id=family.id, user=actor, detail=f"was named: {count} people"
    )
    policy.forget_cached()
