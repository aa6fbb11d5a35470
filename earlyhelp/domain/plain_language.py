"""The plain-language check a family plan passes before it is issued.

Families read their plan at a kitchen table, often under stress, sometimes with little English or
limited reading. Each finding names the section and says exactly what to change.
"""

import re
from dataclasses import dataclass
from datetime import date

# Words and acronyms families should not meet unexplained. A council adds its own through settings.
DEFAULT_JARGON = {
    "CIN": "child in need",
    "CP": "child protection",
    "CPP": "child protection plan",
    "TAF": "team around the family",
    "TAC": "team around the child",
    "EHA": "early help assessment",
    "MASH": "the front door team",
    "s17": "section 17 (support for a child in need)",
    "s47": "section 47 (a child protection enquiry)",
    "ICPC": "child protection conference",
    "LAC": "a child in care",
    "CSC": "children's social care",
    "SW": "social worker",
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
