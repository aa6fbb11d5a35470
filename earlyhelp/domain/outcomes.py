"""A step-down's outcomes: what should be different, for which child (or the whole family), by when.

"Monitoring" is not an outcome (../shared/domain.md): an outcome whose whole substance is to watch, check in
or keep an eye on is refused, with a message saying what to write instead. No Flask, no database.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from earlyhelp.domain.refusals import Refused

WHAT_MAX = 1000

MONITORING_ONLY = (
    "Monitoring is not an outcome. Write what should be different for the child, and by when: for example, "
    "“Jay goes to school at least 9 days in 10 by the end of March”"
)

# Words that only watch: a sentence led by one of them says who looks, not what should change.
_WATCHING = (
    r"(?:monitor(?:s|ed|ing)?|keep(?:s|ing)?\s+(?:an?\s+)?(?:close\s+)?eye\s+on|oversight|oversee(?:s|ing)?"
    r"|check(?:s|ing)?[\s-]+in(?:\s+(?:on|with))?|keep(?:s|ing)?\s+(?:\w+\s+){0,2}under\s+review|observe|observation"
    r"|watching\s+brief|keep(?:s|ing)?\s+in\s+touch(?:\s+with)?)"
)
# The same, as a subject's verb: "Early help monitors ...", "The school keeps an eye on ...".
_WATCHES = (
    r"(?:monitors|keeps\s+(?:an?\s+)?(?:close\s+)?eye\s+on|oversees|checks[\s-]+in|keeps\s+(?:\w+\s+){0,2}under\s+review"
    r"|observes|keeps\s+in\s+touch)"
)
# Who does the watching, and how: "Early help to", "School will continue to", "Ongoing", "Regular".
_WHO = r"(?:[\w'\u2019-]+\s+)"
_HOW = r"(?:(?:to|will|would|should|shall|can|must|may|continues?|continuing|carry\s+on|keep\s+on)\s+)+(?:to\s+)?"
_MANNER = r"(?:(?:ongoing|continued|continuing|regular|light[\s-]touch|close|closer|weekly|daily|monthly|further)\s+)*"
_LED_BY_WATCHING = re.compile(
    rf"^(?:{_MANNER}{_WATCHING}|{_WHO}{{1,4}}?{_HOW}{_MANNER}{_WATCHING}|{_WHO}{{1,3}}?{_WATCHES})\b", re.IGNORECASE
)
_ONLY = re.compile(rf"^(?:just\s+)?{_MANNER}{_WATCHING}(?:\s+only)?$", re.IGNORECASE)
_SENTENCES = re.compile(r"[.;!?\n]+")


def only_monitors(text: str) -> bool:
    """Whether every sentence of an outcome only watches (monitor, keep an eye on, oversight, check in on...)."""
    sentences = [s.strip(" ,:-\u2013\u2014\t\"'\u201c\u201d") for s in _SENTENCES.split(text or "")]
    sentences = [s for s in sentences if s]
    if not sentences:
        return False
    return all(_ONLY.match(s) or _LED_BY_WATCHING.match(s) for s in sentences)


@dataclass(frozen=True)
class ProposedOutcome:
    """One outcome as a form gives it: `person_id` None for the whole family."""

    person_id: int | None
    what_different: str
    by_when: date | None


def check_outcome(outcome: ProposedOutcome, *, children: dict[int, str], today: date, field: str) -> ProposedOutcome:
    """One outcome, checked: a child of the household (or the whole family), what should be different (never
    only monitoring), and a date after today. `field` is the row's prefix ("outcomes-0") for the message."""
    if outcome.person_id is not None and outcome.person_id not in children:
        raise Refused("Select which child this outcome is for, from the household", f"{field}-person")
    what = (outcome.what_different or "").strip()
    if not what:
        raise Refused("Enter what should be different", f"{field}-what_different")
    if len(what) > WHAT_MAX:
        raise Refused(f"What should be different must be {WHAT_MAX} characters or fewer", f"{field}-what_different")
    if only_monitors(what):
        raise Refused(MONITORING_ONLY, f"{field}-what_different")
    if outcome.by_when is None:
        raise Refused("Enter the date it should be different by", f"{field}-by_when")
    if outcome.by_when <= today:
        raise Refused("The date it should be different by must be in the future", f"{field}-by_when")
    return ProposedOutcome(outcome.person_id, what, outcome.by_when)


def check_outcomes(
    outcomes: Iterable[ProposedOutcome], *, children: dict[int, str], today: date, required: bool
) -> list[ProposedOutcome]:
    """Every outcome of a request, checked (see check_outcome); at least one when `required`.

    `children` maps the household's children's ids to their first names.
    """
    checked = []
    for row, outcome in enumerate(outcomes):
        try:
            checked.append(check_outcome(outcome, children=children, today=today, field=f"outcomes-{row}"))
        except Refused as refusal:
            raise refusal.of(f"Outcome {row + 1}", refusal.field) from None
    if required and not checked:
        raise Refused("Enter at least one outcome: what should be different, for which child, by when", "outcomes")
    return checked
