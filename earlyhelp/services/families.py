"""Families: finding them, recording them, and telling their story."""

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from earlyhelp import clock, policy
from earlyhelp.domain import nhs_number
from earlyhelp.domain.dates import check_in_order, check_not_in_future
from earlyhelp.domain.ethnicity import ETHNICITIES, SEXES, ethnicity_label, sex_label
from earlyhelp.domain.nhs_number import NhsNumberStatus
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import NeedsConfirmation, Refused
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    NextStep,
    NextStepStatus,
    Person,
    Referral,
    RestrictedAccess,
    TimelineEntry,
    User,
)
from earlyhelp.models.families import FamilyChange
from earlyhelp.services import recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import StaleEdit, add_once, by_submission_key

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
    """One person as a form gives them. Sex and ethnicity are codes from earlyhelp/domain/ethnicity.py ("" for
    not asked); the NHS number as typed, its status from domain/nhs_number.py."""

    first_name: str
    last_name: str
    date_of_birth: date | None
    relationship_to_child: str
    is_child: bool
    school_or_setting: str = ""
    child_words: str = ""
    in_household: bool = True
    involvement: str = ""
    joined_on: date | None = None
    phone: str = ""
    email: str = ""
    sex: str = ""
    ethnicity: str = ""
    nhs_number: str = ""
    nhs_number_status: str = ""
    nhs_number_missing_reason: str = ""


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
    # The same NHS number is the same child, whatever the name or date of birth on the other record says.
    numbers = {nhs_number.digits_of(member.nhs_number) for member in members} - {""}
    if numbers:
        conditions.append(Person.nhs_number.in_(sorted(numbers)))
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


def _key(submission_key: str | None) -> str | None:
    """A create form's one-time key as stored: the column's length (a forged longer key is cut, never a 500)."""
    return (submission_key or "")[:64] or None


def _already_saved(record, made_by_this_person: bool):
    """The record this form already made, marked `already_saved`. A key that made someone else's record is
    not this person's form (copied or forged): refused, and their record is never shown."""
    if not made_by_this_person:
        raise Refused("This form has already been used. Open the page again to start afresh")
    record.already_saved = True
    return record


def _created_by(family: Family) -> int | None:
    """Who recorded the family: the actor of its first line on the timeline."""
    return db.session.scalar(
        select(TimelineEntry.actor_id)
        .where(TimelineEntry.family_id == family.id, TimelineEntry.record_type == "family")
        .order_by(TimelineEntry.id)
        .limit(1)
    )


def check_household(members: list[MemberInput]) -> None:
    """Early help is for families with children: a household has at least one."""
    if not any(member.is_child and member.in_household for member in members):
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
    submission_key: str | None = None,
) -> Family:
    """Record a new family. If anyone in it may already be known, NeedsConfirmation carries the possible
    matches, so that nobody adds a second record for a child who is already on one without saying so.

    The form's one-time `submission_key` records one family however often it is posted (a double click, Back
    and save, two posts at once): the second gets the first, marked `already_saved`, and nothing changes."""
    submission_key = _key(submission_key)
    existing = by_submission_key(Family, submission_key)
    if existing is not None:
        return _already_saved(existing, _created_by(existing) == actor.id)
    check_household(members)
    people = [Person(**person_values(member)) for member in members]
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
        submission_key=submission_key,
    )
    family.members.extend(people)
    saved = add_once(family)
    if saved.already_saved:  # the same form, posted at the same moment: the other post recorded it
        return _already_saved(saved, _created_by(saved) in (actor.id, None))
    add_to_timeline(family.id, "Family record created", "family", family.id, actor=actor, at=now)
    record_event("create", "family", family.id, family_id=family.id, user=actor)
    return family


# Keeping a family up to date: every change is checked, kept in its history (FamilyChange: before, after,
# who, when), put on the timeline and audited. Each edit carries the version the person opened; a save from
# an older one is refused (Stale), naming who saved since and when, and what they typed is kept.

