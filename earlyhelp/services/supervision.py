"""Supervision records, and who is due or overdue for supervision."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Supervision, SupervisionDecision, User
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step


class SupervisionRefused(ValueError):
    pass


def default_next_date(held_on: date) -> date:
    return held_on + timedelta(weeks=current_app.config["SUPERVISION_INTERVAL_WEEKS"])


def record_supervision(
    *,
    kind: str,
    family: Family | None,
    supervisor: User,
    practitioner: User,
    held_on: date,
    discussion: str,
    decisions: list[tuple[str, str]],
    steps: list[NextStepInput],
    next_supervision_on: date,
    today: date,
) -> Supervision:
    """Refuses a record with no decision and no next step: supervision must leave clear actions behind."""
    if not decisions and not steps:
        raise SupervisionRefused("Record at least one decision or one next step")
    if kind == "case" and family is None:
        raise SupervisionRefused("Choose the family this case supervision is about")
    supervision = Supervision(
        kind=kind,
        family=family if kind == "case" else None,
        supervisor=supervisor,
        practitioner=practitioner,
        held_on=held_on,
        discussion=discussion.strip(),
        next_supervision_on=next_supervision_on,
    )
    for decision, rationale in decisions:
        supervision.decisions.append(SupervisionDecision(decision=decision.strip(), rationale=rationale.strip()))
    db.session.add(supervision)
    db.session.flush()
    if steps and family is None:
        raise Refused("Next steps from general supervision need a family: record them in case supervision", "what")
    for step in steps:
        add_next_step(
            family.id, step, source_type="supervision", source_id=supervision.id, actor=supervisor, today=today
        )
    if family is not None:
        add_to_timeline(
            family.id,
            f"Case supervision: {practitioner.name} with {supervisor.name}",
            "supervision",
            supervision.id,
            actor=supervisor,
        )
    record_event("create", "supervision", supervision.id, family_id=family.id if family else None, user=supervisor)
    return supervision


@dataclass(frozen=True)
class Due:
    """When someone (or a family's case) is next due for supervision, and how it stands today."""

    label: str
    last_held: date | None
    next_due: date | None
    state: str  # overdue, due_soon, ok, never

    @classmethod
    def of(cls, label: str, last_held: date | None, next_due: date | None, today: date) -> "Due":
        if next_due is None:
            state = "never"
        elif next_due < today:
            state = "overdue"
        elif next_due <= today + timedelta(days=7):
            state = "due_soon"
        else:
            state = "ok"
        return cls(label, last_held, next_due, state)


def _latest(column, ids, kind: str | None = None) -> dict:
    """For each id: (last held, next due) from its most recent supervision (of this kind, if given)."""
    if not ids:
        return {}
    latest = (
        select(column, func.max(Supervision.held_on).label("held"))
        .where(column.in_(ids), Supervision.kind == kind if kind else True)
        .group_by(column)
        .subquery()
    )
    rows = db.session.execute(
        select(column, Supervision.held_on, func.max(Supervision.next_supervision_on))
        .join(latest, (column == latest.c[0]) & (Supervision.held_on == latest.c.held))
        .where(Supervision.kind == kind if kind else True)
        .group_by(column, Supervision.held_on)
    ).all()
    return {key: (held, next_due) for key, held, next_due in rows}


def due_for_team(team_id: int, today: date) -> tuple[list[tuple[User, Due]], list[tuple[Family, User, Due]]]:
    """Practitioners in the team, and the families they lead, each with their supervision clock."""
    members = db.session.scalars(select(User).where(User.team_id == team_id, User.active).order_by(User.name)).all()
    practitioners = [m for m in members if m.role.code != "team_manager"]
    # A practitioner is supervised by any supervision; each family's case by case supervision about it.
    people = _latest(Supervision.practitioner_id, [m.id for m in practitioners])
    episodes = db.session.scalars(
        select(Episode).where(Episode.lead_id.in_([m.id for m in practitioners]), Episode.ended_on.is_(None))
    ).all()
    cases = _latest(Supervision.family_id, [e.family_id for e in episodes], "case")
    by_family = {e.family_id: e for e in episodes}
    families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(by_family)))}
    order = {"overdue": 0, "never": 1, "due_soon": 2, "ok": 3}
    person_rows = sorted(
        ((m, Due.of(m.name, *people.get(m.id, (None, None)), today)) for m in practitioners),
        key=lambda row: (order[row[1].state], row[1].next_due or date.min),
    )
    family_rows = sorted(
        (
            (families[fid], episode.lead, Due.of(families[fid].reference, *cases.get(fid, (None, None)), today))
            for fid, episode in by_family.items()
        ),
        key=lambda row: (order[row[2].state], row[2].next_due or date.min),
    )
    return person_rows, family_rows


def due_for(user: User, today: date) -> list[Supervision]:
    """Supervisions this person holds or receives that are due within a week or overdue.

    The same rule as the team's page: for each practitioner their latest supervision of any kind, and for
    each family its latest case supervision. A later supervision about one family does not hide another.
    """
    records = db.session.scalars(
        select(Supervision)
        .where((Supervision.supervisor_id == user.id) | (Supervision.practitioner_id == user.id))
        .order_by(Supervision.held_on, Supervision.id)
    ).all()
    latest = {}
    for record in records:
        latest[("practitioner", record.practitioner_id)] = record
        if record.kind == "case":
            latest[("family", record.family_id)] = record
    soon = today + timedelta(days=7)
    due = {r.id: r for r in latest.values() if r.next_supervision_on <= soon}
    return sorted(due.values(), key=lambda r: r.next_supervision_on)
