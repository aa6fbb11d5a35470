"""The life of the actions a request proposes.

Actions written into a request are proposed, not live: on nobody's My work until the receiving team accepts.
Acceptance makes them live with their owners; a decline or a withdrawal leaves them with the sending lead;
a follow-up request carries them across, so nothing is typed twice and nothing is duplicated.

The request's use cases call these hooks; each runs inside that use case's transaction.
"""

from datetime import date

from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.models import Transfer, User
from earlyhelp.services.next_steps import NextStepInput, add_next_step


def propose(transfer: Transfer, outstanding: list[NextStepInput], *, actor: User, today: date) -> None:
    """The actions written into a new request."""
    for step in outstanding:
        try:
            add_next_step(
                transfer.family_id,
                step,
                source_type="handover_plan",
                source_id=transfer.handover_plan.id,
                actor=actor,
                today=today,
            )
        except Refused as refusal:
            raise refusal.of(f"Outstanding task “{step.what.strip()}”") from None


def add_to_request(transfer: Transfer, step: NextStepInput, *, actor: User, today: date):
    """A next step added to a request's handover plan (services.transfers.handover.add_handover_step)."""
    return add_next_step(
        transfer.family_id,
        step,
        source_type="handover_plan",
        source_id=transfer.handover_plan.id,
        actor=actor,
        today=today,
    )


def carry_across(transfer: Transfer, *, actor: User) -> None:
    """A follow-up request (transfer.previous_transfer) takes over the actions its declined request left."""


def on_decided(transfer: Transfer, action: TransferAction, *, actor: User, today: date) -> None:
    """After accept, decline or withdraw: the proposed actions become live, or go back to the sending lead."""
