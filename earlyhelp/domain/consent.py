"""The family's agreement to a move between services, as asked: never inferred. No Flask, no database.

Two questions, as docs/records.md and ../shared/domain.md describe: has the family been told (yes, no, not yet;
when, and by whom), and, once told, do they agree (yes, no, partly; in their own words). Early help is voluntary:
a step-down is sent only with the family's agreement. A step-up without it needs a manager's authorised override
(earlyhelp.domain.transfers). This is not the lawful basis for sharing information, which is recorded apart.
"""

from earlyhelp.domain.refusals import Refused

TOLD = {"yes": "Yes", "no": "No", "not_yet": "Not yet"}
AGREEMENT = {"yes": "Yes", "no": "No", "partly": "Partly", "not_asked": "Not asked yet"}


def check_ready_to_send(*, is_step_up: bool, family_agreement: str) -> None:
    """Whether a request can be sent for approval, as far as the family's agreement goes. Refused says why."""
    if not is_step_up and family_agreement != "yes":
        raise Refused(
            "Early help is voluntary: a step-down can be sent only when the family agrees. Record what the family "
            "said when they agree, or record that they said no",
            "family_agreement",
        )
