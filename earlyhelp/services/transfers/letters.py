"""The family's "what happens next" letter: written from what was marked for the family, issued, and kept.

A letter is written as data (`letter_content`): every sentence it prints, from the few fields that are for the
family (the handover plan's "what we will tell the family", the family-facing next steps, the meeting's date,
who the workers are and how to reach them) and the council's own words below. Nothing professional-only is
ever read here: not the contingency, not what the family does not want shared, not the worries, the
information shared or anyone's reasoning. The preview page and both printed copies are made from that data,
so the preview is what prints.

Issuing is the family plan's pattern (services/family_plans.py:issue): `prepare_letter` checks and gathers in
one transaction, the two copies print with none open, `store_letter` keeps them in a second short one, which
refuses (Stale) if what the letter says changed while they printed. Each issue is a new version; the bytes of
every version are kept and served as they are.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.domain.transfers import Direction, TransferState, check_letter_ready
from earlyhelp.extensions import db
from earlyhelp.models import IssuedLetter, LetterDocument, NextStepStatus, Team, Transfer, User
from earlyhelp.models.letters import LETTER_KINDS
from earlyhelp.pdf import pdf_html, print_html
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.transfers.common import locked
from earlyhelp.services.transfers.handover import plan_steps
from earlyhelp.services.use_case import use_case

# The council's own words. A council changes them here (or, for the rights and complaints, in its settings).

SERVICE_NAME = {"early_help": "early help", "social_care": "children's social care"}

# What the service the family is moving to will do next, in plain words.
WHAT_THE_SERVICE_DOES = {
    Direction.STEP_UP: (
        "A social worker will visit you and your children to get to know your family and understand what is "
        "happening. This is called an assessment. They will listen to you and to each of your children, and they "
        "may talk to people who know your family, such as the school or your doctor.",
        "At the end of the assessment the social worker will tell you what they found and what they think should "
        "happen next. That might be help and support for your family, or a plan to keep the children safe. They "
        "will explain why, and you can say what you think.",
    ),
    Direction.STEP_DOWN: (
        "Early help is support that you choose to have. Your early help worker will meet you to agree a plan with "
        "your family: what you would like to change, and the help you want.",
        "You can say no to early help, or ask for it to stop at any time. Tell your worker or their team if you "
        "want to do this.",
    ),
}

# A step-up that went ahead without the family's agreement: how it is said, by what they said when asked.
NOT_AGREED = {
    "no": "We know you did not agree to us asking children's social care to work with your family.",
    "partly": "We know you did not agree with all of this.",
    "not_asked": "We did not ask you before we asked children's social care to work with your family.",
}
WHY_WE_ACT_ANYWAY = (
    "When we are worried that a child may be at risk of harm, the law says we must act to keep them safe, even "
    "when a parent does not agree. This is not a decision we make lightly. We still want to work with you, and "
    "what you think matters to us."
)

IF_IN_DANGER = "If a child is in danger now, call 999."

STEP_STATUS = {
    NextStepStatus.PROPOSED: "To do",
    NextStepStatus.OPEN: "To do",
    NextStepStatus.DONE: "Done",
    NextStepStatus.NOT_DONE: "Not done",
    NextStepStatus.CANCELLED: "No longer needed",
}


def switchboard() -> str:
    """The number printed when a worker or a team has no phone number of its own."""
    return current_app.config["COUNCIL_SWITCHBOARD"]


# Writing the letter


@dataclass
class _Writing:
    sections: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self, heading: str | None, *paragraphs: str) -> None:
        self.sections.append({"kind": "text", "heading": heading, "paragraphs": [p for p in paragraphs if p]})


def _phone_of(who: str, own: str, writing: _Writing, what: str) -> str:
    if own.strip():
        return own.strip()
    writing.warnings.append(
        f"{what} has no phone number recorded. The letter gives the council's switchboard ({switchboard()}) "
        "instead. An administrator can add it."
    )
    return f"{switchboard()} (the council's switchboard: ask for {who})"


def _person(user: User, about: str, writing: _Writing) -> dict:
    return {
        "who": user.name,
        "about": about,
        "phone": _phone_of(user.name, user.phone or "", writing, user.name),
        "email": user.email,
    }


def _team(team: Team, about: str, writing: _Writing) -> dict:
    return {
        "who": team.name,
        "about": about,
        "phone": _phone_of(team.name, team.phone or "", writing, f"The team {team.name}"),
        "email": team.email or "",
    }


def _meeting(transfer: Transfer, writing: _Writing, today: date) -> None:
    plan = transfer.handover_plan
    visit = plan.meeting_kind == "joint_visit"
    place = f" at {plan.meeting_place}" if plan.meeting_place and not visit else ""
    heading = "Visiting you" if visit else "Meeting you"
    if plan.meeting_on is None:
        arrange = "a time to visit you together" if visit else "a time to meet"
        writing.text(heading, f"We will contact you to arrange {arrange}.")
    elif plan.meeting_held:
        done = "We visited you together" if visit else "We met"
        writing.text(heading, f"{done} on {clock.long_day(plan.meeting_on)}{place}.")
    elif plan.meeting_on >= today:
        will = "We will visit you together" if visit else "We will meet"
        writing.text(heading, f"{will} on {clock.long_day(plan.meeting_on)}{place}.")
    else:
        writing.warnings.append(
            f"The {'visit' if visit else 'meeting'} on {clock.day(plan.meeting_on)} is in the past but is not "
            "recorded as held. If it happened, record it on the handover plan before issuing the letter."
        )
        writing.text(
            heading,
            f"We planned to {'visit you' if visit else 'meet'} on {clock.long_day(plan.meeting_on)}. If that did "
            "not happen, we will contact you to arrange a new date.",
        )


def _override(transfer: Transfer, writing: _Writing) -> None:
    """A step-up without the family's agreement: said plainly and kindly, never with the professional reasoning."""
    if not (transfer.needs_override_authorisation and transfer.override_authorised_at):
        return
    manager = transfer.override_authorised_by
    opening = NOT_AGREED.get(transfer.family_agreement, NOT_AGREED["no"])
    talk = ""
    if manager is not None:
        phone = _phone_of(manager.name, manager.phone or "", writing, manager.name)
        talk = (
            f"If you want to talk about this decision, you can speak to {manager.name}, the manager who agreed "
            f"it: call {phone} or email {manager.email}."
        )
    writing.text("Why we have done this", opening, WHY_WE_ACT_ANYWAY, talk)