FAMILY_LABELS = {
    "address": "Address",
    "postcode": "Postcode",
    "languages": "Languages spoken",
    "interpreter_needed": "Interpreter needed",
    "culture_and_identity": "Culture and identity",
}
PERSON_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "relationship_to_child": "Relationship to the children",
    "school_or_setting": "School or setting",
    "is_child": "Child",
    "child_words": "In their own words",
    "involvement": "How they are involved with the children",
    "joined_on": "Joined the household on",
    "phone": "Phone",
    "email": "Email",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "nhs_number": "NHS number",
    "nhs_number_status": "NHS number status",
    "nhs_number_missing_reason": "Why there is no NHS number",
    "left_on": "Left the household on",
    "left_reason": "Why they left",
}
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


def shown(field: str, value) -> str:
    """A value as the pages show it, for the history of changes: kept as it read at the time."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return clock.long_day(value)
    if field == "sex":
        return sex_label(value)
    if field == "ethnicity":
        return ethnicity_label(value)
    if field == "nhs_number":
        return nhs_number.formatted(value)
    if field == "nhs_number_status":
        return NhsNumberStatus(value).label
    return str(value)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def person_values(member: MemberInput) -> dict:
    """A person's details as they are stored, each rule checked (the form checks them too, on each field)."""
    values = {name: _strip(value) for name, value in member.__dict__.items()}
    if values["is_child"] and not values["in_household"]:
        raise Refused(
            "Only an adult can be recorded as living outside the household. Add a child who lives elsewhere"
            " to the family record of the household they live in",
            "in_household",
        )
    if values["sex"] not in {"", *SEXES}:
        raise Refused("Select the child's sex as recorded, or not known", "sex")
    if values["ethnicity"] not in {"", *ETHNICITIES}:
        raise Refused("Select the child's ethnicity from the list", "ethnicity")
    if values["phone"] and not PHONE.match(values["phone"]):
        raise Refused("Enter a phone number, like 01632 960 001 or 07700 900 982", "phone")
    values["nhs_number"], values["nhs_number_status"], values["nhs_number_missing_reason"] = (
        nhs_number.check_nhs_record(
            values["nhs_number"], values["nhs_number_status"], values["nhs_number_missing_reason"]
        )
    )
    if not values["in_household"]:
        values["joined_on"] = None
    check_in_order("member_joined", values["date_of_birth"], values["joined_on"])
    return values


def _check_may_change(actor: User, family_id: int) -> None:
    if not policy.may_change_family(actor, family_id):
        raise Refused("You do not work with this family, so you cannot change its record")


def _stale(what: str, record) -> StaleEdit:
    """Someone else saved `what` since the page was opened: who and when (versions.StaleEdit, the one wording of
    every stale refusal). The page names the fields they changed (it knows what the person loaded): `what` is
    kept on the refusal for it."""
    refusal = StaleEdit(
        what,
        who=record.updated_by,
        when=record.updated_at,
        changed=[],
        current_version=record.version,
        current={},
    )
    refusal.what = what
    return refusal


def _locked(model, record_id: int):
    return db.session.scalar(
        select(model).where(model.id == record_id).with_for_update(of=model).execution_options(populate_existing=True)
    )


def _keep_history(record, changes: dict, labels: dict, *, actor: User, now: datetime, reason: str = "") -> list[str]:
    """Apply the changes that change something, each with a history row. Returns the fields changed."""
    is_person = isinstance(record, Person)
    changed = []
    for name, value in changes.items():
        before = getattr(record, name)
        if before == value:
            continue
        db.session.add(
            FamilyChange(
                family_id=record.family_id,
                person_id=record.id if is_person else None,
                record_type="person" if is_person else "family",
                field=name,
                label=labels[name],
                before=shown(name, before),
                after=shown(name, value),
                reason=reason,
                changed_by_id=actor.id,
                changed_at=now,
            )
        )
        setattr(record, name, value)
        changed.append(name)
    if changed:
        record.version += 1
        record.updated_by, record.updated_at = actor, now
    return changed


