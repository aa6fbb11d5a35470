"""Starting a request and putting it right: what changed, the children, the family's agreement, outcomes.

A request is written as a draft and can be changed while it is one (new, or returned by a manager): each change
bumps `transfer.version`, so that a save over someone else's newer change is refused (versions.StaleEdit), not lost.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from earlyhelp import clock
from earlyhelp.domain import consent
from earlyhelp.domain.outcomes import ProposedOutcome, check_outcomes
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import (
    Direction,
    TransferState,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    HandoverPlan,
    LevelOfNeed,
    Service,
    Team,
    Transfer,
    TransferChild,
    TransferEvent,
    TransferOutcome,
    User,
)
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.referrals import lead_practitioners
from earlyhelp.services.transfers import steps
from earlyhelp.services.transfers.common import OPEN_STATES, SERVICE_FOR, ChildChoice, locked
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import StaleEdit, changed_by_person, changed_since, digests


def teams_of(service_code: str) -> list[Team]:
    return db.session.scalars(select(Team).join(Service).where(Service.code == service_code).order_by(Team.name)).all()


def start_choices(direction: Direction) -> tuple[list[LevelOfNeed], list[Team], list[User]]:
    """What a new request offers: the levels of need, the receiving teams, and (for a step-down) the people
    who can lead early help, to propose as its lead and to own its outstanding tasks."""
    levels = db.session.scalars(select(LevelOfNeed).where(LevelOfNeed.active).order_by(LevelOfNeed.number)).all()
    people = lead_practitioners() if direction is Direction.STEP_DOWN else []
    return levels, teams_of(SERVICE_FOR[direction][1]), people


# Starting a request


_SERVICE_WORDS = {"early_help": "early help", "social_care": "children's social care"}


def _check_episode(episode: Episode, direction: Direction) -> None:
    from_code = SERVICE_FOR[direction][0]
    if not episode.is_open:
        raise Refused("This involvement has ended, so no request can start from it")
    if episode.service.code != from_code:
        what = "A step-up" if direction is Direction.STEP_UP else "A step-down"
        raise Refused(f"{what} starts from an open {_SERVICE_WORDS[from_code]} episode")


def open_request(episode: Episode) -> Transfer | None:
    """The request already open from this episode, if there is one (the new-request page links to it)."""
    return db.session.scalar(
        select(Transfer).where(Transfer.from_episode_id == episode.id, Transfer.state.in_(OPEN_STATES))
    )


_open_request = open_request


def check_start(episode: Episode, direction: Direction) -> None:
    """Whether a request can start from this episode now: it is open, of the right service, with none open."""
    _check_episode(episode, direction)
    already = _open_request(episode)
    if already:
        raise Refused(f"A {already.title.lower()} request for this family is already open")


def _check_reasons(episode: Episode, fields: dict, children: list[ChildChoice]) -> None:
    """The one reason rule (domain/reasons.py) for a child left out, and for going ahead without agreement."""
    names = {child.id: child.first_name for child in episode.family.children}
    for row, child in enumerate(children):
        if not child.included:
            check_reason(
                child.reason_not_included,
                asked=f"why {names[child.person_id]} is not part of the request",
                field=f"children-{row}-reason_not_included",
            )
    if fields.get("family_agreement", "yes") != "yes" and "override_reason" in fields:
        check_reason(
            fields["override_reason"],
            asked="the safeguarding reason for going ahead without the family's agreement",
            field="override_reason",
        )


def _check_content(
    episode: Episode,
    direction: Direction,
    fields: dict,
    children: list[ChildChoice],
    outcomes: list[ProposedOutcome],
    *,
    today: date,
) -> tuple[dict, list[ProposedOutcome]]:
    """Every rule about what a request says, for starting one and for changing one: every child of the
    household, included or left out with a reason; the family's agreement as asked (domain/consent.py); and,
    for a step-down, the checklist answered and the outcomes (domain/outcomes.py). Returns the fields as they
    are stored, and the outcomes checked."""
    household = {child.id: child.first_name for child in episode.family.children}
    if {c.person_id for c in children} != set(household):
        raise Refused("Every child in the household must be included or left out with a reason")
    fields = dict(fields)
    asked = consent.check_consent(
        told_family=fields.pop("told_family", "not_yet"),
        told_on=fields.pop("told_on", None),
        told_by=fields.pop("told_by", ""),
        family_agreement=fields.pop("family_agreement", "not_asked"),
        family_words=fields.pop("family_words", ""),
        today=today,
    )
    fields |= asked.as_fields()
    if direction is Direction.STEP_UP:
        fields.setdefault("override_reason", "")
        if asked.family_agreement == "yes":
            fields["override_reason"] = ""
        outcomes = []
    else:
        fields.pop("override_reason", None)
        answers = {name: (fields.pop(name, None), fields.pop(f"{name}_note", "")) for name in consent.CHECKLIST}
        fields |= consent.check_checklist(answers)
        outcomes = check_outcomes(outcomes, children=household, today=today, required=fields["clear_outcomes"] is True)
    _check_reasons(episode, fields, children)
    return fields, outcomes


def _outcome_rows(outcomes: list[ProposedOutcome]) -> list[TransferOutcome]:
    return [
        TransferOutcome(position=position, person_id=o.person_id, what_different=o.what_different, by_when=o.by_when)
        for position, o in enumerate(outcomes)
    ]


def ready_to_send(transfer: Transfer) -> None:
    """consent.check_ready_to_send with everything a request holds (for the submit action)."""
    consent.check_ready_to_send(
        is_step_up=transfer.is_step_up,
        family_agreement=transfer.family_agreement,
        checklist=None if transfer.is_step_up else {name: getattr(transfer, name) for name in consent.CHECKLIST},
        outcomes=None if transfer.is_step_up else len(transfer.outcomes),
    )


def _by_submission_key(submission_key: str) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.submission_key == submission_key))


@use_case("start_transfer", "episode")
def start(
    episode: Episode,
    *,
    direction: Direction,
    submission_key: str,
    fields: dict,
    children: list[ChildChoice],
    outstanding: list[NextStepInput],
    actor: User,
    outcomes: list[ProposedOutcome] = (),
    now: datetime | None = None,
) -> Transfer:
    """Begin a request as a draft, with its handover plan. The same submission key returns the same request,
    however many times the form is posted, and however close together.

    `fields` holds the family's agreement as asked (told_family, told_on, told_by, family_agreement,
    family_words) and, for a step-down, each checklist answer with its note; `outcomes` (a step-down's) say
    what should be different for which child, by when."""
    submission_key = submission_key[:64]  # the column's length: a forged longer key is cut, never a 500
    existing = _by_submission_key(submission_key)
    if existing:
        return existing
    already = _open_request(episode)
    if already and already.submission_key == submission_key:
        return already
    check_start(episode, direction)
    now = now or clock.now()
    fields, outcomes = _check_content(episode, direction, fields, children, list(outcomes), today=clock.local_date(now))
    # A new request after a declined one follows on from it, so the receiving team sees the history.
    fields.setdefault(
        "previous_transfer_id",
        db.session.scalar(
            select(Transfer.id)
            .where(Transfer.from_episode_id == episode.id, Transfer.state == TransferState.DECLINED)
            .order_by(Transfer.id.desc())
            .limit(1)
        ),
    )
    transfer = Transfer(
        family_id=episode.family_id,
        direction=direction,
        state=TransferState.DRAFT,
        from_episode=episode,
        to_service=db.session.scalar(select(Service).where(Service.code == SERVICE_FOR[direction][1])),
        sending_team_id=episode.team_id or actor.team_id,
        requested_by=actor,
        submission_key=submission_key,
        state_changed_by=actor,
        state_changed_at=now,
        created_at=now,
        **fields,
    )
    for child in children:
        transfer.children.append(
            TransferChild(
                person_id=child.person_id,
                included=child.included,
                reason_not_included="" if child.included else child.reason_not_included.strip(),
                child_words=child.child_words.strip(),
            )
        )
    transfer.events.append(
        TransferEvent(action="create", from_state=None, to_state=TransferState.DRAFT, actor=actor, at=now)
    )
    transfer.outcomes = _outcome_rows(outcomes)
    transfer.handover_plan = HandoverPlan(updated_by=actor, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(transfer)
            db.session.flush()
    except IntegrityError:
        # The same form posted twice at once: the other request saved it between our look and our save.
        existing = _by_submission_key(submission_key)
        if existing is not None:
            return existing
        # Another request started from the episode at the same moment (two tabs, two people): one open request
        # per episode (uq_transfer_open_per_episode), and this person is told, never shown a 500.
        already = _open_request(episode)
        if already is None:
            raise
        raise Refused(f"A {already.title.lower()} request for this family is already open") from None
    steps.propose(transfer, outstanding, actor=actor, today=clock.local_date(now))
    steps.carry_across(transfer, actor=actor)
    add_to_timeline(
        transfer.family_id,
        f"{transfer.title} request started by {actor.name}",
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event("create", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


@use_case("step_down_refused", "episode")
def record_step_down_refused(episode: Episode, *, note: str, actor: User) -> None:
    """Early help is voluntary: when the family says no, the social care episode records that instead."""
    _check_episode(episode, Direction.STEP_DOWN)
    note = check_reason(note, asked="what the family said about early help", field="note")
    add_to_timeline(
        episode.family_id,
        f"Step-down to early help not made: the family did not agree. {note}",
        "episode",
        episode.id,
        actor=actor,
    )
    record_event("step_down_refused", "episode", episode.id, family_id=episode.family_id, user=actor)


# Changing a request while it is a draft (new, or returned by a manager)


@dataclass(frozen=True)
class Returned:
    """Why a manager sent the request back: the last "return" in its history."""

    reason: str
    by: str
    at: datetime


def returned(transfer: Transfer) -> Returned | None:
    """The manager's reason, if the request is a draft because it was returned (None for a new draft)."""
    if transfer.state != TransferState.DRAFT:
        return None
    event = next((e for e in reversed(transfer.events) if e.action in ("return", "create", "submit")), None)
    if event is None or event.action != "return":
        return None
    return Returned(reason=event.reason, by=event.actor.name, at=event.at)


def _last_change(transfer: Transfer) -> tuple[User, datetime]:
    """Who last changed the request's content or state, and when (for the message to whoever saves too late)."""
    event = next((e for e in reversed(transfer.events) if e.action == "edit"), None)
    if event and event.at >= transfer.state_changed_at:
        return event.actor, event.at
    return transfer.state_changed_by, transfer.state_changed_at


def _content(transfer: Transfer) -> tuple:
    """What the request says, to tell a repeat of the same save from a different one."""
    names = [
        "what_has_changed",
        "why_now",
        "worries",
        "level_id",
        "receiving_team_id",
        "immediate_danger",
        "told_family",
        "told_on",
        "told_by",
        "family_agreement",
        "family_words",
        "override_reason",
        "not_to_share",
        "proposed_lead_id",
        *consent.CHECKLIST,
        *(f"{name}_note" for name in consent.CHECKLIST),
    ]
    return (
        {name: getattr(transfer, name) for name in names},
        sorted((c.person_id, c.included, c.reason_not_included, c.child_words) for c in transfer.children),
        [(o.person_id, o.what_different, o.by_when) for o in transfer.outcomes],
    )


def check_editable(transfer: Transfer) -> None:
    """A request can be changed only while it is a draft: once sent, the approver reads what was sent."""
    if transfer.state != TransferState.DRAFT:
        who, when = transfer.state_changed_by.name, clock.long_moment(transfer.state_changed_at)
        raise Refused(
            f"This request can no longer be changed: it was {_PAST[TransferState(transfer.state)]} by {who} on "
            f"{when}. A request can be changed only while it is a draft, or after a manager returns it"
        )


_PAST = {
    TransferState.AWAITING_APPROVAL: "sent for approval",
    TransferState.SENT: "approved and sent",
    TransferState.ACCEPTED: "accepted",
    TransferState.DECLINED: "declined",
    TransferState.WITHDRAWN: "withdrawn",
    TransferState.HANDOVER_COMPLETE: "handed over",
    TransferState.DRAFT: "returned to draft",
}


@use_case("edit_request", "transfer")
def edit_request(
    transfer: Transfer,
    *,
    expected_version: int,
    fields: dict,
    children: list[ChildChoice],
    outcomes: list[ProposedOutcome] = (),
    actor: User,
    loaded: str | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Change what a draft request says: everything its form asks, by the same rules as starting it.
    `loaded` (request_digests, from the page) makes a save write only the answers the person changed.

    Only while it is a draft. Saved only if nobody has changed it since this person opened it
    (`expected_version`); otherwise StaleEdit, saying who changed what and when. The same save posted twice is
    saved once."""
    now = now or clock.now()
    transfer = locked(transfer.id)
    check_editable(transfer)
    direction = Direction(transfer.direction)
    if transfer.version == expected_version and loaded is not None:
        # A deliberate save (perhaps after a stale refusal): only what this person changed from the page they
        # loaded is written; every other answer stays as it is saved now, never written back from their copy.
        fields, children, outcomes = _only_mine(transfer, fields, children, list(outcomes), loaded)
    fields, outcomes = _check_content(
        transfer.from_episode, direction, fields, children, list(outcomes), today=clock.local_date(now)
    )
    wanted = _wanted(transfer, fields, children, outcomes)
    if transfer.version != expected_version:
        who, when = _last_change(transfer)
        if who.id == actor.id and _content(transfer) == wanted:
            return transfer  # the same form posted again: already saved
        current = current_answers(transfer)
        raise StaleEdit(
            "this request",
            who=who,
            when=when,
            changed=_labels_of(transfer, changed_since(current, loaded)) if loaded is not None else [],
            current_version=transfer.version,
            current=current,
        )
    lapsed = _override_lapses(transfer, changed=_content(transfer) != wanted)
    for name, value in fields.items():
        setattr(transfer, name, value)
    by_person = {child.person_id: child for child in transfer.children}
    for child in children:
        row = by_person.pop(child.person_id, None)
        if row is None:
            row = TransferChild(person_id=child.person_id, included=child.included)
            transfer.children.append(row)
        row.included = child.included
        row.reason_not_included = "" if child.included else child.reason_not_included.strip()
        row.child_words = child.child_words.strip()
    for gone in by_person.values():  # a child no longer in the household
        transfer.children.remove(gone)
    transfer.outcomes = _outcome_rows(outcomes)
    transfer.version += 1
    transfer.events.append(
        TransferEvent(
            action="edit",
            from_state=TransferState.DRAFT,
            to_state=TransferState.DRAFT,
            actor=actor,
            at=now,
            reason="Request changed",
        )
    )
    add_to_timeline(
        transfer.family_id,
        f"{transfer.title} request changed by {actor.name}" + lapsed,
        "transfer",
        transfer.id,
        actor=actor,
        at=now,
    )
    record_event("update", "transfer", transfer.id, family_id=transfer.family_id, user=actor)
    return transfer


def _override_lapses(transfer: Transfer, *, changed: bool) -> str:
    """A manager authorised going ahead without the family's agreement on what the request said then: once it
    says something else, that authorisation lapses and is asked for again. Returns the words for the timeline."""
    if not (changed and transfer.override_authorised_at):
        return ""
    who, when = transfer.override_authorised_by.name, clock.long_moment(transfer.override_authorised_at)
    transfer.override_authorised_by, transfer.override_authorised_at = None, None
    transfer.override_authorisation_reason = ""
    return f": going ahead without the family's agreement, authorised by {who} on {when}, must be authorised again"


REQUEST_LABELS = {
    "what_has_changed": "what has changed",
    "why_now": "why step down now",
    "worries": "the worries",
    "level_id": "the level of need",
    "receiving_team_id": "the receiving team",
    "immediate_danger": "immediate danger",
    "told_family": "whether the family was told",
    "told_on": "when the family was told",
    "told_by": "who told the family",
    "family_agreement": "whether the family agrees",
    "family_words": "what the family said",
    "override_reason": "the reason to go ahead without the family's agreement",
    "not_to_share": "what not to share",
    "proposed_lead_id": "the proposed lead",
    **{name: "the checklist" for name in consent.CHECKLIST},
    **{f"{name}_note": "the checklist" for name in consent.CHECKLIST},
    "outcomes": "the outcomes",
}


def _flat(content: tuple) -> dict:
    """One digest per answer, and one per child's row (by person, so that a row someone else changed is told
    apart from the row this person changed); the outcomes count as one answer."""
    answers, children, outcomes = content
    rows = {f"child:{person_id}": (included, reason, words) for person_id, included, reason, words in children}
    return answers | rows | {"outcomes": outcomes}


def current_answers(transfer: Transfer) -> dict:
    """What the request says now, answer by answer and child by child (the shape `loaded` digests)."""
    return _flat(_content(transfer))


def request_digests(transfer: Transfer) -> str:
    """The edit form's `loaded` field: a digest of each answer as saved (earlyhelp.versions)."""
    return digests(current_answers(transfer))


def _labels_of(transfer: Transfer, names: set[str]) -> list[str]:
    """The words for the answers named, once each, in the page's order (a child's row by their first name)."""
    labels = []
    for name, label in REQUEST_LABELS.items():
        if name in names and label not in labels:
            labels.append(label)
    for child in transfer.children:
        if f"child:{child.person_id}" in names:
            labels.append(f"what it says about {child.person.first_name}")
    return labels


def _child_choice(row: TransferChild) -> ChildChoice:
    return ChildChoice(
        person_id=row.person_id,
        included=row.included,
        reason_not_included=row.reason_not_included,
        child_words=row.child_words,
    )


def _only_mine(transfer: Transfer, fields: dict, children: list, outcomes: list, loaded: str) -> tuple:
    """The answers as this save should write them: the person's own changes, the rest as saved now (each child's
    row as saved unless this person changed that row)."""
    mine = typed_by_person(transfer, fields, children, outcomes, loaded)
    fields = {name: value if name in mine else getattr(transfer, name) for name, value in fields.items()}
    saved = {row.person_id: row for row in transfer.children}
    children = [
        _child_choice(saved[child.person_id])
        if child.person_id in saved and f"child:{child.person_id}" not in mine
        else child
        for child in children
    ]
    if "outcomes" not in mine:
        outcomes = [ProposedOutcome(o.person_id, o.what_different, o.by_when) for o in transfer.outcomes]
    return fields, children, outcomes


def typed_by_person(transfer: Transfer, fields: dict, children: list, outcomes: list, loaded: str | None) -> set:
    """The names of the answers (and children's rows) this person changed from the page they loaded: after a
    stale refusal (versions.keep_typed) these keep what they typed, and every other one shows what is saved."""
    return changed_by_person(_flat(_wanted(transfer, fields, children, list(outcomes))), loaded)


def _wanted(transfer: Transfer, fields: dict, children: list[ChildChoice], outcomes: list[ProposedOutcome]) -> tuple:
    """What the request would say after this save, in the shape of _content."""
    current, _, _ = _content(transfer)
    return (
        current | {name: value for name, value in fields.items() if name in current},
        sorted(
            (
                c.person_id,
                c.included,
                "" if c.included else c.reason_not_included.strip(),
                c.child_words.strip(),
            )
            for c in children
        ),
        [(o.person_id, o.what_different, o.by_when) for o in outcomes],
    )
