"""Supervision records, and who is due or overdue for supervision.

Who is due is the same everywhere (My work, the team's page, a supervision record's page): one definition, due_from.
A practitioner by their latest supervision of any kind, and each family's case by its latest case supervision in the
episode open now (a family opened again starts a clock of its own); with none, the usual interval after the
practitioner's account was opened or the family's episode began. "Latest" is worked out in the database with a
window function, so a page asks once however many people and families it shows.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, NextStep, NextStepChange, Supervision, SupervisionDecision, User
from earlyhelp.models.supervision import DUE_SOON_DAYS, SupervisionDue
from earlyhelp.policy import is_team_manager, not_restricted_for
from earlyhelp.services import recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import add_once, by_submission_key

PAGE_SIZE = 20


def default_next_date(held_on: date) -> date:
    return held_on + timedelta(weeks=current_app.config["SUPERVISION_INTERVAL_WEEKS"])


def _same_record(
    *, kind: str, family: Family | None, supervisor: User, practitioner: User, held_on: date, discussion: str
) -> Supervision | None:
    """A supervision this supervisor already recorded with the same practitioner (and family), held the same day,
    with the same discussion: the same meeting, saved again from a form that came back with a new key (the
    browser's Back button re-requests the page, which issues a new key, and refills what was typed)."""
    # One at a time for this practitioner (PostgreSQL): two such posts at once cannot both miss each other.
    db.session.execute(select(User.id).where(User.id == practitioner.id).with_for_update())
    return db.session.scalar(
        select(Supervision)
        .where(
            Supervision.supervisor_id == supervisor.id,
            Supervision.practitioner_id == practitioner.id,
            Supervision.kind == kind,
            Supervision.family_id == family.id
            if kind == "case" and family is not None
            else Supervision.family_id.is_(None),
            Supervision.held_on == held_on,
            Supervision.discussion == discussion.strip(),
        )
        .order_by(Supervision.id)
        .limit(1)
    )


def _already_saved(existing: Supervision, supervisor: User) -> Supervision:
    if existing.supervisor_id != supervisor.id:
        raise Refused("This form has already been used. Start a new supervision record")
    existing.already_saved = True
    return existing


@use_case("create", "supervision")
def record_supervision(
    *,
    kind: str,
    family: Family | None,
    supervisor: User,
    practitioner: User,
    held_on: date,
    discussion: str,
    decisions: list[tuple[str, str]],
    steps: list[NextStepInput] | dict[int, NextStepInput],
    next_supervision_on: date | None,
    today: date,
    late_reason: str = "",
    submission_key: str | None = None,
) -> Supervision:
    """Refuses a record with no decision and no next step: supervision must leave clear actions behind.

    The form's one-time `submission_key` makes one record however many times it is posted (going back in
    the browser and saving again, a double click, two posts at once): a key already saved returns that
    record, marked `already_saved`, and changes nothing. A form that comes back with a NEW key (the browser
    re-requests the page on Back, and refills it) is caught by what it says: the same supervisor, kind,
    practitioner (and family), date held and discussion as a record already saved is that record, returned
    the same way.

    A blank next date is the usual interval after the date held (SUPERVISION_INTERVAL_WEEKS). The next
    steps (a list, or a dict by their row on the form) are checked by the one set of next-step rules; a
    refused one is refused on "steps", saying which row ("Next step 2: the date ...").
    """
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut, never a 500
    existing = by_submission_key(Supervision, submission_key)
    if existing is not None:
        return _already_saved(existing, supervisor)
    if held_on is not None and discussion.strip():
        same = _same_record(
            kind=kind,
            family=family,
            supervisor=supervisor,
            practitioner=practitioner,
            held_on=held_on,
            discussion=discussion,
        )
        if same is not None:
            return _already_saved(same, supervisor)
    if kind not in ("case", "general"):
        raise Refused("Select case or general supervision", "kind")
    if practitioner.team_id != supervisor.team_id or practitioner.id == supervisor.id or not practitioner.active:
        raise Refused("Select the practitioner from the list", "practitioner")
    if kind == "case" and family is None:
        raise Refused("Select the family this case supervision is about", "family")
    if held_on > today:
        raise Refused("Date held must be today or in the past", "held_on")
    next_supervision_on = next_supervision_on or default_next_date(held_on)
    if next_supervision_on <= held_on:
        raise Refused("The next supervision must be after this one", "next_supervision_on")
    if not decisions and not steps:
        raise Refused("Record at least one decision or one next step", "decisions")
    for row, (_, rationale) in enumerate(decisions):
        try:
            check_reason(rationale, asked="why this decision was made")
        except Refused as refusal:
            raise refusal.of(f"Decision {row + 1}", "decisions") from None
    late_reason = recording.late_reason(held_on, late_reason, what="this supervision", recorded=today)
    if steps and kind != "case":
        raise Refused("Next steps from general supervision need a family: record them in case supervision", "steps")
    supervision = Supervision(
        kind=kind,
        family=family if kind == "case" else None,
        supervisor=supervisor,
        practitioner=practitioner,
        held_on=held_on,
        discussion=discussion.strip(),
        next_supervision_on=next_supervision_on,
        late_recording_reason=late_reason,
        submission_key=submission_key or None,
    )
    for decision, rationale in decisions:
        supervision.decisions.append(SupervisionDecision(decision=decision.strip(), rationale=rationale.strip()))
    # The same form posted twice at once: the other post saved it between our look and our save (add_once).
    saved = add_once(supervision)
    if saved is not supervision:
        return _already_saved(saved, supervisor)
    for index, step in steps.items() if isinstance(steps, dict) else enumerate(steps):
        try:
            add_next_step(
                family.id, step, source_type="supervision", source_id=supervision.id, actor=supervisor, today=today
            )
        except Refused as refusal:
            raise refusal.of(f"Next step {index + 1}", "steps") from None
    if kind == "case":
        add_to_timeline(
            family.id,
            f"Case supervision: {practitioner.name} with {supervisor.name}",
            "supervision",
            supervision.id,
            actor=supervisor,
            at=held_on,
            late_reason=late_reason,
        )
    record_event("create", "supervision", supervision.id, family_id=supervision.family_id, user=supervisor)
    return supervision


@dataclass(frozen=True)
class Due:
    """When a practitioner (or a family's case) is next due for supervision, why then, and how it stands today.

    `hint` says which rule gave the date, in the words every page shows under it.
    """

    label: str
    last: Supervision | None
    next_due: date
    state: SupervisionDue
    hint: str
    practitioner: User | None = None  # whose supervision this is; for a family's case, its lead
    family: Family | None = None  # for a family's case supervision

    @property
    def last_held(self) -> date | None:
        return self.last.held_on if self.last else None


_ORDER = {SupervisionDue.OVERDUE: 0, SupervisionDue.NEVER: 1, SupervisionDue.DUE_SOON: 2, SupervisionDue.OK: 3}


def _weeks(count: int) -> str:
    return f"{count} week{'' if count == 1 else 's'}"


def due_from(latest: Supervision | None, started_on: date, today: date, *, case: bool, label: str, **about) -> "Due":
    """The one definition of "supervision due", used by every page that shows it.

    With a supervision recorded, due on the next_supervision_on of the LATEST one (by date held, then as
    recorded: for a practitioner their latest of any kind, for a family its latest case supervision in its open
    episode). With none, SUPERVISION_INTERVAL_WEEKS after `started_on`: the day the practitioner's account was
    opened, or the day the family's open episode began.
    """
    what = "case supervision" if case else "supervision"
    if latest is not None:
        next_due = latest.next_supervision_on
        gap = (next_due - latest.held_on).days
        held = clock.long_day(latest.held_on)
        if gap % 7 == 0:
            hint = f"Due {_weeks(gap // 7)} after the last {what} on {held}"
        else:
            hint = f"Due on the date agreed at the last {what} on {held}"
    else:
        next_due = default_next_date(started_on)
        since = "the episode began" if case else "their account was opened"
        weeks = _weeks(current_app.config["SUPERVISION_INTERVAL_WEEKS"])
        hint = f"No {what} recorded yet: due {weeks} after {since} on {clock.long_day(started_on)}"
    return Due(label, latest, next_due, SupervisionDue.on(next_due, today), hint, **about)


def _latest_ids(partition, *where):
    """The id of the latest supervision (by date held, then as recorded) in each `partition`, among `where`."""
    ranked = (
        select(
            Supervision.id,
            func.row_number()
            .over(partition_by=partition, order_by=(Supervision.held_on.desc(), Supervision.id.desc()))
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank == 1)


def practitioners_due(practitioners: list[User], today: date) -> dict[int, Due]:
    """Each practitioner's supervision clock, by their id: one statement, however many."""
    ids = [person.id for person in practitioners]
    latest = _latest_ids(Supervision.practitioner_id, Supervision.practitioner_id.in_(ids))
    records = {s.practitioner_id: s for s in db.session.scalars(select(Supervision).where(Supervision.id.in_(latest)))}
    return {
        person.id: due_from(
            records.get(person.id),
            clock.local_date(person.created_at),
            today,
            case=False,
            label=person.name,
            practitioner=person,
        )
        for person in practitioners
    }


def _in_episode(episode_ids):
    """Case supervisions held in these episodes (from the day each began): a family opened again starts a clock
    of its own, not the one of a case supervision from before it was closed."""
    return (
        Supervision.kind == "case",
        Supervision.family_id == Episode.family_id,
        Episode.id.in_(episode_ids),
        Supervision.held_on >= Episode.started_on,
    )


def cases_due(episodes: list[Episode], today: date) -> dict[int, Due]:
    """Each open episode's family's case supervision clock, by family id: one statement, however many. Its
    latest case supervision is the latest held in this episode."""
    latest = _latest_ids(Supervision.family_id, *_in_episode([episode.id for episode in episodes]))
    records = {s.family_id: s for s in db.session.scalars(select(Supervision).where(Supervision.id.in_(latest)))}
    return {
        episode.family_id: due_from(
            records.get(episode.family_id),
            episode.started_on,
            today,
            case=True,
            label=f"{episode.family.reference} {episode.family.name}",
            practitioner=episode.lead,
            family=episode.family,
        )
        for episode in episodes
    }


def _open_episodes_query(lead_ids: list[int], viewer: User):
    """The open episodes these people lead, oldest begun first, leaving out a family restricted from the viewer."""
    return (
        select(Episode)
        .where(Episode.lead_id.in_(lead_ids), Episode.ended_on.is_(None), not_restricted_for(viewer, Episode.family_id))
        .order_by(Episode.started_on, Episode.id)
    )


def _open_episodes(lead_ids: list[int], viewer: User) -> list[Episode]:
    return db.session.scalars(
        _open_episodes_query(lead_ids, viewer).options(
            selectinload(Episode.family).selectinload(Family.members), selectinload(Episode.lead)
        )
    ).all()


def _soonest(rows: list[Due]) -> list[Due]:
    return sorted(rows, key=lambda due: (_ORDER[due.state], due.next_due, due.label))


def due_for_team(viewer: User, today: date) -> tuple[list[tuple[User, Due]], list[tuple[Family, User, Due]]]:
    """Practitioners in the team, and the families they lead, each with their supervision clock (due_from).

    A handful of statements, however big the team. A restricted family the viewer is not named on is not
    among them.
    """
    members = db.session.scalars(
        select(User).where(User.team_id == viewer.team_id, User.active).order_by(User.name)
    ).all()
    practitioners = [m for m in members if not is_team_manager(m)]
    people = practitioners_due(practitioners, today)
    cases = cases_due(_open_episodes([m.id for m in practitioners], viewer), today)
    return (
        [(due.practitioner, due) for due in _soonest(list(people.values()))],
        [(due.family, due.practitioner, due) for due in _soonest(list(cases.values()))],
    )


@dataclass(frozen=True)
class DueList:
    """Supervision due within a week or overdue: the soonest (all of them, unless asked for fewer), and how many."""

    shown: list[Due]
    count: int


def due_for(people: list[User], today: date, *, viewer: User, rows: int | None = None) -> DueList:
    """Supervision these people give or receive that is due within a week or overdue, soonest first: the first
    `rows` of them (all when None) and how many there are.

    The same clocks as the team's page (due_from): each practitioner among them (for a team manager among
    them, each practitioner in their team) and each family those practitioners lead. A family's date comes
    from two columns (its episode's start, its latest case supervision); the family itself, with the household
    its name is made from, is loaded only when it is among those shown, so a team of hundreds of families
    loads a page's worth.
    """
    team_ids = [person.team_id for person in people if is_team_manager(person) and person.team_id is not None]
    supervised = db.session.scalars(
        select(User).where(User.team_id.in_(team_ids), User.active).order_by(User.name)
    ).all()
    practitioners = {p.id: p for p in [*people, *supervised] if not is_team_manager(p) and p.active}
    soon = today + timedelta(days=DUE_SOON_DAYS)
    people_due = [
        due for due in practitioners_due(list(practitioners.values()), today).values() if due.next_due <= soon
    ]
    # Each family's open episode (the latest begun, as cases_due keeps) and when its case supervision is due.
    started = {
        family_id: (episode_id, started_on)
        for episode_id, family_id, started_on in db.session.execute(
            _open_episodes_query(list(practitioners), viewer).with_only_columns(
                Episode.id, Episode.family_id, Episode.started_on
            )
        )
    }
    last_due = dict(
        db.session.execute(
            select(Supervision.family_id, Supervision.next_supervision_on).where(
                Supervision.id.in_(
                    _latest_ids(Supervision.family_id, *_in_episode([episode_id for episode_id, _ in started.values()]))
                )
            )
        ).all()
    )
    families_due = {
        episode_id: next_due
        for family_id, (episode_id, started_on) in started.items()
        if (next_due := last_due.get(family_id) or default_next_date(started_on)) <= soon
    }
    count = len(people_due) + len(families_due)
    if rows is not None and count > rows:
        # Only families due no later than the rows-th soonest of everything can be shown (ties by name).
        cut = sorted([*(due.next_due for due in people_due), *families_due.values()])[rows - 1]
        families_due = {episode_id: next_due for episode_id, next_due in families_due.items() if next_due <= cut}
    episodes = db.session.scalars(
        select(Episode)
        .where(Episode.id.in_(families_due))
        .options(selectinload(Episode.family).selectinload(Family.members), selectinload(Episode.lead))
    ).all()
    soonest = sorted([*people_due, *cases_due(episodes, today).values()], key=lambda due: (due.next_due, due.label))
    return DueList(soonest[:rows], count)


def due_for_record(record: Supervision, today: date) -> tuple[Due, Due | None]:
    """For a supervision record's page: its practitioner's clock now, and (case supervision) its family's
    while the family has an open episode. The same clocks as every other page (due_from)."""
    person = practitioners_due([record.practitioner], today)[record.practitioner_id]
    if record.kind != "case" or record.family_id is None:
        return person, None
    episode = db.session.scalar(
        select(Episode)
        .where(Episode.family_id == record.family_id, Episode.ended_on.is_(None))
        .order_by(Episode.started_on.desc(), Episode.id.desc())
        .limit(1)
    )
    return person, cases_due([episode], today)[record.family_id] if episode else None


@dataclass(frozen=True)
class ActionChange:
    """One line of a supervision action's history, in the shape templates/next_steps/_history.html reads."""

    at: datetime
    actor: User
    what_happened: str
    from_due_on: date | None
    to_due_on: date | None
    reason: str


def actions_history(steps: list[NextStep]) -> list[ActionChange]:
    """What has happened to a supervision's actions since (each new date, from when to when and why, and each
    closing), oldest first, each line naming its action: so the manager reading the record sees a reschedule.

    The rows of services.next_steps.history for every action at once: one statement, however many actions.
    """
    by_id = {step.id: step for step in steps}
    changes = db.session.scalars(
        select(NextStepChange)
        .where(NextStepChange.next_step_id.in_(list(by_id)))
        .order_by(NextStepChange.at, NextStepChange.id)
    ).all()
    return [
        ActionChange(
            at=change.at,
            actor=change.actor,
            what_happened=f"\u201c{by_id[change.next_step_id].what}\u201d {change.what_happened}",
            from_due_on=change.from_due_on,
            to_due_on=change.to_due_on,
            reason=change.reason,
        )
        for change in changes
    ]


def team_and_families(manager: User) -> tuple[list[User], list[Episode]]:
    """Who a manager supervises (and who may own its next steps), and the open episodes the team leads."""
    team = db.session.scalars(
        select(User).where(User.team_id == manager.team_id, User.active).order_by(User.name)
    ).all()
    episodes = db.session.scalars(
        select(Episode)
        .where(
            Episode.lead_id.in_([person.id for person in team if person.id != manager.id]),
            Episode.ended_on.is_(None),
            not_restricted_for(manager, Episode.family_id),
        )
        .options(selectinload(Episode.family).selectinload(Family.members))
    ).all()
    return team, episodes


def records_for(user: User, page: int = 1):
    """A page of the supervision records this person held or received, newest first."""
    query = (
        select(Supervision)
        .where(
            (Supervision.supervisor_id == user.id) | (Supervision.practitioner_id == user.id),
            not_restricted_for(user, Supervision.family_id),
        )
        .order_by(Supervision.held_on.desc(), Supervision.id.desc())
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
