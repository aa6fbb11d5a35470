"""Families: finding them, recording them, and telling their story."""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Person, TimelineEntry, User
from earlyhelp.services.audit import record_event

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


def possible_duplicates(members: list[MemberInput], *, limit: int = 10) -> list[Person]:
    """People already on record who may be one of these: the same date of birth and a similar name."""
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
    return db.session.scalars(select(Person).where(or_(*conditions)).order_by(Person.family_id).limit(limit)).all()


def create_family(
    *,
    address: str,
    postcode: str,
    languages: str,
    interpreter_needed: bool,
    culture_and_identity: str,
    members: list[MemberInput],
    actor: User,
    now: datetime | None = None,
) -> Family:
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


def update_person(person: Person, changes: dict, *, actor: User) -> None:
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
    at: datetime | None = None,
) -> None:
    db.session.add(
        TimelineEntry(
            family_id=family_id,
            summary=summary[:300],
            record_type=record_type,
            record_id=record_id,
            actor_id=actor.id if actor else None,
            at=at or clock.now(),
        )
    )


def search(*, name: str = "", reference: str = "", date_of_birth: date | None = None, postcode: str = "") -> Select:
    """Families matching every criterion given. Names match any household member by prefix, in any case."""
    query = select(Family)
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
        query = query.where(Family.id.in_(select(Person.family_id).where(*person_conditions)))
    if reference.strip():
        query = query.where(Family.reference == reference.strip().upper())
    if postcode.strip():
        query = query.where(Family.postcode.startswith(postcode_prefix(postcode), autoescape=True))
    return query.order_by(Family.reference)


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
