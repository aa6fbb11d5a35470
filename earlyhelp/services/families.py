"""Families: finding them, recording them, and telling their story."""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from earlyhelp import clock, policy
from earlyhelp.domain.refusals import NeedsConfirmation, Refused
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    NextStep,
    NextStepStatus,
    Person,
    Referral,
    TimelineEntry,
    User,
)
from earlyhelp.services import recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case

# No 0/O or 1/I: references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_family_reference(rng: random.Random | None = None) -> str:
    """Short, readable and not guessable from another family's reference."""
    rng = rng or secrets.SystemRandom()
    return "FAM-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))


def normalise_postcode(postcode: str) -> str:
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_prefix(typed: str) -> str:
    """What a stored postcode starts with, for a whole or partial postcode as typed ("sw1a", "SW1A 1", "sw1a1aa")."""
    if " " in typed.strip():
        return " ".join(typed.upper().split())
    compact = typed.strip().upper()
    return normalise_postcode(compact) if len(compact) >= 5 else compact


@dataclass(frozen=True)
class MemberInput:
    first_name: str
    last_name: str
    date_of_birth: date | None
    relationship_to_child: str
    is_child: bool
    school_or_setting: str = ""
    child_words: str = ""


@dataclass(frozen=True)
class PossibleMatch:
    """Someone already on record who may be one of the people being added: what the page shows of them.

    `shown` says how much the person adding the family may know: "full" (they may see the family),
    "minimal" (the reference and who holds it, `known_to`; no names or dates of birth), or "restricted"
    (only that a restricted record may match: no reference, no ids, nothing else).
    """

    person_id: int | None
    family_id: int | None
    family_reference: str
    full_name: str
    date_of_birth: date | None
    shown: str = "full"
    known_to: str = ""


NOT_OPEN = "Not currently open to a team"


def known_to(family_ids) -> dict[int, str]:
    """Who holds each of these families now, for someone who may not open them: "Known to <team>, lead
    <name>" for each open episode, or NOT_OPEN. One statement for a whole page; nothing about the family."""
    ids = set(family_ids)
    if not ids:
        return {}
    episodes = db.session.scalars(
        select(Episode)
        .where(Episode.family_id.in_(ids), Episode.ended_on.is_(None))
        .order_by(Episode.family_id, Episode.started_on, Episode.id)
    ).all()
    held: dict[int, list[str]] = {}
    for episode in episodes:
        team = episode.team.name if episode.team else episode.service.name
        lead = f"lead {episode.lead.name}" if episode.lead else "no lead named"
        held.setdefault(episode.family_id, []).append(f"{team}, {lead}")
    return {family_id: "Known to " + "; ".join(held[family_id]) if family_id in held else NOT_OPEN for family_id in ids}


def possible_duplicates(
    members: list[MemberInput], *, viewer: User | None = None, limit: int = 10
) -> list[PossibleMatch]:
    """People already on record who may be one of these: the same date of birth and a similar name.

    With a viewer, each match says only what they may know (PossibleMatch.shown), in a fixed number of
    statements; a restricted family they are not named on is at most one "restricted" match.
    """
    conditions = [
        and_(
            Person.date_of_birth == member.date_of_birth,
            or_(
                func.lower(Person.last_name) == member.last_name.strip().lower(),
                func.lower(Person.first_name) == member.first_name.strip().lower(),
            ),
        )
        for member in members
        if member.date_of_birth
    ]
    if not conditions:
        return []
    # The family is an alias: policy.not_restricted_for() asks about Family in a subquery of its own.
    family = aliased(Family)
    open_to_viewer = policy.not_restricted_for(viewer, family.id) if viewer is not None else true()
    rows = db.session.execute(
        select(Person, family.reference, open_to_viewer.label("open_to_viewer"))
        .join(family, Person.family_id == family.id)
        .where(or_(*conditions))
        .order_by(Person.family_id, Person.id)
        .limit(limit)
    ).all()
    if viewer is None:
        return [
            PossibleMatch(person.id, person.family_id, reference, person.full_name, person.date_of_birth)
            for person, reference, _ in rows
        ]
    findable = [(person, reference) for person, reference, is_open in rows if is_open]
    visible = policy.visible_among(viewer, {person.family_id for person, _ in findable})
    holders = known_to({person.family_id for person, _ in findable} - visible)
    matches = []
    hidden_families = set()
    for person, reference in findable:
        if person.family_id in visible:
            matches.append(
                PossibleMatch(person.id, person.family_id, reference, person.full_name, person.date_of_birth)
            )
        elif person.family_id not in hidden_families:  # one row per family: nothing about the person
            hidden_families.add(person.family_id)
            matches.append(
                PossibleMatch(None, person.family_id, reference, "", None, "minimal", holders[person.family_id])
            )
    if len(findable) < len(rows):
        matches.append(PossibleMatch(None, None, "", "", None, "restricted"))
    return matches


CONFIRM_NEW_FAMILY = "Confirm that none of these is the same family, or open the matching family instead"


def check_household(members: list[MemberInput]) -> None:
    """Early help is for families with children: a household has at least one."""
    if not any(member.is_child for member in members):
        raise Refused("Add at least one child", "household")


