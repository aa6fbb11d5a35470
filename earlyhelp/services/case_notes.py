"""Case notes, and the family's chronology.

A case note says what happened (a visit, a phone call, a meeting, new information), when, who was involved,
which children it is about, and whether it is significant. It keeps when it was written down; one written
down late says why. A saved note is never edited: it is the record of what was known then. A mistake is put
right with a correction, a later note linked to the one it corrects, with the reason; both stay on record.

The chronology is the family's significant events, oldest first, as chronologies are read: significant
case notes (the latest version of each), referral decisions, step-up and step-down decisions, family plans
issued, and involvement begun and ended. It is built in a fixed number of statements, one for each kind
of record, however long the family's history, and can be narrowed to one child (events about the whole
family are part of every child's chronology).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from earlyhelp import clock, policy
from earlyhelp.domain.dates import check_in_order, check_not_in_future
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.recording import LATE_REASON_FIELD, recorded_note
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    FamilyPlan,
    FamilyPlanStatus,
    Referral,
    ReferralChild,
    ReferralStatus,
    Transfer,
    TransferChild,
    TransferEvent,
    User,
)
from earlyhelp.models.case_notes import CaseNote, CaseNoteChild, CaseNoteType
from earlyhelp.services import recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import add_once, by_submission_key

WHOLE_FAMILY = "The whole family"
NOTES_PER_PAGE = 20
RECENT_NOTES = 3


@dataclass(frozen=True)
class NoteInput:
    """A case note as typed: the moment it happened (aware), its type, who was there, whom it is about."""

    happened_at: datetime
    type_id: int | None
    who_was_involved: str
    text: str
    significant: bool
    child_ids: tuple[int, ...] = ()
    whole_family: bool = False
    late_recording_reason: str = ""


def note_types(*, include: int | None = None) -> list[CaseNoteType]:
    """The types a note can have, in their order: the active ones (and `include`, a note's own type)."""
    return db.session.scalars(
        select(CaseNoteType)
        .where(or_(CaseNoteType.active, CaseNoteType.id == include))
        .order_by(CaseNoteType.sort_order, CaseNoteType.id)
    ).all()


def _checked(family: Family, note: NoteInput, *, now: datetime, late_reason_asked: bool = True) -> tuple:
    """Every rule of a note, in the order of the form: the type, the moment, whom it is about, the text.
    Returns (type, children, late reason)."""
    note_type = db.session.get(CaseNoteType, note.type_id) if note.type_id else None
    if note_type is None or not note_type.active:
        raise Refused("Select the type of note", "type")
    check_not_in_future(note.happened_at, what="When it happened", field="happened_on", now=now)
    if not note.who_was_involved.strip():
        raise Refused("Enter who was involved, for example Mum, Leo and the school nurse", "who_was_involved")
    household = {child.id: child for child in family.children}
    if note.whole_family and note.child_ids:
        raise Refused("Select the whole family, or the children the note is about, not both", "about")
    if not note.whole_family and not note.child_ids:
        raise Refused("Select which children the note is about, or the whole family", "about")
    if any(child_id not in household for child_id in note.child_ids):
        raise Refused("Select children from this household", "about")
    for child_id in note.child_ids:
        try:
            check_in_order("case_note_about_child", household[child_id].date_of_birth, note.happened_at)
        except Refused as refusal:
            raise refusal.of(household[child_id].full_name, refusal.field) from None
    if not note.text.strip():
        raise Refused("Enter what happened", "text")
    reason = ""
    if late_reason_asked:
        reason = recording.late_reason(
            note.happened_at, note.late_recording_reason, what="this case note", field=LATE_REASON_FIELD, recorded=now
        )
    return note_type, [household[child_id] for child_id in dict.fromkeys(note.child_ids)], reason


def _new_note(
    family: Family,
    note: NoteInput,
    note_type,
    children,
    reason: str,
    *,
    actor: User,
    now: datetime,
    submission_key: str | None = None,
    corrects_id: int | None = None,
    correction_reason: str = "",
):
    """A new note (or a correction: the note it corrects, and why), flushed; if the same form's key was saved
    meanwhile, the note already saved (add_once)."""
    record = CaseNote(
        family_id=family.id,
        type=note_type,
        happened_at=note.happened_at,
        recorded_at=now,
        recorded_late=recording.is_late(note.happened_at, now),
        late_recording_reason=reason,
        who_was_involved=note.who_was_involved.strip(),
        about_whole_family=note.whole_family,
        text=note.text.strip(),
        significant=note.significant,
        author=actor,
        submission_key=submission_key or None,
        corrects_id=corrects_id,
        correction_reason=correction_reason,
    )
    for child in children:
        record.children.append(CaseNoteChild(person_id=child.id))
    return add_once(record)


# Back and save again: a note the same person saved this recently, word for word and for the same moment, is that
# note, not a second one.
SAME_NOTE_MINUTES = 30


def _same_note_just_saved(family: Family, note: NoteInput, actor: User, now: datetime) -> CaseNote | None:
    """Going Back to a saved note's form brings a fresh form (and a fresh one-time key) that the browser fills
    with what was typed: saving it again must not write the note twice."""
    return db.session.scalar(
        select(CaseNote)
        .where(
            CaseNote.family_id == family.id,
            CaseNote.author_id == actor.id,
            CaseNote.happened_at == note.happened_at,
            CaseNote.text == note.text.strip(),
            CaseNote.recorded_at >= now - timedelta(minutes=SAME_NOTE_MINUTES),
        )
        .limit(1)
    )


def _summary(record: CaseNote, children) -> str:
    about = WHOLE_FAMILY.lower() if record.about_whole_family else ", ".join(child.first_name for child in children)
    significant = " (significant)" if record.significant else ""
    return f"Case note: {record.type.name}{significant}, about {about}"


def _check_may_change(family: Family, actor: User) -> None:
    if not policy.may_change_family(actor, family.id):
        raise Refused("You cannot add case notes to this family's record: you do not work with the family")


def _already_saved(record: CaseNote, actor: User) -> CaseNote:
    if record.author_id != actor.id:
        raise Refused("This form has already been used. Start a new case note")
    record.already_saved = True
    return record


@use_case("add_case_note", "family")
def add_case_note(
    family: Family, note: NoteInput, *, actor: User, now: datetime | None = None, submission_key: str | None = None
) -> CaseNote:
    """Write down something that happened. Refused, on the field to fix, for a moment in the future, nobody
    named as involved, nobody chosen to be about, no text, or (written down more than LATE_RECORDING_WORKING_DAYS
    after it happened) no reason for the delay. `now` is when it is written down (the demo's past).

    The form's one-time `submission_key` makes one note however many times it is posted (a double click, Back
    and save, two posts at once): the note already saved is returned, marked `already_saved`, changing nothing."""
    now = now or clock.now()
    _check_may_change(family, actor)
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut, never a 500
    existing = by_submission_key(CaseNote, submission_key) or _same_note_just_saved(family, note, actor, now)
    if existing is not None:
        return _already_saved(existing, actor)
    note_type, children, reason = _checked(family, note, now=now)
    record = _new_note(family, note, note_type, children, reason, actor=actor, now=now, submission_key=submission_key)
    if record.already_saved:
        return _already_saved(record, actor)
    add_to_timeline(
        family.id,
        _summary(record, children),
        "case_note",
        record.id,
        actor=actor,
        at=note.happened_at,
        late_reason=reason,
        recorded_at=now,
    )
    record_event("create", "case_note", record.id, family_id=family.id, user=actor)
    return record


def correction_of(note: CaseNote) -> CaseNote | None:
    return db.session.scalar(select(CaseNote).where(CaseNote.corrects_id == note.id))


def _corrected_already(correction: CaseNote) -> Refused:
    return Refused(
        f"This note was corrected by {correction.author.name} on {clock.long_moment(correction.recorded_at)}."
        " Correct the latest version instead"
    )


@use_case("correct", "case_note")
def correct_case_note(
    original: CaseNote,
    note: NoteInput,
    *,
    reason: str,
    actor: User,
    now: datetime | None = None,
    submission_key: str | None = None,
) -> CaseNote:
    """Put a note right with a later note linked to it: the original is kept exactly as written. Only the
    latest version can be corrected. The reason for the correction is asked by the one reason rule; the
    corrected note says when the event happened, and the correction itself is on the timeline now.

    A note has at most one correction. The form's one-time `submission_key` makes one however often it is
    posted (a double click, Back and save, two posts at once): the second gets the first, marked
    `already_saved`; a different correction of a note corrected meanwhile is refused, naming who corrected it."""
    now = now or clock.now()
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut, never a 500
    locked = db.session.scalar(
        select(CaseNote)
        .where(CaseNote.id == original.id)
        .with_for_update(of=CaseNote)
        .execution_options(populate_existing=True)
    )
    family = db.session.get(Family, locked.family_id)
    _check_may_change(family, actor)
    already = correction_of(locked)
    if already is not None:
        if submission_key and already.submission_key == submission_key:
            return _already_saved(already, actor)
        raise _corrected_already(already)
    why = check_reason(reason, asked="what was wrong with the note, and why it is being corrected", field="reason")
    # A correction is written down late by its nature: its reason is the account of why it is written now.
    note_type, children, _ = _checked(family, note, now=now, late_reason_asked=False)
    try:
        record = _new_note(
            family,
            note,
            note_type,
            children,
            "",
            actor=actor,
            now=now,
            submission_key=submission_key,
            corrects_id=locked.id,
            correction_reason=why,
        )
    except IntegrityError:  # corrected at the same moment by another post (one correction per note)
        already = correction_of(locked)
        if already is None:
            raise
        raise _corrected_already(already) from None
    if record.already_saved:  # the same form, posted at the same moment: the other post saved it
        return _already_saved(record, actor)
    add_to_timeline(
        family.id,
        f"Case note of {clock.day(locked.happened_at)} corrected: {record.type.name}, about "
        + (WHOLE_FAMILY.lower() if record.about_whole_family else ", ".join(c.first_name for c in children)),
        "case_note",
        record.id,
        actor=actor,
    )
    record_event("correct", "case_note", record.id, family_id=family.id, user=actor, detail=f"corrects {locked.id}")
    return record


# Reading notes


def notes(family_id: int, *, child_id: int | None = None, type_id: int | None = None, significant_only=False) -> Select:
    """The family's notes, newest first (by when they happened), with whom each is about and its correction."""
    query = select(CaseNote).where(CaseNote.family_id == family_id)
    if child_id is not None:
        query = query.where(or_(CaseNote.about_whole_family, CaseNote.id.in_(_notes_about(child_id))))
    if type_id is not None:
        query = query.where(CaseNote.type_id == type_id)
    if significant_only:
        query = query.where(CaseNote.significant)
    return query.options(
        selectinload(CaseNote.children), selectinload(CaseNote.correction), selectinload(CaseNote.corrects)
    ).order_by(CaseNote.happened_at.desc(), CaseNote.id.desc())


def _notes_about(child_id: int) -> Select:
    return select(CaseNoteChild.note_id).where(CaseNoteChild.person_id == child_id)


def notes_page(family_id: int, *, page: int, per_page: int | None = None, **filters) -> Pagination:
    per_page = per_page or current_app.config.get("CASE_NOTES_PER_PAGE", NOTES_PER_PAGE)
    return db.paginate(notes(family_id, **filters), page=page, per_page=per_page, error_out=False)


def recent(family_id: int, *, limit: int = RECENT_NOTES) -> list[CaseNote]:
    return db.session.scalars(notes(family_id).limit(limit)).all()


def note_page(note: CaseNote) -> dict:
    """One note with what it corrects and what corrected it (each loaded once)."""
    return {"note": note, "corrects": note.corrects, "correction": correction_of(note)}


# The chronology


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of the chronology. `happened` is a moment, or a day when only the day is known."""

    happened: datetime | date
    kind: str
    summary: str
    detail: str = ""
    about: str = WHOLE_FAMILY
    by: str = ""  # "Written by Robin Quillfeather", "Decided by ..."
    involved: str = ""
    link: tuple[str, dict] | None = None
    recorded: str = ""  # "recorded on Tue 1 Dec 2026 (3 months after)", for something written down late
    late_reason: str = ""
    correction: str = ""  # for a corrected note: what the correction says about it
    order: tuple = field(default=(), compare=False)

    @property
    def day_only(self) -> bool:
        return not isinstance(self.happened, datetime)


# Within one day, what is known only to the day comes after what is known to the minute (an episode opens
# after the decision that opened it).
_END_OF_DAY = time(23, 59, 59)


def _sort_key(entry: ChronologyEntry) -> tuple:
    if isinstance(entry.happened, datetime):
        wall = clock.local(entry.happened)
        return (wall.date(), wall.time(), *entry.order)
    return (entry.happened, _END_OF_DAY, *entry.order)


# What each step-up or step-down action was, said of the request.
TRANSFER_WORDS = {
    TransferAction.SUBMIT: "requested",
    TransferAction.APPROVE: "approved by a manager and sent",
    TransferAction.RETURN: "returned by a manager",
    TransferAction.ACCEPT: "accepted",
    TransferAction.DECLINE: "declined",
    TransferAction.WITHDRAW: "withdrawn",
    TransferAction.COMPLETE_HANDOVER: "handover complete",
}

TRANSFER_BY = {
    TransferAction.SUBMIT: "Requested by",
    TransferAction.APPROVE: "Approved by",
    TransferAction.RETURN: "Returned by",
    TransferAction.ACCEPT: "Accepted by",
    TransferAction.DECLINE: "Declined by",
    TransferAction.WITHDRAW: "Withdrawn by",
    TransferAction.COMPLETE_HANDOVER: "Marked complete by",
}


def _names(rows) -> str:
    return ", ".join(row.person.full_name for row in rows if getattr(row, "included", True)) or WHOLE_FAMILY


def _note_entries(family_id: int, child_id: int | None) -> list[ChronologyEntry]:
    later = aliased(CaseNote)
    query = (
        notes(family_id, child_id=child_id, significant_only=True)
        .where(~exists(select(later.id).where(later.corrects_id == CaseNote.id)))  # the latest version only
        .order_by(None)
    )
    entries = []
    for note in db.session.scalars(query):
        entries.append(
            ChronologyEntry(
                happened=note.happened_at,
                kind="Case note",
                summary=note.type.name,
                detail=note.text,
                about=note.about,
                by=f"Written by {note.author.name}",
                involved=note.who_was_involved,
                link=("case_notes.show", {"note_id": note.id}),
                recorded=recorded_note(note.happened_at, note.recorded_at) if note.recorded_late else "",
                late_reason=note.late_recording_reason,
                correction=(
                    f"Corrects the note written on {clock.day(note.corrects.recorded_at)}: {note.correction_reason}"
                    if note.corrects is not None
                    else ""
                ),
                order=(1, note.id),
            )
        )
    return entries


def _referral_entries(family_id: int, child_id: int | None) -> list[ChronologyEntry]:
    query = (
        select(Referral)
        .where(Referral.family_id == family_id, Referral.status == ReferralStatus.DECIDED)
        .options(selectinload(Referral.children), joinedload(Referral.decided_by))
    )
    if child_id is not None:
        query = query.where(
            Referral.id.in_(
                select(ReferralChild.referral_id).where(ReferralChild.person_id == child_id, ReferralChild.included)
            )
        )
    return [
        ChronologyEntry(
            happened=referral.decided_at,
            kind="Referral decision",
            summary=f"Referral from {referral.agency.name} (received {clock.day(referral.received_at)}): "
            f"{referral.outcome.name}",
            detail=referral.rationale or "",
            about=_names(referral.children),
            by=f"Decided by {referral.decided_by.name}" if referral.decided_by else "",
            link=("referrals.show", {"referral_id": referral.id}),
            order=(0, referral.id),
        )
        for referral in db.session.scalars(query)
    ]


def _transfer_entries(family_id: int, child_id: int | None) -> list[ChronologyEntry]:
    query = (
        select(TransferEvent, Transfer)
        .join(Transfer, Transfer.id == TransferEvent.transfer_id)
        .where(Transfer.family_id == family_id, TransferEvent.action.in_([str(action) for action in TRANSFER_WORDS]))
        .options(selectinload(Transfer.children), joinedload(Transfer.receiving_lead))
    )
    if child_id is not None:
        query = query.where(
            Transfer.id.in_(
                select(TransferChild.transfer_id).where(TransferChild.person_id == child_id, TransferChild.included)
            )
        )
    entries = []
    for event, transfer in db.session.execute(query):
        action = TransferAction(event.action)
        summary = f"{transfer.title} to {transfer.receiving_team.name} {TRANSFER_WORDS[action]}"
        if action is TransferAction.ACCEPT and transfer.receiving_lead is not None:
            summary += f", lead {transfer.receiving_lead.name}"
        detail = event.reason
        if action is TransferAction.SUBMIT:
            detail = transfer.what_has_changed if transfer.is_step_up else transfer.why_now
        entries.append(
            ChronologyEntry(
                happened=event.at,
                kind=transfer.title,
                summary=summary,
                detail=detail or "",
                about=_names(transfer.children),
                by=f"{TRANSFER_BY[action]} {event.actor.name}",
                link=("transfers.show", {"transfer_id": transfer.id}),
                order=(2, event.id),
            )
        )
    return entries


def _plan_entries(family_id: int) -> list[ChronologyEntry]:
    plans = db.session.scalars(
        select(FamilyPlan)
        .where(FamilyPlan.family_id == family_id, FamilyPlan.status == FamilyPlanStatus.ISSUED)
        .options(joinedload(FamilyPlan.issued_by))
    )
    return [
        ChronologyEntry(
            happened=plan.issued_at,
            kind="Family plan",
            summary=f"Family plan version {plan.version} issued",
            detail=plan.closed_note
            if plan.is_closed
            else (f"Review due {clock.day(plan.review_on)}" if plan.review_on else ""),
            by=f"Issued by {plan.issued_by.name}" if plan.issued_by else "",
            link=("family_plans.overview", {"family_id": family_id}),
            order=(3, plan.id),
        )
        for plan in plans
    ]


def _episode_entries(family_id: int) -> list[ChronologyEntry]:
    entries = []
    for episode in db.session.scalars(select(Episode).where(Episode.family_id == family_id)):
        link = ("families.show", {"family_id": family_id, "_anchor": "involvement"})
        entries.append(
            ChronologyEntry(
                happened=episode.started_on,
                kind="Involvement",
                summary=f"{episode.service.name} involvement began",
                link=link,
                order=(4, episode.id),
            )
        )
        if episode.ended_on is not None:
            entries.append(
                ChronologyEntry(
                    happened=episode.ended_on,
                    kind="Involvement",
                    summary=f"{episode.service.name} involvement ended",
                    detail=episode.closure_reason or "",
                    link=link,
                    order=(5, episode.id),
                )
            )
    return entries


def chronology(family: Family, *, child_id: int | None = None) -> list[ChronologyEntry]:
    """The family's significant events, oldest first; with `child_id`, those about that child or the whole
    family. Five statements (and the lists they load with), whatever the number of events."""
    if child_id is not None and child_id not in {child.id for child in family.children}:
        child_id = None
    entries = (
        _note_entries(family.id, child_id)
        + _referral_entries(family.id, child_id)
        + _transfer_entries(family.id, child_id)
        + _plan_entries(family.id)
        + _episode_entries(family.id)
    )
    return sorted(entries, key=_sort_key)


def chronology_document(family: Family, *, child_id: int | None, printed_by: User) -> dict:
    """What the printed chronology shows: the entries, for whom, printed when and by whom."""
    child = next((c for c in family.children if c.id == child_id), None)
    return {
        "family": family,
        "child": child,
        "entries": chronology(family, child_id=child.id if child else None),
        "printed_at": clock.now(),
        "printed_by": printed_by.name,
    }
