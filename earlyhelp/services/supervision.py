"""Supervision records, and who is due or overdue for supervision.

Who is due is the same everywhere (the team's page and My work): a practitioner by their latest
supervision of any kind, and each family's case by its latest case supervision. "Latest" is worked out in
the database with a window function, so a page asks once however many people and families it shows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import selectinload

from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Supervision, SupervisionDecision, User
from earlyhelp.models.supervision import DUE_SOON_DAYS, SupervisionDue
from earlyhelp.policy import is_team_manager, not_restricted_for
from earlyhelp.services import recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.use_case import use_case

PAGE_SIZE = 20


def default_next_date(held_on: date) -> date:
    return held_on + timedelta(weeks=current_app.config["SUPERVISION_INTERVAL_WEEKS"])


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
) -> Supervision:
    """Refuses a record with no decision and no next step: supervision must leave clear actions behind.

    A blank next date is the usual interval after the date held (SUPERVISION_INTERVAL_WEEKS). The next
    steps (a list, or a dict by their row on the form) are checked by the one set of next-step rules; a
    refused one is refused on "steps", saying which row ("Next step 2: the date ...").
    """
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
    )
    for decision, rationale in decisions:
        supervision.decisions.append(SupervisionDecision(decision=decision.strip(), rationale=rationale.strip()))
    db.session.add(supervision)
    db.session.flush()
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
    """When someone (or a family's case) is next due for supervision, and how it stands today."""

    label: str
    last_held: date | None
    next_due: date | None
    state: SupervisionDue

    @classmethod
    def of(cls, label: str, last_held: date | None, next_due: date | None, today: date) -> "Due":
        return cls(label, last_held, next_due, SupervisionDue.on(next_due, today))


_ORDER = {SupervisionDue.OVERDUE: 0, SupervisionDue.NEVER: 1, SupervisionDue.DUE_SOON: 2, SupervisionDue.OK: 3}


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


def _latest_by_practitioner(practitioner_ids):
    return _latest_ids(Supervision.practitioner_id, Supervision.practitioner_id.in_(practitioner_ids))


def _latest_case_by_family(family_ids):
    return _latest_ids(Supervision.family_id, Supervision.kind == "case", Supervision.family_id.in_(family_ids))


def due_for_team(viewer: User, today: date) -> tuple[list[tuple[User, Due]], list[tuple[Family, User, Due]]]:
    """Practitioners in the team, and the families they lead, each with their supervision clock.

    Five statements, however big the team: its members, their latest supervisions, the open episodes they
    lead (with each family and its members), and those families' latest case supervisions. A restricted
    family the viewer is not named on is not among them.
    """
    members = db.session.scalars(
        select(User).where(User.team_id == viewer.team_id, User.active).order_by(User.name)
    ).all()
    practitioners = [m for m in members if not is_team_manager(m)]
    ids = [m.id for m in practitioners]
    people = {
        s.practitioner_id: s
        for s in db.session.scalars(select(Supervision).where(Supervision.id.in_(_latest_by_practitioner(ids))))
    }
    episodes = db.session.scalars(
        select(Episode)
        .where(Episode.lead_id.in_(ids), Episode.ended_on.is_(None), not_restricted_for(viewer, Episode.family_id))
        .options(selectinload(Episode.family).selectinload(Family.members))
    ).all()
    family_ids = [e.family_id for e in episodes]
    cases = {
        s.family_id: s
        for s in db.session.scalars(select(Supervision).where(Supervision.id.in_(_latest_case_by_family(family_ids))))
    }

    def due(label: str, latest: Supervision | None) -> Due:
        if latest is None:
            return Due.of(label, None, None, today)
        return Due.of(label, latest.held_on, latest.next_supervision_on, today)

    person_rows = sorted(
        ((m, due(m.name, people.get(m.id))) for m in practitioners),
        key=lambda row: (_ORDER[row[1].state], row[1].next_due or date.min),
    )
    family_rows = sorted(
        ((e.family, e.lead, due(e.family.reference, cases.get(e.family_id))) for e in episodes),
        key=lambda row: (_ORDER[row[2].state], row[2].next_due or date.min),
    )
    return person_rows, family_rows


def due_for(people: list[User], today: date, *, viewer: User) -> list[Supervision]:
    """Supervisions these people hold or receive that are due within a week or overdue, soonest first.

    The same rule as the team's page: for each practitioner their latest supervision of any kind, and for
    each family its latest case supervision. A later supervision about one family does not hide another.
    One statement, however many people.
    """
    ids = [person.id for person in people]
    theirs = or_(Supervision.supervisor_id.in_(ids), Supervision.practitioner_id.in_(ids))
    involved = select(Supervision.practitioner_id).where(theirs)
    families = select(Supervision.family_id).where(theirs, Supervision.kind == "case")
    latest = union(_latest_by_practitioner(involved), _latest_case_by_family(families)).subquery()
    return db.session.scalars(
        select(Supervision)
        .where(
            Supervision.id.in_(select(latest.c.id)),
            theirs,
            Supervision.next_supervision_on <= today + timedelta(days=DUE_SOON_DAYS),
            not_restricted_for(viewer, Supervision.family_id),
        )
        .order_by(Supervision.next_supervision_on, Supervision.id)
    ).all()


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
