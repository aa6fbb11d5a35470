"""Next steps: the one way an action with an owner and a due date is written, wherever it comes from.

Every rule about a next step is here, once: the forms that write one (the add-a-step form, a supervision
row) check only their fields.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import aliased

from earlyhelp import clock
from earlyhelp.domain.dates import check_in_order
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepChange, NextStepStatus, OwnerKind, User
from earlyhelp.policy import may_own_next_step, not_restricted_for
from earlyhelp.services.audit import record_event
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import add_once, by_submission_key


@dataclass(frozen=True)
class NextStepInput:
    what: str
    owner_kind: str
    due_on: date | None
    owner_user_id: int | None = None
    owner_name: str = ""
    owner_agency: str = ""
    family_facing: bool = False
    # The one-time key of the form that adds it (earlyhelp.versions): the same form posted twice is one step.
    submission_key: str | None = None


def check_next_step(step: NextStepInput, *, today: date) -> User | None:
    """What, who and by when: refused with the field to fix. Returns the owner, when they use this service."""
    if not step.what.strip():
        raise Refused("Enter what needs to happen", "what")
    owner = None
    if step.owner_kind == OwnerKind.USER:
        owner = db.session.get(User, step.owner_user_id) if step.owner_user_id else None
        if owner is None or not owner.active:
            raise Refused("Select who will do it", "owner_user")
    elif step.owner_kind in (OwnerKind.FAMILY_MEMBER, OwnerKind.PARTNER):
        if not step.owner_name.strip():
            raise Refused("Enter the name of the person who will do it", "owner_name")
    else:
        raise Refused("Select who will do it", "owner_kind")
    if step.due_on is None:
        raise Refused("Enter the date it needs to be done by", "due_on")
    if step.due_on < today:
        raise Refused("The date it needs to be done by must be today or in the future", "due_on")
    return owner


@use_case("create", "next_step")
def add_next_step(
    family_id: int,
    step: NextStepInput,
    *,
    source_type: str,
    source_id: int | None,
    actor: User,
    today: date,
    tell_owner: bool = True,
    proposed: bool = False,
) -> NextStep:
    """Refuses a next step without a what, an owner or a due date in the future, saying which is missing,
    and one given to someone who may not see the family: owning a step would show them its record.
    The owner is told, unless `tell_owner` is off because the caller tells them itself (an allocation).

    `proposed`: written into a request before its acceptance (services/transfers/steps.py). It is nobody's
    work yet: nobody is told, and it opens the family to nobody, until the request is accepted.

    The form's one-time `step.submission_key` adds one step however often it is posted (a double click, Back and
    add again, two posts at once): the second gets the first, marked `already_saved`, and nothing changes."""
    submission_key = (step.submission_key or "")[:64] or None  # the column's length: a forged longer key is cut
    existing = already_added(submission_key)
    if existing is not None:
        if existing.family_id != family_id:  # a key from another form (forged): never another family's step
            raise Refused("This form has already been used. Open the page again to add a next step")
        return existing
    owner = check_next_step(step, today=today)
    just_added = _same_step_just_added(
        family_id, step, owner, source_type=source_type, source_id=source_id, actor=actor
    )
    if just_added is not None:
        return just_added
    if owner is not None and not may_own_next_step(owner, family_id):
        raise Refused(
            f"{owner.name} cannot see this family's record: choose someone who works with the family", "owner_user"
        )
    next_step = NextStep(
        family_id=family_id,
        what=step.what.strip(),
        owner_kind=step.owner_kind,
        owner_user_id=owner.id if owner else None,
        owner_name=step.owner_name.strip(),
        owner_agency=step.owner_agency.strip(),
        due_on=step.due_on,
        status=NextStepStatus.PROPOSED if proposed else NextStepStatus.OPEN,
        source_type=source_type,
        source_id=source_id,
        family_facing=step.family_facing,
        created_by_id=actor.id,
        submission_key=submission_key,
    )
    saved = add_once(next_step)
    if saved.already_saved:  # the same form, posted at the same moment: the other post added it
        return saved
    record_event("create", "next_step", next_step.id, family_id=family_id, user=actor)
    if tell_owner and not proposed and owner is not None and owner.id != actor.id:
        notify(
            owner,
            kind="next_step_assigned",
            message=f"{actor.name} gave you a next step, due {clock.day_month(next_step.due_on)}: {next_step.what}",
            link=link_to("families.show", family_id=family_id),
            dedupe_key=f"assigned:{next_step.id}",
            family_id=family_id,
        )
    return next_step


# Back and add again: the same step (word for word, same owner and date, in the same place) that the same person
# added this recently is that step, not a second one.
SAME_STEP_MINUTES = 30


def _same_step_just_added(family_id, step, owner, *, source_type, source_id, actor) -> NextStep | None:
    """Going Back to a page where a step was added brings a fresh form (and a fresh one-time key) that the browser
    fills with what was typed: adding it again must not add the step twice. Marked `already_saved`."""
    existing = db.session.scalar(
        select(NextStep)
        .where(
            NextStep.family_id == family_id,
            NextStep.source_type == source_type,
            NextStep.source_id == source_id if source_id is not None else NextStep.source_id.is_(None),
            NextStep.created_by_id == actor.id,
            NextStep.what == step.what.strip(),
            NextStep.due_on == step.due_on,
            NextStep.owner_user_id == owner.id if owner is not None else NextStep.owner_name == step.owner_name.strip(),
            NextStep.created_at >= clock.now() - timedelta(minutes=SAME_STEP_MINUTES),
        )
        .limit(1)
    )
    if existing is not None:
        existing.already_saved = True
    return existing


def already_added(submission_key: str | None) -> NextStep | None:
    """The step a form with this one-time key already added, marked `already_saved`; None if it added none."""
    existing = by_submission_key(NextStep, (submission_key or "")[:64] or None)
    if existing is not None:
        existing.already_saved = True
    return existing


def _change(
    step: NextStep,
    kind: str,
    *,
    actor: User,
    reason: str = "",
    to_due_on: date | None = None,
    summary: str = "",
    at: datetime | None = None,
) -> None:
    db.session.add(
        NextStepChange(
            next_step_id=step.id,
            at=at or clock.now(),
            actor_id=actor.id,
            kind=kind,
            from_due_on=step.due_on,
            to_due_on=to_due_on,
            reason=reason.strip(),
            summary=summary,
        )
    )
    record_event(kind, "next_step", step.id, family_id=step.family_id, user=actor)


def record_move(step: NextStep, kind: str, summary: str, *, actor: User, at: datetime) -> None:
    """A request's step moving (made live, returned to the sending lead, carried across), kept in its history
    in words, at the moment the request moved, and audited. Called inside the request's use case
    (services/transfers/steps.py)."""
    _change(step, kind, actor=actor, summary=summary, at=at)


def _still_open(step: NextStep) -> None:
    if step.status in (NextStepStatus.DONE, NextStepStatus.NOT_DONE, NextStepStatus.CANCELLED):
        raise _closed_by_someone(step)
    if step.status == NextStepStatus.PROPOSED:
        raise Refused("This next step is only proposed: it becomes live when the request is accepted", "status")
    if step.status != NextStepStatus.OPEN:
        raise Refused(f"This next step is already {step.status.label.lower()}", "status")


def _close_once(step: NextStep, **values) -> None:
    """Move an open step on, once: a conditional update (WHERE status = open), so that of two people marking it
    done (or not done, or cancelled) at the same moment only the first does; the second is refused, told who
    did it and when. The step is reloaded either way."""
    result = db.session.execute(
        update(NextStep)
        .where(NextStep.id == step.id, NextStep.status == NextStepStatus.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(step)
    if result.rowcount != 1:
        raise _closed_by_someone(step)


def _closed_by_someone(step: NextStep) -> Refused:
    last = db.session.scalar(
        select(NextStepChange)
        .where(NextStepChange.next_step_id == step.id, NextStepChange.kind == str(step.status))
        .order_by(NextStepChange.id.desc())
        .limit(1)
    )
    said = f"This next step is already {step.status.label.lower()}"
    if last is not None:
        said += f": {last.actor.name} recorded it on {clock.long_moment(last.at)}"
    return Refused(said, "status")


@use_case("done", "next_step")
def complete(step: NextStep, *, actor: User, on: date) -> None:
    _still_open(step)
    check_in_order("next_step_done", step.created_at, on)
    _close_once(step, status=NextStepStatus.DONE, status_on=on)
    _change(step, "done", actor=actor)


@use_case("close", "next_step")
def close_undone(step: NextStep, status: NextStepStatus, *, reason: str, actor: User, on: date) -> None:
    """Not done, or cancelled: either way the reason is required."""
    _still_open(step)
    if status not in (NextStepStatus.NOT_DONE, NextStepStatus.CANCELLED):
        raise Refused("Select whether it was not done or is no longer needed", "status")
    asked = "why the step was not done" if status == NextStepStatus.NOT_DONE else "why the step is no longer needed"
    reason = check_reason(reason, asked=asked, field="reason")
    check_in_order("next_step_closed", step.created_at, on)
    _close_once(step, status=status, status_on=on, status_reason=reason)
    _change(step, str(status), actor=actor, reason=reason)


@use_case("rescheduled", "next_step")
def reschedule(step: NextStep, *, due_on: date | None, reason: str, actor: User, today: date) -> None:
    """A new due date, with the reason, keeping every earlier date in the history."""
    # One change at a time (PostgreSQL): a step closed meanwhile is not rescheduled.
    step = db.session.scalars(
        select(NextStep)
        .where(NextStep.id == step.id)
        .with_for_update(of=NextStep)
        .execution_options(populate_existing=True)
    ).one()
    _still_open(step)
    if due_on is None:
        raise Refused("Enter the new date it needs to be done by", "due_on")
    if due_on < today:
        raise Refused("The new date must be today or in the future", "due_on")
    reason = check_reason(reason, asked="why the date is changing", field="reason")
    from_due_on = step.due_on
    _change(step, "rescheduled", actor=actor, reason=reason, to_due_on=due_on)
    step.due_on = due_on
    if step.source_type != "supervision" or step.source_id is None:
        return
    # An action agreed in supervision, moved by someone else: the supervisor is told who moved it, from when to
    # when and why, with a link to the supervision record.
    from earlyhelp.models import Supervision

    supervision = db.session.get(Supervision, step.source_id)
    if supervision is None or supervision.supervisor_id == actor.id:
        return
    db.session.flush()
    change_id = db.session.scalar(
        select(NextStepChange.id)
        .where(NextStepChange.next_step_id == step.id, NextStepChange.kind == "rescheduled")
        .order_by(NextStepChange.id.desc())
        .limit(1)
    )
    held = f"supervision with {supervision.practitioner.name} on {clock.day_month(supervision.held_on)}"
    notify(
        supervision.supervisor,
        kind="supervision_action_rescheduled",
        message=(
            f"{actor.name} moved \u201c{step.what}\u201d ({held}) from {clock.day_month(from_due_on)} "
            f"to {clock.day_month(due_on)}: {reason}"
        ),
        link=link_to("supervision.show", supervision_id=supervision.id),
        dedupe_key=f"supervision:{supervision.id}:action_rescheduled:{change_id}",
        family_id=supervision.family_id,
    )


def history(step: NextStep) -> list[NextStepChange]:
    return db.session.scalars(
        select(NextStepChange).where(NextStepChange.next_step_id == step.id).order_by(NextStepChange.id)
    ).all()


class Urgency(StrEnum):
    """My work's three lists, in order: a step's due date against today and this week's Sunday."""

    OVERDUE = "overdue"
    THIS_WEEK = "this-week"
    LATER = "later"

    @property
    def words(self) -> str:
        return {"overdue": "Overdue", "this-week": "Due this week", "later": "Later"}[self.value]

    def heading(self, which: str) -> str:
        """The heading of the page of every step of the list: "Overdue next steps", "Next steps due this week"."""
        steps = "next steps" if which == "mine" else "steps for families and partners"
        return {
            "overdue": f"Overdue {steps}",
            "this-week": f"{steps.capitalize()} due this week",
            "later": f"{steps.capitalize()} due later",
        }[self.value]

    def see_all(self, total: int, which: str) -> str:
        """The link to every step of the list: `which` is "mine" (their own) or "family" (families' and partners')."""
        steps = "next steps" if which == "mine" else "steps for families and partners"
        return {
            "overdue": f"See all {total} overdue {steps}",
            "this-week": f"See all {total} {steps} due this week",
            "later": f"See all {total} later {steps}",
        }[self.value]