@use_case("create", "family")
def create_family(
    *,
    address: str,
    postcode: str,
    languages: str,
    interpreter_needed: bool,
    culture_and_identity: str,
    members: list[MemberInput],
    actor: User,
    confirmed_new: bool = False,
    now: datetime | None = None,
) -> Family:
    """Record a new family. If anyone in it may already be known, NeedsConfirmation carries the possible
    matches, so that nobody adds a second record for a child who is already on one without saying so."""
    check_household(members)
    if not confirmed_new:
        matches = possible_duplicates(members, viewer=actor)
        if matches:
            raise NeedsConfirmation(CONFIRM_NEW_FAMILY, matches, field="confirm_new")
    family = Family(
        reference=new_family_reference(),
        address=address.strip(),
        postcode=normalise_postcode(postcode),
        languages=languages.strip(),
        interpreter_needed=interpreter_needed,
        culture_and_identity=culture_and_identity.strip(),
    )
    for member in members:
        family.members.append(Person(**{k: v.strip() if isinstance(v, str) else v for k, v in member.__dict__.items()}))
    db.session.add(family)
    db.session.flush()
    add_to_timeline(family.id, "Family record created", "family", family.id, actor=actor, at=now)
    record_event("create", "family", family.id, family_id=family.id, user=actor)
    return family


@use_case("update", "person")
def update_person(person: Person, changes: dict, *, actor: User) -> None:
    if person.is_child and changes.get("is_child") is False:
        others = [member for member in person.family.members if member.is_child and member.id != person.id]
        if not others:
            raise Refused(
                f"{person.full_name} is the only child in the household, and a family record needs one."
                " Select yes, or add another child first",
                "is_child",
            )
    for name, value in changes.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    add_to_timeline(person.family_id, f"Details of {person.full_name} updated", "person", person.id, actor=actor)
    record_event("update", "person", person.id, family_id=person.family_id, user=actor)


def add_to_timeline(
    family_id: int,
    summary: str,
    record_type: str,
    record_id: int | None,
    *,
    actor: User | None,
    at: datetime | date | None = None,
    late_reason: str = "",
) -> None:
    """One line of the family's story, written down now. `at` is when it happened: a moment, or a day when
    only the day is known (shown as the day, never with an invented time); now if not given. A use case that
    records something late checks the reason first (services/recording.py) and passes it."""
    recorded_at = clock.now()
    day_only = isinstance(at, date) and not isinstance(at, datetime)
    happened = clock.at_london(at, time(0, 0)) if day_only else (at or recorded_at)
    db.session.add(
        TimelineEntry(
            family_id=family_id,
            summary=summary[:300],
            record_type=record_type,
            record_id=record_id,
            actor_id=actor.id if actor else None,
            at=happened,
            day_only=day_only,
            recorded_at=recorded_at,
            recorded_late=recording.is_late(at if day_only else happened, recorded_at),
            late_recording_reason=late_reason.strip(),
        )
    )


def search(
    *,
    name: str = "",
    reference: str = "",
    date_of_birth: date | None = None,
    postcode: str = "",
    viewer: User | None = None,
) -> Select:
    """Families matching every criterion given. Names match any household member by prefix, in any case.

    Each household is loaded with its family. With a viewer (as every page gives), a restricted family they
    are not named on is never found. Which of the rest they may open is the page's question
    (policy.visible_among, once per page)."""
    family = aliased(Family)  # policy.not_restricted_for() asks about Family in a subquery of its own
    query = select(family).options(selectinload(family.members))
    if viewer is not None:
        query = query.where(policy.not_restricted_for(viewer, family.id))
    person_conditions = []
    for word in name.lower().split():
        pattern = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        person_conditions.append(
            or_(
                func.lower(Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.last_name).like(pattern, escape="\\"),
            )
        )
    if date_of_birth:
        person_conditions.append(Person.date_of_birth == date_of_birth)
    if person_conditions:
        query = query.where(family.id.in_(select(Person.family_id).where(*person_conditions)))
    if reference.strip():
        query = query.where(family.reference == reference.strip().upper())
    if postcode.strip():
        query = query.where(family.postcode.startswith(postcode_prefix(postcode), autoescape=True))
    return query.order_by(family.reference)


def open_episodes(family_id: int) -> list[Episode]:
    """Current involvement: at most one open episode, so one current lead, per service."""
    return db.session.scalars(
        select(Episode).where(Episode.family_id == family_id, Episode.ended_on.is_(None)).order_by(Episode.started_on)
    ).all()


def timeline(family_id: int) -> Select:
    return (
        select(TimelineEntry)
        .where(TimelineEntry.family_id == family_id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
    )


def timeline_page(family_id: int, *, page: int, per_page: int) -> Pagination:
    """One page of the family's story, with who did each thing (TimelineEntry.actor is loaded with it)."""
    return db.paginate(timeline(family_id), page=page, per_page=per_page, error_out=False)


def overview(family: Family, *, viewer: User) -> dict:
    """Everything the family page shows beside its household and timeline, in a fixed number of queries."""
    from earlyhelp.services import family_plans, next_steps, transfers

    episodes = open_episodes(family.id)
    moving = transfers.open_for_family(family.id)
    starting = {transfer.from_episode_id for transfer in moving}
    return {
        "episodes": episodes,
        # Every referral about the family, decided or not, newest first.
        "referrals": db.session.scalars(
            select(Referral).where(Referral.family_id == family.id).order_by(Referral.received_at.desc(), Referral.id)
        ).all(),
        "transfers": moving,
        "plan": next((plan for plan in family_plans.plans(family.id) if plan.is_issued), None),
        "next_steps": db.session.scalars(
            next_steps.for_family(family.id).where(NextStep.status == NextStepStatus.OPEN)
        ).all(),
        "today": clock.today(),
        "can_move": {
            episode.id
            for episode in episodes
            if episode.id not in starting and policy.may_start_transfer_from(viewer, episode)
        },
    }
