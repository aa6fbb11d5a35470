"""Step-up and step-down: start a request, move it through the state machine, keep its handover plan.

No gap: the sending episode stays open, with its lead responsible, until the handover is complete; the
receiving episode opens, with its named lead, when the receiving team accepts.

Each change is a use case (earlyhelp.services.use_case): it checks every rule, changes the records, audits,
and commits, or raises Refused. The rules themselves are in earlyhelp.domain.transfers. The parts:

- common: who is asking, what the rules need to know about a request, its decision clock;
- requests: starting a request and putting it right;
- decisions: approval, the receiving team's decision, and who is told;
- steps: the life of the actions a request proposes (proposed, live, returned, carried across);
- handover: the handover plan, its next steps, and the handover summary;
- letters: the family's "what happens next" letter, issued and kept;
- pages: what the request page and the working lists show.

Callers use this package (`from earlyhelp.services import transfers`), not its modules.
"""

from earlyhelp.services.transfers.common import (
    OPEN_STATES,
    SERVICE_FOR,
    ChildChoice,
    actor_of,
    decision_clock,
    facts_of,
    plan_is_closed,
    receiving_staff,
)
from earlyhelp.services.transfers.decisions import act, authorise_override, managers_elsewhere, pass_approval
from earlyhelp.services.transfers.handover import (
    HANDOVER_FIELDS,
    add_handover_step,
    handover_summary,
    meeting_before_request,
    meeting_clock,
    plan_steps,
    request_sent_at,
    save_handover_plan,
)
from earlyhelp.services.transfers.letters import family_letter, issue_letter, issued_letters, letter_document
from earlyhelp.services.transfers.pages import (
    QUEUE_PAGE_SIZE,
    QUEUES,
    TransferPage,
    in_queue,
    open_for_family,
    queue,
    queue_counts,
    queue_page,
    transfer_page,
)
from earlyhelp.services.transfers.requests import check_start, record_step_down_refused, start, start_choices, teams_of

__all__ = [
    "HANDOVER_FIELDS",
    "OPEN_STATES",
    "QUEUES",
    "QUEUE_PAGE_SIZE",
    "SERVICE_FOR",
    "ChildChoice",
    "TransferPage",
    "act",
    "actor_of",
    "add_handover_step",
    "authorise_override",
    "check_start",
    "decision_clock",
    "facts_of",
    "family_letter",
    "handover_summary",
    "in_queue",
    "issue_letter",
    "issued_letters",
    "letter_document",
    "managers_elsewhere",
    "meeting_before_request",
    "meeting_clock",
    "open_for_family",
    "pass_approval",
    "plan_is_closed",
    "plan_steps",
    "queue",
    "queue_counts",
    "queue_page",
    "receiving_staff",
    "record_step_down_refused",
    "request_sent_at",
    "save_handover_plan",
    "start",
    "start_choices",
    "teams_of",
    "transfer_page",
]
