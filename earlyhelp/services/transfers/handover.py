"""The handover plan, its next steps, and what is printed from it."""

from datetime import date, datetime

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.dates import check_in_order
from earlyhelp.domain.timescales import (
    Clock,
    Deadline,
)
from earlyhelp.domain.transfers import (
    TransferAction,
    check_meeting,
    check_plan_open,
)
from earlyhelp.extensions import db
from earlyhelp.models import (
    HandoverPlan,
    NextStep,
    Transfer,
    TransferEvent,
    User,
)
from earlyhelp.services import next_steps, recording
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.transfers import steps
from earlyhelp.services.transfers.common import locked
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import StaleEdit, changed_since


def request_sent_at(transfer: Transfer) -> datetime:
    """When the request was sent to the receiving team (its approval), or, before that, when it was made:
    nothing of its handover can happen before."""
    return approved_at(transfer) or transfer.created_at


def approved_at(transfer: Transfer) -> datetime | None:
    """When the request was approved and sent to the receiving team; None while it has not been."""
    return db.session.scalar(
        select(TransferEvent.at)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.action == TransferAction.APPROVE)
        .order_by(TransferEvent.at.desc())
        .limit(1)
    )


def meeting_before_request(plan: HandoverPlan) -> bool:
    """A meeting dated before its request (recorded before the rule): never counted as done."""
    return plan.meeting_on is not None and plan.meeting_on < clock.local_date(request_sent_at(plan.transfer))


def meeting_clock(plan: HandoverPlan, *, on: date | None = None) -> Clock | None:
    if plan.meeting_due_on is None:
        return None
    held_on = plan.meeting_on if plan.meeting_held and not meeting_before_request(plan) else None
    return Clock.of(
        Deadline(plan.meeting_due_on, plan.meeting_due_explanation), today=on or clock.today(), done_on=held_on
    )


def plan_steps(transfer: Transfer, *, family_facing_only: bool = False) -> list[NextStep]:
    query = next_steps.for_source("handover_plan", transfer.handover_plan.id)
    if family_facing_only:
        query = query.where(NextStep.family_facing)
    return db.session.scalars(query).all()


TOLD = {"yes": "Yes", "no": "No", "not_yet": "Not yet"}
AGREES = {"yes": "Yes", "no": "No", "partly": "Partly", "not_asked": "Not asked yet"}


def handover_summary(transfer: Transfer) -> dict:
    """What the receiving team's handover summary prints: the family's consent as it was recorded, and who
    authorised going ahead without it, and why."""
    return {
        "transfer": transfer,
        "plan": transfer.handover_plan,
        "steps": plan_steps(transfer),
        "today": clock.today(),
        "told": TOLD.get(transfer.told_family, transfer.told_family),
        "agrees": AGREES.get(transfer.family_agreement, transfer.family_agreement),
    }


# The handover plan

HANDOVER_FIELDS = (
    "meeting_kind",
    "meeting_on",
    "meeting_place",
    "attendees",
    "family_attending",
    "meeting_held",
    "information_shared",
    "family_told_what",
    "children_views",
    "family_message",
    "contingency",
    "step_up_contact",
)


HANDOVER_LABELS = {
    "meeting_kind": "meeting or joint visit",
    "meeting_on": "the date",
    "meeting_place": "the place",
    "attendees": "who will attend",
    "family_attending": "whether the family will attend",
    "meeting_held": "whether it has happened",
    "information_shared": "the information shared",
    "family_told_what": "what the family has been told",
    "children_views": "the children's views",
    "family_message": "the message to the family",
    "contingency": "the contingency",
    "step_up_contact": "who to contact to step back up",
}


def plan_values(plan: HandoverPlan) -> dict:
    """The plan's answers as saved, as the form holds them: what the form's `loaded` digests."""
    return {name: getattr(plan, name) for name in HANDOVER_FIELDS}


@use_case("update_handover_plan", "transfer")
def save_handover_plan(
    transfer: Transfer,
    *,
    expected_version: int,
    changes: dict,
    actor: User,
    loaded: str | None = None,
    now: datetime | None = None,
) -> HandoverPlan:
    """Save only if nobody else has saved since this person opened the plan; otherwise Stale, with the version
    saved now and (given the page's `loaded` digests) which answers they changed, so that saving again (having
    read the other changes) is deliberate. Only the answers in `changes` are written: give only the person's own."""
    now = now or clock.now()
    plan = db.session.scalar(
        select(HandoverPlan)
        .where(HandoverPlan.transfer_id == transfer.id)
        .with_for_update(of=HandoverPlan)
        .execution_options(populate_existing=True)
    )
    if plan.version != expected_version:
        theirs = changed_since(plan_values(plan), loaded) if loaded is not None else set()
        raise StaleEdit(
            "this handover plan",
            who=plan.updated_by,
            when=plan.updated_at,
            changed=[label[:1].lower() + label[1:] for name, label in HANDOVER_LABELS.items() if name in theirs],
            current_version=plan.version,
            current=plan_values(plan),
        )
    check_plan_open(transfer.state)
    meeting_on = changes.get("meeting_on", plan.meeting_on)
    held = changes.get("meeting_held", plan.meeting_held)
    check_meeting(meeting_held=held, meeting_on=meeting_on, today=clock.local_date(now))
    sent_at = approved_at(transfer)
    if sent_at:
        check_in_order("handover_meeting", sent_at, meeting_on)
    else:
        check_in_order("handover_meeting_unsent", transfer.created_at, meeting_on)
    newly_held = held and not plan.meeting_held
    if newly_held:
        late = recording.late_reason(
            meeting_on, changes.get("late_recording_reason"), what="this meeting", recorded=now
        )
        plan.meeting_recorded_at, plan.meeting_late_reason = now, late
    for name in HANDOVER_FIELDS:
        if name in changes:
            setattr(plan, name, changes[name].strip() if isinstance(changes[name], str) else changes[name])
    if newly_held:
        what = "Joint visit" if plan.meeting_kind == "joint_visit" else "Handover meeting"
        add_to_timeline(
            transfer.family_id,
            f"{what} held ({transfer.title.lower()})",
            "transfer",
            transfer.id,
            actor=actor,
            at=meeting_on,
            late_reason=plan.meeting_late_reason,
        )
    plan.version += 1
    plan.updated_by, plan.updated_at = actor, now
    record_event("update", "handover_plan", plan.id, family_id=transfer.family_id, user=actor)
    return plan


@use_case("add_next_step", "transfer")
def add_handover_step(transfer: Transfer, step: NextStepInput, *, actor: User) -> NextStep:
    """A next step in the handover plan, while the plan is open (the step's own rules: services.next_steps)."""
    transfer = locked(transfer.id)
    check_plan_open(transfer.state)
    return steps.add_to_request(transfer, step, actor=actor, today=clock.today())
