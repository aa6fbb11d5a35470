"""The family's "what happens next" letter: written from what was marked for the family, issued, and kept."""

from earlyhelp import clock
from earlyhelp.domain.transfers import check_letter_ready
from earlyhelp.models import Transfer
from earlyhelp.services.transfers.handover import plan_steps


def family_letter(transfer: Transfer) -> dict:
    """What the family's "what happens next" letter prints: only the steps the family will see."""
    check_letter_ready(transfer.state)
    return {
        "transfer": transfer,
        "plan": transfer.handover_plan,
        "steps": plan_steps(transfer, family_facing_only=True),
        "today": clock.today(),
    }
