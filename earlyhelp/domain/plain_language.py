"""The plain-language check a family plan passes before it is issued.

Families read their plan at a kitchen table, often under stress, sometimes with little English or
limited reading. Each finding names the section and says exactly what to change.
"""

import re
from dataclasses import dataclass
from datetime import date

from earlyhelp.domain.refusals import Refused

# Words and acronyms families should not meet unexplained: the list migration 0014 seeded the jargon_term table
# with. The service checks against that table, which a council extends (flask jargon add); this is the default
# for the rule on its own.
DEFAULT_JARGON = {
    "CIN": "child in need",
    "CP": "child protection",
    "CPP": "child protection plan",
    "TAF": "team around the family",
    "TAC": "team around the child",
    "EHA": "early help assessment",
    "EH": "early help",
    "MASH": "the front door team",
    "s17": "section 17 (support for a child in need)",
    "s47": "section 47 (a child protection enquiry)",
    "ICPC": "child protection conference",
    "LAC": "a child in care",
    "CLA": "a child looked after (in care)",
    "CSC": "children's social care",
    "SW": "social worker",
    "CAMHS": "children's mental health service",
    "DV": "domestic abuse",
    "DA": "domestic abuse",
    "SENCO": "the school's special needs teacher",
    "SEND": "special educational needs",
    "EHCP": "education, health and care plan",
    "PLO": "the formal letter before court (public law outline)",
    "LADO": "the council officer who looks into worries about adults who work with children",
    "NFA": "no further action",
    "FGC": "family group meeting",
    "IRO": "the independent reviewing officer",
    "lead professional": "your lead worker",
    "safeguarding": "keeping the children safe",
    "threshold": "level of need",
    "escalate": "step up",
}
MAX_FAMILY_STEPS = 8
MAX_SENTENCE_WORDS = 25


@dataclass(frozen=True)
class Finding:
    section: str
    message: str


@dataclass(frozen=True)
class PlanStep:
    what: str
    owner: str
    due_on: date | None


@dataclass(frozen=True)
class Blocker:
    """Something that stops a plan being issued at all (unlike a Finding, which a worker may confirm past)."""

    field: str
    message: str


def blockers(*, goals: str, agreed_by: str, review_on: date | None, today: date) -> list[Blocker]:
    """What a plan must have before the family gets it: their goals, who agreed it, a review date still to come."""
    found = []
    if not goals.strip():
        found.append(Blocker("goals", "Enter the family's goals, in their own words"))
    if not agreed_by.strip():
        found.append(Blocker("agreed_by", "Enter who in the family agreed the plan"))
    if review_on is not None and review_on < today:
        found.append(Blocker("review_on", "The review date has passed: enter a review date that is today or later"))
    return found


def check_ready_to_issue(*, goals: str, agreed_by: str, review_on: date | None, today: date) -> None:
    """Refused, on the field to fix, when a plan cannot be issued as it stands."""
    found = blockers(goals=goals, agreed_by=agreed_by, review_on=review_on, today=today)
    if found:
        raise Refused(found[0].message, found[0].field)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _jargon(section: str, text: str, jargon: dict[str, str]) -> list[Finding]:
    findings = []
    for term, plain in jargon.items():
        # Acronyms match in capitals only ("CP", not "cp"); other words match in any case.
        flags = 0 if term.isupper() else re.IGNORECASE
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, flags):
            findings.append(Finding(section, f'Replace "{term}" with plain words, such as "{plain}"'))
    return findings


def check(
    sections: dict[str, str], steps: list[PlanStep], *, review_on: date | None, jargon: dict[str, str] | None = None
) -> list[Finding]:
    """Every problem that should be fixed before the family gets the plan. An empty list means ready."""
    jargon = DEFAULT_JARGON if jargon is None else jargon
    findings: list[Finding] = []
    for section, text in sections.items():
        findings += _jargon(section, text, jargon)
        for sentence in _sentences(text):
            words = len(sentence.split())
            if words > MAX_SENTENCE_WORDS:
                start = " ".join(sentence.split()[:6])
                findings.append(
                    Finding(
                        section,
                        f'Split the sentence starting "{start}..." ({words} words; '
                        f"aim for {MAX_SENTENCE_WORDS} or fewer)",
                    )
                )
    for step in steps:
        findings += _jargon("Next steps", step.what, jargon)
        if not step.owner.strip():
            findings.append(Finding("Next steps", f'Name the person who will do "{step.what}"'))
        if step.due_on is None:
            findings.append(Finding("Next steps", f'Give a date for "{step.what}"'))
    if len(steps) > MAX_FAMILY_STEPS:
        findings.append(
            Finding(
                "Next steps",
                f"Keep the family's list to {MAX_FAMILY_STEPS} steps or fewer "
                f"(it has {len(steps)}): move the rest to professional-only",
            )
        )
    if not sections.get("If things get worse", "").strip():
        findings.append(Finding("If things get worse", "Write the contingency plan: what happens if things get worse"))
    if review_on is None:
        findings.append(Finding("Review", "Set the date the plan will be reviewed"))
    return findings