# How many steps each of My work's lists shows, most urgent first; every step of a list is on a page of its own.
WORK_LIST_ROWS = 20
WORK_PAGE_ROWS = 50


@dataclass(frozen=True)
class WorkList:
    overdue: list[NextStep]
    this_week: list[NextStep]
    later: list[NextStep]
    # How many steps each list has in all: more than it holds when only its first rows were asked for.
    totals: dict[Urgency, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.totals.values())

    def steps(self, urgency: Urgency) -> list[NextStep]:
        return {Urgency.OVERDUE: self.overdue, Urgency.THIS_WEEK: self.this_week, Urgency.LATER: self.later}[urgency]

    def total(self, urgency: Urgency) -> int:
        return self.totals.get(urgency, 0)


def end_of_week(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def urgency_is(urgency: Urgency, today: date):
    """A WHERE clause: the open steps of one of My work's lists."""
    return {
        Urgency.OVERDUE: NextStep.due_on < today,
        Urgency.THIS_WEEK: NextStep.due_on.between(today, end_of_week(today)),
        Urgency.LATER: NextStep.due_on > end_of_week(today),
    }[urgency]


def _listed(query: Select, today: date, rows: int | None) -> WorkList:
    """The steps of `query` in My work's three lists, soonest first: the first `rows` of each (all of them with
    None) and how many each has in all, in one statement (a window over each list)."""
    order = list(Urgency)
    urgency = case(*((urgency_is(each, today), place) for place, each in enumerate(order)))
    ranked = query.add_columns(
        urgency.label("urgency"),
        func.row_number().over(partition_by=urgency, order_by=(NextStep.due_on, NextStep.id)).label("place"),
        func.count().over(partition_by=urgency).label("of"),
    ).subquery()
    step = aliased(NextStep, ranked)
    statement = select(step, ranked.c.urgency, ranked.c.of).order_by(ranked.c.urgency, ranked.c.place)
    if rows is not None:
        statement = statement.where(ranked.c.place <= rows)
    found: dict[Urgency, list[NextStep]] = {urgency: [] for urgency in order}
    totals: dict[Urgency, int] = {}
    for each, which, of in db.session.execute(statement).all():
        found[order[which]].append(each)
        totals[order[which]] = of
    return WorkList(found[Urgency.OVERDUE], found[Urgency.THIS_WEEK], found[Urgency.LATER], totals)


def _owned_by(owner_ids: list[int], viewer) -> Select:
    return select(NextStep).where(
        NextStep.owner_user_id.in_(owner_ids),
        NextStep.status == NextStepStatus.OPEN,
        not_restricted_for(viewer, NextStep.family_id),
    )


def work_list(owner_ids: list[int], today: date, *, viewer, rows: int | None = None) -> WorkList:
    """Open next steps owned by these people: overdue first, then due by Sunday, then later (the first `rows`
    of each, or all).

    One statement, however many steps and people: each step's owner and family come joined to it.
    """
    return _listed(_owned_by(owner_ids, viewer), today, rows)


def _for_families_led_by(lead_ids: list[int], viewer) -> Select:
    from earlyhelp.models import Episode

    led = select(Episode.family_id).where(Episode.lead_id.in_(lead_ids), Episode.ended_on.is_(None))
    return select(NextStep).where(
        NextStep.family_id.in_(led),
        NextStep.owner_kind.in_([str(OwnerKind.FAMILY_MEMBER), str(OwnerKind.PARTNER)]),
        NextStep.status == NextStepStatus.OPEN,
        not_restricted_for(viewer, NextStep.family_id),
    )


def family_and_partner_list(lead_ids: list[int], today: date, *, viewer, rows: int | None = None) -> WorkList:
    """Open steps owned by a family member or a partner, in the families these people lead: theirs to follow
    up, by urgency (the first `rows` of each list, or all). One statement, however many families and steps (a
    family led twice is listed once)."""
    return _listed(_for_families_led_by(lead_ids, viewer), today, rows)


def work_page(people_ids: list[int], urgency: Urgency, today: date, *, viewer, family_and_partner: bool, page: int):
    """One page of one of My work's lists, soonest first: these people's own steps, or the family and partner
    steps in the families they lead."""
    query = _for_families_led_by(people_ids, viewer) if family_and_partner else _owned_by(people_ids, viewer)
    query = query.where(urgency_is(urgency, today)).order_by(NextStep.due_on, NextStep.id)
    return db.paginate(query, page=page, per_page=WORK_PAGE_ROWS, error_out=False)


def for_source(source_type: str, source_id: int) -> Select:
    return (
        select(NextStep)
        .where(NextStep.source_type == source_type, NextStep.source_id == source_id)
        .order_by(NextStep.due_on, NextStep.id)
    )


def for_family(family_id: int) -> Select:
    return select(NextStep).where(NextStep.family_id == family_id).order_by(NextStep.status, NextStep.due_on)