def _listed(names: list[str], labels: dict) -> str:
    words = [labels[name][:1].lower() + labels[name][1:] for name in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@use_case("update", "family")
def update_family_details(
    family: Family, *, expected_version: int, changes: dict, actor: User, now: datetime | None = None
) -> list[str]:
    """Change the family's address, postcode, languages, interpreter needs, culture and identity. Returns the
    fields that changed (none: nothing is written)."""
    now = now or clock.now()
    _check_may_change(actor, family.id)
    family = _locked(Family, family.id)
    if family.version != expected_version:
        raise _stale("this family's details", family)
    values = {name: _strip(changes[name]) for name in FAMILY_LABELS if name in changes}
    if "postcode" in values:
        values["postcode"] = normalise_postcode(values["postcode"])
    for name in ("address", "postcode", "languages"):
        if name in values and not values[name]:
            raise Refused(f"Enter the family's {FAMILY_LABELS[name].lower()}", name)
    changed = _keep_history(family, values, FAMILY_LABELS, actor=actor, now=now)
    if changed:
        add_to_timeline(
            family.id, f"Family details changed: {_listed(changed, FAMILY_LABELS)}", "family", family.id, actor=actor
        )
        record_event("update", "family", family.id, family_id=family.id, user=actor, detail=", ".join(changed))
    return changed


EDITABLE = tuple(name for name in PERSON_LABELS if name not in ("left_on", "left_reason"))


@use_case("update", "person")
def update_person(
    person: Person, changes: dict, *, expected_version: int, actor: User, now: datetime | None = None
) -> list[str]:
    """Change a person's details. Returns the fields that changed (none: nothing is written)."""
    now = now or clock.now()
    _check_may_change(actor, person.family_id)
    person = _locked(Person, person.id)
    if person.version != expected_version:
        raise _stale(f"the details of {person.full_name}", person)
    current = MemberInput(**{name: getattr(person, name) for name in MemberInput.__dataclass_fields__})
    proposed = person_values(MemberInput(**(current.__dict__ | {k: v for k, v in changes.items() if k in EDITABLE})))
    if person.is_child and proposed["is_child"] is False and person.lives_here:
        others = [member for member in person.family.children if member.id != person.id]
        if not others:
            raise Refused(
                f"{person.full_name} is the only child in the household, and a family record needs one."
                " Select yes, or add another child first",
                "is_child",
            )
    check_in_order("member_left", proposed["date_of_birth"], person.left_on)
    proposed.pop("in_household")  # where someone lives changes by joining or leaving, never by an edit
    name = person.full_name
    changed = _keep_history(person, proposed, PERSON_LABELS, actor=actor, now=now)
    if changed:
        add_to_timeline(person.family_id, f"Details of {name} updated", "person", person.id, actor=actor)
        record_event("update", "person", person.id, family_id=person.family_id, user=actor, detail=", ".join(changed))
    return changed


def _same_person_on_record(family: Family, values: dict) -> Person | None:
    """Someone already on this family's record with the same name and date of birth (or NHS number)."""
    for member in family.members:
        same_number = values["nhs_number"] and member.nhs_number == values["nhs_number"]
        same_person = (
            member.first_name.lower() == values["first_name"].lower()
            and member.last_name.lower() == values["last_name"].lower()
            and member.date_of_birth == values["date_of_birth"]
        )
        if same_number or same_person:
            return member
    return None


@use_case("add_person", "family")
def add_person(
    family: Family,
    member: MemberInput,
    *,
    actor: User,
    late_reason: str = "",
    now: datetime | None = None,
    submission_key: str | None = None,
) -> Person:
    """Someone new on the family's record: a new baby, someone joining the household, or a significant adult
    who lives elsewhere (recorded as such: never a household member).

    The form's one-time `submission_key` adds them once however often it is posted: the second post gets the
    person the first added, marked `already_saved`, and nothing changes."""
    now = now or clock.now()
    _check_may_change(actor, family.id)
    family = _locked(Family, family.id)
    submission_key = _key(submission_key)
    existing = by_submission_key(Person, submission_key)
    if existing is not None:
        return _already_saved(existing, existing.family_id == family.id)
    values = person_values(member)
    check_not_in_future(values["date_of_birth"], what="The date of birth", field="date_of_birth", now=now)
    check_not_in_future(values["joined_on"], what="The date they joined the household", field="joined_on", now=now)
    already = _same_person_on_record(family, values)
    if already:
        where = "has left the household" if already.has_left else "is already on this family's record"
        raise Refused(f"{already.full_name} (born {clock.long_day(already.date_of_birth)}) {where}", "first_name")
    name = f"{values['first_name']} {values['last_name']}"
    joined = values["joined_on"]
    late = recording.late_reason(joined, late_reason, what=f"{name} joining the household") if joined else ""
    # Not appended to family.members before it is saved: add_once keeps it out of the session if the same key
    # was saved meanwhile (a rolled-back savepoint would leave a pending member to be inserted again).
    person = Person(**values, family_id=family.id, updated_by=actor, updated_at=now, submission_key=submission_key)
    saved = add_once(person)
    if saved.already_saved:  # the same form, posted at the same moment: the other post added them
        return _already_saved(saved, saved.family_id == family.id)
    db.session.expire(family, ["members"])  # read again, with them
    if not values["in_household"]:
        label, summary = (
            "Significant adult outside the household",
            f"{name} ({values['relationship_to_child']}) added as a significant adult outside the household",
        )
    elif values["is_child"] and joined is None:
        label, summary = (
            "Joined the household",
            f"{name} added to the household (born {clock.long_day(values['date_of_birth'])})",
        )
    else:
        label, summary = "Joined the household", f"{name} joined the household"
    db.session.add(
        FamilyChange(
            family_id=family.id,
            person_id=person.id,
            record_type="person",
            field="in_household",
            label=label,
            before="",
            after=name,
            changed_by_id=actor.id,
            changed_at=now,
        )
    )
    add_to_timeline(family.id, summary, "person", person.id, actor=actor, at=joined, late_reason=late)
    record_event("create", "person", person.id, family_id=family.id, user=actor)
    return person


@use_case("leave", "person")
def record_leaving(
    person: Person,
    *,
    left_on: date | None,
    reason: str,
    expected_version: int,
    actor: User,
    late_reason: str = "",
    now: datetime | None = None,
) -> Person:
    """Someone has left the household. They are not deleted: they keep their history and stay findable, and
    the family page shows them as "Left the household on ..."; no new referral or request asks about them."""
    now = now or clock.now()
    _check_may_change(actor, person.family_id)
    person = _locked(Person, person.id)
    if person.version != expected_version:
        raise _stale(f"the details of {person.full_name}", person)
    if person.has_left:
        raise Refused(f"{person.full_name} left the household on {clock.long_day(person.left_on)}")
    if not person.in_household:
        raise Refused(f"{person.full_name} does not live in the household")
    if left_on is None:
        raise Refused(f"Enter the date {person.first_name} left the household", "left_on")
    check_not_in_future(left_on, what="The date they left the household", field="left_on", now=now)
    check_in_order("member_left", person.date_of_birth, left_on)
    check_in_order("member_left_after_joining", person.joined_on, left_on)
    why = check_reason(reason, asked=f"why {person.first_name} left the household", field="left_reason")
    if person.is_child and [child.id for child in person.family.children] == [person.id]:
        raise Refused(
            f"{person.full_name} is the only child in the household, and a family record needs one. If another"
            " child lives here, add them first; otherwise talk to the family's lead about closing the work",
            "left_on",
        )
    late = recording.late_reason(left_on, late_reason, what=f"{person.first_name} leaving the household")
    _keep_history(person, {"left_on": left_on, "left_reason": why}, PERSON_LABELS, actor=actor, now=now, reason=why)
    add_to_timeline(
        person.family_id,
        f"{person.full_name} left the household",
        "person",
        person.id,
        actor=actor,
        at=left_on,
        late_reason=late,
    )
    record_event("leave", "person", person.id, family_id=person.family_id, user=actor)
    return person


def changes_page(family_id: int, *, page: int, per_page: int) -> Pagination:
    """One page of the history of changes to a family's record, newest first, with who made each (loaded with
    it: one statement for the page, however many rows)."""
    query = (
        select(FamilyChange)
        .where(FamilyChange.family_id == family_id)
        .order_by(FamilyChange.changed_at.desc(), FamilyChange.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def add_to_timeline(
    family_id: int,
    summary: str,
    record_type: str,
    record_id: int | None,
    *,
    actor: User | None,
    at: datetime | date | None = None,
    late_reason: str = "",
    recorded_at: datetime | None = None,
) -> None:
    """One line of the family's story, written down now. `at` is when it happened: a moment, or a day when
    only the day is known (shown as the day, never with an invented time); now if not given. `recorded_at` is
    the use case's own now where it is given one (the demo writes its past as it happened). A use case that
    records something late checks the reason first (services/recording.py) and passes it."""
    recorded_at = recorded_at or clock.now()
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


def _starts_with(column, prefix: str):
    """`column` starts with `prefix`, in a form each database answers from an index on the column: LIKE 'abc%'
    (PostgreSQL's indexes are built with text_pattern_ops for it, migrations 0002 and 0028), and on SQLite, whose
    LIKE cannot use an index on an expression such as lower(last_name), the same prefix as a range as well
    (SQLite compares text byte by byte, so the range holds exactly the values that start with the prefix)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = column.like(pattern, escape="\\")
    if db.session.get_bind().dialect.name != "sqlite" or not prefix:
        return matches
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1) if ord(prefix[-1]) < 0x10FFFF else None
    within = column >= prefix if following is None else and_(column >= prefix, column < following)
    return and_(within, matches)


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
    (policy.visible_among, once per page). Every criterion is answered from an index (migration 0028)."""
    query = select(Family).options(selectinload(Family.members))
    if viewer is not None:
        # Asked of the family row itself (not policy.not_restricted_for's subquery of every restricted family).
        named = select(RestrictedAccess.family_id).where(RestrictedAccess.user_id == viewer.id)
        query = query.where(or_(Family.restricted == false(), Family.id.in_(named)))
    person_conditions = []
    for word in name.lower().split():
        person_conditions.append(
            or_(_starts_with(func.lower(Person.first_name), word), _starts_with(func.lower(Person.last_name), word))
        )
    if date_of_birth:
        person_conditions.append(Person.date_of_birth == date_of_birth)
    if person_conditions:
        query = query.where(Family.id.in_(select(Person.family_id).where(*person_conditions)))
    if reference.strip():
        query = query.where(Family.reference == reference.strip().upper())
    if postcode.strip():
        query = query.where(_starts_with(Family.postcode, postcode_prefix(postcode)))
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


def timeline_page(family_id: int, *, page: int, per_page: int) -> Pagination:
    """One page of the family's story, with who did each thing (TimelineEntry.actor is loaded with it)."""
    return db.paginate(timeline(family_id), page=page, per_page=per_page, error_out=False)


# How many open next steps the family page shows, soonest first.
FAMILY_PAGE_STEPS = 10


def open_steps(family_id: int) -> Select:
    """The family's open next steps, soonest first."""
    from earlyhelp.services import next_steps

    return next_steps.for_family(family_id).where(NextStep.status == NextStepStatus.OPEN).order_by(NextStep.id)


def open_steps_page(family_id: int, *, page: int, per_page: int) -> Pagination:
    """One page of the family's open next steps, soonest first, and how many there are (two statements)."""
    return db.paginate(open_steps(family_id), page=page, per_page=per_page, error_out=False)


def overview(family: Family, *, viewer: User) -> dict:
    """Everything the family page shows beside its household and timeline, in a fixed number of queries."""
    from earlyhelp.services import family_plans, transfers

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
        # The soonest few: a family with hundreds open would otherwise print them all on every visit. The rest
        # are on open_steps_page, which says how many there are.
        "next_steps": db.session.scalars(open_steps(family.id).limit(FAMILY_PAGE_STEPS)).all(),
        "open_steps": db.session.scalar(
            select(func.count()).select_from(open_steps(family.id).order_by(None).subquery())
        ),
        "today": clock.today(),
        "can_move": {
            episode.id
            for episode in episodes
            if episode.id not in starting and policy.may_start_transfer_from(viewer, episode)
        },
    }