def letter_content(transfer: Transfer, *, version: int, issued_on: date) -> tuple[dict, list[str]]:
    """Everything the letter prints, as data, and the warnings for whoever issues it (not printed)."""
    check_letter_ready(transfer.state)
    writing = _Writing()
    state = TransferState(transfer.state)
    from_service = SERVICE_NAME.get(transfer.from_episode.service.code, transfer.from_episode.service.name)
    to_service = SERVICE_NAME.get(transfer.to_service.code, transfer.to_service.name)
    sending_lead = transfer.from_episode.lead
    contacts = []
    message = (transfer.handover_plan.family_message or "").strip()
    if state == TransferState.DECLINED:
        still = f"{sending_lead.name} from {from_service}" if sending_lead else f"Your worker from {from_service}"
        writing.text(
            None,
            f"We asked {to_service} to work with your family. They have decided not to, for now.",
            f"{still} will carry on working with you, as before.",
        )
        if message:
            writing.text("What we want to tell you", message)
        if sending_lead:
            contacts.append(_person(sending_lead, f"Your worker, {from_service}", writing))
        else:
            writing.warnings.append("The family's current involvement has no lead: the letter names only the team.")
        if transfer.sending_team:
            contacts.append(
                _team(transfer.sending_team, f"{sending_lead.name}'s team" if sending_lead else "", writing)
            )
    else:
        lead = transfer.receiving_lead
        if state == TransferState.HANDOVER_COMPLETE:
            writing.text(
                None,
                f"{to_service[0].upper()}{to_service[1:]} is now working with your family. {lead.name} is your "
                "main worker.",
                f"{sending_lead.name} from {from_service} has handed over to {lead.name} and is no longer your worker."
                if sending_lead
                else "",
            )
        else:
            writing.text(
                None,
                f"We asked {to_service} to work with your family. They have agreed.",
                f"From now on, {lead.name} from {to_service} will be your main worker.",
                f"Until the handover is finished, {sending_lead.name} from {from_service} is still there for you. "
                "You will not be left without someone to call."
                if sending_lead
                else "",
            )
        if message:
            writing.text("What we want to tell you", message)
        _meeting(transfer, writing, issued_on)
        _override(transfer, writing)
        writing.text(f"What {to_service} will do", *WHAT_THE_SERVICE_DOES[Direction(transfer.direction)])
        contacts.append(_person(lead, f"Your main worker, {to_service}", writing))
        contacts.append(_team(transfer.receiving_team, f"{lead.name}'s team", writing))
        if state != TransferState.HANDOVER_COMPLETE and sending_lead:
            contacts.append(_person(sending_lead, f"Until the handover is finished, {from_service}", writing))
    steps = [
        {"what": s.what, "who": s.owner, "by_when": clock.long_day(s.due_on), "status": STEP_STATUS[s.status]}
        for s in plan_steps(transfer, family_facing_only=True)
    ]
    if steps:
        writing.sections.append({"kind": "steps", "heading": "What will happen, who will do it, and when"})
    writing.sections.append({"kind": "contacts", "heading": "Who to contact"})
    writing.text("If you are worried", "Call your main worker or their team on the numbers above.", IF_IN_DANGER)
    config = current_app.config
    writing.text("Your rights", config["FAMILY_RIGHTS_TEXT"])
    writing.text("If you want to complain", config["COMPLAINTS_TEXT"])
    content = {
        "version": version,
        "dated": clock.long_day(issued_on),
        "to": f"To the {transfer.family.name} family",
        "reference": transfer.family.reference,
        "council": config["COUNCIL_NAME"],
        "sections": writing.sections,
        "steps": steps,
        "contacts": contacts,
    }
    return content, writing.warnings


