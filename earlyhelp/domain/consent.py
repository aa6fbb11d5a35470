"""The family's agreement to a move between services, as asked: never inferred. No Flask, no database.

Two questions, as docs/records.md and ../shared/domain.md describe: has the family been told (yes, no, not yet;
when, and by whom), and, once told, do they agree (yes, no, partly; in their own words). Early help is voluntary:
a step-down is sent only with the family's agreement. A step-up without it needs a manager's authorised override
(earlyhelp.domain.transfers). This is not the lawful basis for sharing information, which is recorded apart.

A step-down also answers a suitability checklist (each question yes or no, with a note; a no needs one) and
names its outcomes (earlyhelp.domain.outcomes). A draft may record any true answer; only a request whose
answers are all yes, with an outcome and the family's agreement, can be sent.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from earlyhelp.domain.refusals import Refused

TOLD = {"yes": "Yes", "no": "No", "not_yet": "Not yet"}
AGREEMENT = {"yes": "Yes", "no": "No", "partly": "Partly", "not_asked": "Not asked yet"}
# What a person can answer to "Does the family agree?" ("not asked" is what is stored when they were not told).
AGREEMENT_ANSWERS = {"yes": "Yes", "no": "No", "partly": "Partly"}

# The step-down suitability checklist: each answered yes or no, each with a note (needed for a no).
CHECKLIST = {
    "threshold_reviewed": "Has the level of need been reviewed against the threshold?",
    "clear_outcomes": "Are there clear outcomes for early help to work towards?",
    "outstanding_tasks_listed": "Are the outstanding tasks listed, each with an owner and a date?",
}
# How the send rule names an answer that is not yet yes.
_CHECKLIST_NOT_YET = {
    "threshold_reviewed": "the level of need has not been reviewed against the threshold",
    "clear_outcomes": "there are no clear outcomes for early help to work towards",
    "outstanding_tasks_listed": "the outstanding tasks are not listed with an owner and a date",
}
TOLD_BY_MAX = 120


@dataclass(frozen=True)
class Consent:
    """What was asked and answered, as it is stored: when and by whom only if told; agreement only if told."""

    told_family: str
    told_on: date | None
    told_by: str
    family_agreement: str
    family_words: str

    def as_fields(self) -> dict:
        return {
            "told_family": self.told_family,
            "told_on": self.told_on,
            "told_by": self.told_by,
            "family_agreement": self.family_agreement,
            "family_words": self.family_words,
        }


def check_consent(
    *,
    told_family: str,
    told_on: date | None,
    told_by: str,
    family_agreement: str,
    family_words: str,
    today: date,
) -> Consent:
    """The two questions, checked and put as they are stored. Refused names the field to put right.

    Told yes needs when (not in the future) and by whom; agreement is asked only once told (otherwise it is
    "not asked", whatever was posted); no or partly needs the family's own words.
    """
    if told_family not in TOLD:
        raise Refused("Select whether the family has been told about this request", "family_told")
    told_by, family_words = (told_by or "").strip(), (family_words or "").strip()
    if told_family != "yes":
        return Consent(told_family, None, "", "not_asked", "")
    if told_on is None:
        raise Refused("Enter the date the family was told", "told_on")
    if told_on > today:
        raise Refused("The date the family was told must be today or in the past", "told_on")
    if not told_by:
        raise Refused("Enter who told the family", "told_by")
    if len(told_by) > TOLD_BY_MAX:
        raise Refused(f"Who told the family must be {TOLD_BY_MAX} characters or fewer", "told_by")
    if family_agreement not in AGREEMENT_ANSWERS:
        raise Refused("Select whether the family agrees", "family_agreement")
    if family_agreement in ("no", "partly") and not family_words:
        what = "does not agree" if family_agreement == "no" else "agrees only in part"
        raise Refused(f"Enter what the family said, in their own words: why they {what}", "family_words")
    return Consent("yes", told_on, told_by, family_agreement, family_words)


def check_checklist(answers: Mapping[str, tuple[bool | None, str]]) -> dict:
    """A step-down's checklist as stored: each question answered yes or no, a no with a note saying why.

    `answers` maps each question's name to (answer, note). Returns the columns: name and name_note.
    """
    fields = {}
    for name, question in CHECKLIST.items():
        answer, note = answers.get(name, (None, ""))
        note = (note or "").strip()
        if answer is None:
            raise Refused(f"Select yes or no: {question[0].lower()}{question[1:]}", name)
        if answer is False and not note:
            raise Refused(f"Enter a note saying why not: {question[0].lower()}{question[1:]}", f"{name}_note")
        fields[name], fields[f"{name}_note"] = answer, note
    return fields


def check_ready_to_send(
    *,
    is_step_up: bool,
    family_agreement: str,
    checklist: Mapping[str, bool | None] | None = None,
    outcomes: int | None = None,
) -> None:
    """Whether a request can be sent for approval. Refused says why, naming everything not yet ready.

    A step-down needs the family's agreement (early help is voluntary), every checklist answer yes, and at
    least one outcome. `checklist` maps each CHECKLIST name to its answer (None: unanswered); `outcomes` is how
    many the request has. Either left out (None) is not checked: callers pass both for a step-down. A step-up
    without agreement needs the override instead (earlyhelp.domain.transfers).
    """
    if is_step_up:
        return
    problems = []
    if family_agreement != "yes":
        problems.append(
            {
                "no": "the family said no",
                "partly": "the family agrees only in part",
            }.get(family_agreement, "the family has not been asked whether they agree")
        )
    if checklist is not None:
        problems += [_CHECKLIST_NOT_YET[name] for name in CHECKLIST if checklist.get(name) is False]
        problems += [
            f"“{question}” is not answered" for name, question in CHECKLIST.items() if checklist.get(name) is None
        ]
    if outcomes is not None and outcomes < 1:
        problems.append("it has no outcomes: say what should be different for which child, by when")
    if problems:
        field = "family_agreement" if family_agreement != "yes" else None
        raise Refused(
            "This step-down cannot be sent for approval yet: "
            + "; ".join(problems)
            + ". Early help is voluntary and needs clear outcomes: change the request when these are answered yes",
            field,
        )
