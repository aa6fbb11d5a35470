"""Starting a request and putting it right: what changed, the children, the family's agreement."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from earlyhelp import clock
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
    User,
)
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.referrals import lead_practitioners
from earlyhelp.services.transfers import steps
from earlyhelp.services.transfers.common import OPEN_STATES, SERVICE_FOR, ChildChoice
from earlyhelp.services.use_case import use_case


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


def _open_request(episode: Episode) -> Transfer | None:
    return db.session.scalar(
        select(Transfer).where(Transfer.from_episode_id == episode.id, Transfer.state.in_(OPEN_STATES))
    )


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
    now: datetime | None = None,
) -> Transfer:
    """Begin a request as a draft, with its handover plan. The same submission key returns the same request,
    however many times the form is posted, and however close together."""
    existing = _by_submission_key(submission_key)
    if existing:
        return existing
    already = _open_request(episode)
    if already and already.submission_key == submission_key:
        return already
    check_start(episode, direction)
    now = now or clock.now()
    household = {child.id for child in episode.family.children}
    if {c.person_id for c in children} != household:
        raise Refused("Every child in the household must be included or left out with a reason")
    _check_reasons(episode, fields, children)
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
    transfer.handover_plan = HandoverPlan(updated_by=actor, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(transfer)
            db.session.flush()
    except IntegrityError:
        # The same form posted twice at once: the other request saved it between our look and our save.
        existing = _by_submission_key(submission_key)
        if existing is None:
            raise
        return existing
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