# Reading


def issued_letters(transfer: Transfer) -> list[IssuedLetter]:
    """Every letter issued for a request, newest first, with who issued it and its copies (not their bytes)."""
    return db.session.scalars(
        select(IssuedLetter).where(IssuedLetter.transfer_id == transfer.id).order_by(IssuedLetter.version.desc())
    ).all()


def _latest(transfer_id: int) -> IssuedLetter | None:
    return db.session.scalar(
        select(IssuedLetter).where(IssuedLetter.transfer_id == transfer_id).order_by(IssuedLetter.version.desc())
    )


def letter_document(transfer: Transfer, version: int, kind: str) -> LetterDocument | None:
    """An issued copy with its stored bytes: a download serves exactly what was issued, never a new render."""
    return db.session.scalar(
        select(LetterDocument)
        .join(IssuedLetter)
        .where(IssuedLetter.transfer_id == transfer.id, IssuedLetter.version == version, LetterDocument.kind == kind)
        .options(undefer(LetterDocument.pdf))
    )


def _same_words(a: dict, b: dict) -> bool:
    """Whether two letters say the same, whatever their version and date."""
    ignore = ("version", "dated")
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}


@dataclass(frozen=True)
class LetterPreview:
    content: dict
    warnings: list[str]
    latest: IssuedLetter | None
    unchanged: bool  # says what the latest issued letter says


def family_letter(transfer: Transfer) -> LetterPreview:
    """What issuing now would print, with what to check first. Refused before the receiving team decides."""
    latest = _latest(transfer.id)
    content, warnings = letter_content(transfer, version=(latest.version + 1) if latest else 1, issued_on=clock.today())
    return LetterPreview(content, warnings, latest, bool(latest and _same_words(latest.content, content)))


