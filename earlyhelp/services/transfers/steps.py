"""The life of the actions a request proposes.

Actions written into a request are proposed, not live: on nobody's My work until the receiving team accepts.
Acceptance makes them live with their owners; a decline or a withdrawal leaves them with the sending lead;
a follow-up request carries them across, so nothing is typed twice and nothing is duplicated.

The request's use cases call these hooks; each runs inside that use case's transaction. Every move is kept in
the step's history (NextStepChange, in words) and audited.
"""

from datetime import date

from sqlalchemy import select

from earlyhelp import clock, policy
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import HandoverPlan, NextStep, NextStepStatus, OwnerKind, Transfer, User
from earlyhelp.services import next_steps
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.notifications import link_to, notify

# Until the receiving team accepts, a step written into the request is only proposed.
BEFORE_ACCEPTANCE = frozenset({TransferState.DRAFT, TransferState.AWAITING_APPROVAL, TransferState.SENT})


def _same_words(what: str) -> str:
    return " ".join(what.split()).casefold()


def _proposed(transfer: Transfer) -> list[NextStep]:
    return db.session.scalars(
        next_steps.for_source("handover_plan", transfer.handover_plan.id).where(
            NextStep.status == NextStepStatus.PROPOSED
        )
    ).all()


def _left_with_the_lead(transfer: Transfer) -> list[NextStep]:
    """The steps earlier requests from the same episode gave back to the sending lead (declined or withdrawn)
    that are still open: what a follow-up request takes over."""
    earlier = (
        select(HandoverPlan.id)
        .join(Transfer, Transfer.id == HandoverPlan.transfer_id)
        .where(
            Transfer.from_episode_id == transfer.from_episode_id,
            Transfer.id != transfer.id,
            Transfer.state.in_([TransferState.DECLINED, TransferState.WITHDRAWN]),
        )
    )
    return db.session.scalars(
        select(NextStep)
        .where(
            NextStep.source_type == "handover_plan",
            NextStep.source_id.in_(earlier),
            NextStep.status == NextStepStatus.OPEN,
            NextStep.proposed_owner_kind != "",
        )
        .order_by(NextStep.due_on, NextStep.id)
    ).all()


def propose(transfer: Transfer, outstanding: list[NextStepInput], *, actor: User, today: date) -> None:
    """The actions written into a new request, proposed. A task typed again in the same words as one the
    previous request left open is not added twice: that one is carried across instead (carry_across)."""
    carried = {_same_words(step.what) for step in _left_with_the_lead(transfer)}
    for step in outstanding:
        if _same_words(step.what) in carried:
            continue
        try:
            add_next_step(
                transfer.family_id,
                step,
                source_type="handover_plan",
                source_id=transfer.handover_plan.id,
                actor=actor,
                today=today,
                proposed=True,
            )
        except Refused as refusal:
            raise refusal.of(f"Outstanding task “{step.what.strip()}”") from None


def add_to_request(transfer: Transfer, step: NextStepInput, *, actor: User, today: date):
    """A next step added to a request's handover plan (services.transfers.handover.add_handover_step):
    proposed before the receiving team accepts, live (and told to its owner) after."""
    return add_next_step(
        transfer.family_id,
        step,
        source_type="handover_plan",
        source_id=transfer.handover_plan.id,
        actor=actor,
        today=today,
        proposed=transfer.state in BEFORE_ACCEPTANCE,
    )


def carry_across(transfer: Transfer, *, actor: User) -> None:
    """A follow-up request takes over the actions its declined request (transfer.previous_transfer) left, or a
    withdrawn one from the same episode: the same rows, proposed again for the people they were proposed for.
    A person who may no longer own a step in this family (they have left, or the new request goes elsewhere)
    leaves it proposed for the sending lead."""
    for step in _left_with_the_lead(transfer):
        owner_kind = step.proposed_owner_kind
        owner = step.proposed_owner_user if owner_kind == OwnerKind.USER else None
        if owner_kind != OwnerKind.USER or (owner is not None and policy.may_own_next_step(owner, step.family_id)):
            step.owner_kind, step.owner_user = owner_kind, owner
            step.owner_name, step.owner_agency = step.proposed_owner_name, step.proposed_owner_agency
        step.proposed_owner_kind, step.proposed_owner_user = "", None
        step.proposed_owner_name = step.proposed_owner_agency = ""
        step.status, step.status_on, step.source_id = NextStepStatus.PROPOSED, None, transfer.handover_plan.id
        next_steps.record_move(
            step,
            "carried_across",
            f"carried across to the new request, proposed for {step.owner}",
            actor=actor,
            at=transfer.created_at,
        )


def on_decided(transfer: Transfer, action: TransferAction, *, actor: User, today: date) -> None:
    """After accept, decline or withdraw: the proposed actions become live, or go back to the sending lead."""
    proposed = _proposed(transfer)
    if not proposed:
        return
    if action is TransferAction.ACCEPT:
        _make_live(transfer, proposed, actor=actor)
    elif action in (TransferAction.DECLINE, TransferAction.WITHDRAW):
        _give_back(transfer, proposed, "declined" if action is TransferAction.DECLINE else "withdrawn", actor=actor)


def _make_live(transfer: Transfer, proposed: list[NextStep], *, actor: User) -> None:
    """Live with their owners, each of whom is told of their step (once: the same notice as a step given)."""
    for step in proposed:
        step.status = NextStepStatus.OPEN
        next_steps.record_move(
            step,
            "live",
            f"made live with {step.owner} when the request was accepted",
            actor=actor,
            at=transfer.state_changed_at,
        )
    db.session.flush()
    policy.forget_cached()  # owning an open step opens the family to its owner
    for step in proposed:
        owner = step.owner_user if step.owner_kind == OwnerKind.USER else None
        if owner is None or owner.id == actor.id:
            continue
        notify(
            owner,
            kind="next_step_assigned",
            message=(
                f"{actor.name} accepted the {transfer.title.lower()} request for {transfer.family.reference}. "
                f"Your next step, due {clock.day_month(step.due_on)}: {step.what}"
            ),
            link=link_to("families.show", family_id=step.family_id),
            dedupe_key=f"assigned:{step.id}",
            family_id=step.family_id,
        )


def _sending_lead(transfer: Transfer) -> User:
    return transfer.from_episode.lead or transfer.requested_by


def _give_back(transfer: Transfer, proposed: list[NextStep], what_happened: str, *, actor: User) -> None:
    """Open steps of the sending lead, who keeps responsibility (no gap): who they were proposed for is kept,
    so that a follow-up request gives them back; the lead can close them with a reason as any step."""
    lead = _sending_lead(transfer)
    for step in proposed:
        step.proposed_owner_kind, step.proposed_owner_user = step.owner_kind, step.owner_user
        step.proposed_owner_name, step.proposed_owner_agency = step.owner_name, step.owner_agency
        step.owner_kind, step.owner_user = OwnerKind.USER, lead
        step.owner_name = step.owner_agency = ""
        step.status = NextStepStatus.OPEN
        next_steps.record_move(
            step,
            "returned",
            f"returned to {lead.name} when the request was {what_happened} (proposed for {step.proposed_owner})",
            actor=actor,
            at=transfer.state_changed_at,
        )