# Issuing: check and gather in one transaction, print with none open, store in a second short one.


@dataclass(frozen=True)
class LetterPrinting:
    transfer_id: int
    issued_at: datetime
    content: dict
    html: dict[str, str]
    already: int | None = None  # this form's letter was issued already: its id


def _printing(transfer: Transfer, *, issued_at: datetime) -> LetterPrinting:
    latest = _latest(transfer.id)
    content, _ = letter_content(
        transfer, version=(latest.version + 1) if latest else 1, issued_on=clock.local_date(issued_at)
    )
    if latest and _same_words(latest.content, content):
        raise Refused(
            f"This letter says the same as version {latest.version}, issued by {latest.issued_by.name} on "
            f"{clock.long_moment(latest.issued_at)}. Download that one, or change the handover plan first"
        )
    html = {
        kind: pdf_html("pdf/what_happens_next.html", letter=content, large_print=kind == "family_large_print")
        for kind in LETTER_KINDS
    }
    return LetterPrinting(transfer.id, issued_at, content, html)


def _by_key(submission_key: str) -> IssuedLetter | None:
    return db.session.scalar(select(IssuedLetter).where(IssuedLetter.submission_key == submission_key))


@use_case("issue_letter", "transfer")
def prepare_letter(transfer: Transfer, *, submission_key: str, actor: User, now: datetime) -> LetterPrinting:
    """Every rule for issuing, and the copies' HTML. Changes nothing. A form already used: its letter."""
    if not submission_key:
        raise Refused("The letter could not be issued. Open the preview again and issue it from there")
    if (done := _by_key(submission_key)) is not None:
        return LetterPrinting(transfer.id, done.issued_at, done.content, {}, already=done.id)
    return _printing(locked(transfer.id), issued_at=now)


@use_case("issue_letter", "transfer")
def store_letter(
    transfer: Transfer, printing: LetterPrinting, pdfs: dict[str, bytes], *, submission_key: str, actor: User
) -> IssuedLetter:
    """Keep the letter with the exact PDFs printed, if what it says did not change while they printed."""
    transfer = locked(transfer.id)
    if (done := _by_key(submission_key)) is not None:  # the same form, posted again while this one printed
        return done
    now_reads = _printing(transfer, issued_at=printing.issued_at)
    if now_reads.content != printing.content:
        raise Stale("The letter changed while it was being printed. Check the preview and issue it again", 0)
    letter = IssuedLetter(
        transfer_id=transfer.id,
        version=printing.content["version"],
        submission_key=submission_key,
        issued_at=printing.issued_at,
        issued_by_id=actor.id,
        content=printing.content,
        documents=[
            LetterDocument(kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
            for kind, pdf in pdfs.items()
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(letter)
            db.session.flush()
    except IntegrityError:  # the same form, or another version, stored a moment ago
        if (done := _by_key(submission_key)) is not None:
            return done
        raise Stale("Someone issued this letter a moment ago. Check the request page", 0) from None
    add_to_timeline(
        transfer.family_id,
        f"Letter to the family issued: what happens next (version {letter.version})",
        "transfer",
        transfer.id,
        actor=actor,
        at=printing.issued_at,
    )
    record_event("issue", "issued_letter", letter.id, family_id=transfer.family_id, user=actor)
    return letter


def issue_letter(transfer: Transfer, *, submission_key: str, actor: User, now: datetime | None = None) -> IssuedLetter:
    """Issue the letter: a standard and a large-print copy, kept byte for byte. Posting the same form twice
    issues one letter. Printing happens between two use cases, with no transaction open (a render that fails
    leaves nothing issued). Not to be called inside another use case."""
    printing = prepare_letter(transfer, submission_key=submission_key, actor=actor, now=now or clock.now())
    if printing.already is not None:
        return db.session.get(IssuedLetter, printing.already)
    pdfs = {kind: print_html(html) for kind, html in printing.html.items()}
    return store_letter(transfer, printing, pdfs, submission_key=submission_key, actor=actor)
