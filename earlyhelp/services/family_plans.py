"""Family plans: draft with the family, check the language, issue a frozen version with its exact PDFs."""

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload, undefer

from earlyhelp import clock
from earlyhelp.domain.plain_language import DEFAULT_JARGON, Finding, PlanStep, check
from earlyhelp.domain.refusals import NeedsConfirmation, Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    FamilyPlan,
    FamilyPlanChild,
    FamilyPlanStatus,
    IssuedDocument,
    NextStep,
    NextStepStatus,
    Service,
    User,
)
from earlyhelp.models.family_plans import SECTIONS, TEXT_FIELDS
from earlyhelp.pdf import pdf_html, print_html
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step, for_source
from earlyhelp.services.use_case import use_case

DOCUMENTS = {
    "family": "Family copy",
    "family_large_print": "Family copy, large print",
    "professional": "Professional copy",
}
CONFIRM_WARNINGS = "Fix the warnings, or confirm you want to issue the plan anyway"


# Reading


def plans(family_id: int) -> list[FamilyPlan]:
    """Every version of a family's plan, newest first, with who issued each."""
    return db.session.scalars(
        select(FamilyPlan)
        .where(FamilyPlan.family_id == family_id)
        .options(selectinload(FamilyPlan.issued_by))
        .order_by(FamilyPlan.version.desc())
    ).all()


def previous_version(plan: FamilyPlan) -> FamilyPlan | None:
    return db.session.scalar(
        select(FamilyPlan).where(FamilyPlan.family_id == plan.family_id, FamilyPlan.version == plan.version - 1)
    )


def jargon() -> dict[str, str]:
    extra = current_app.config["PLAIN_LANGUAGE_JARGON"]
    pairs = (item.split("=", 1) for item in extra.split(";") if "=" in item)
    return DEFAULT_JARGON | {term.strip(): plain.strip() for term, plain in pairs}


def steps(plan: FamilyPlan) -> tuple[list[NextStep], list[NextStep]]:
    """(family-facing, professional-only) next steps of this version: open or done, never cancelled ones."""
    all_steps = [
        step
        for step in db.session.scalars(for_source("family_plan", plan.id))
        if step.status in (NextStepStatus.OPEN, NextStepStatus.DONE)
    ]
    return [s for s in all_steps if s.family_facing], [s for s in all_steps if not s.family_facing]


def findings(plan: FamilyPlan, family_steps: list[NextStep] | None = None) -> list[Finding]:
    """What to fix so the family can read the plan easily (earlyhelp.domain.plain_language)."""
    if family_steps is None:
        family_steps, _ = steps(plan)
    sections = {title: getattr(plan, name) for name, title in SECTIONS.items()}
    sections["Who else gets a copy"] = plan.copies_to
    for child in plan.children_words:
        title, number = f"{child.person.first_name}'s words", 2
        while title in sections:  # two children with one name are each checked
            title, number = f"{child.person.first_name}'s words ({number})", number + 1
        sections[title] = child.child_words
    return check(
        sections, [PlanStep(s.what, s.owner, s.due_on) for s in family_steps], review_on=plan.review_on, jargon=jargon()
    )


def snapshot(plan: FamilyPlan, family_steps=None, professional_steps=None) -> dict:
    """The plan's content as plain data, for freezing at issue and for comparing versions."""
    if family_steps is None or professional_steps is None:
        family_steps, professional_steps = steps(plan)

    def rows(items):
        return [f"{s.what} | {s.owner} | {clock.long_day(s.due_on)}" for s in items]

    return {title: getattr(plan, name) for name, title in SECTIONS.items()} | {
        "Each child's words": "\n".join(f"{c.person.first_name}: {c.child_words}" for c in plan.children_words),
        "Next steps for the family": "\n".join(rows(family_steps)),
        "Professional-only next steps": "\n".join(rows(professional_steps)),
        "Review date": clock.long_day(plan.review_on),
        "Lead practitioner": f"{plan.lead.name if plan.lead else ''} {plan.lead_contact}".strip(),
        "Who gets a copy": plan.copies_to,
        "Agreement": f"{plan.agreed_by} {clock.long_day(plan.agreed_on)}".strip(),
    }


def document(plan: FamilyPlan, kind: str) -> IssuedDocument | None:
    """An issued document with its stored bytes: a download serves exactly what was issued, never a new render."""
    return db.session.scalar(
        select(IssuedDocument)
        .where(IssuedDocument.plan_id == plan.id, IssuedDocument.kind == kind)
        .options(undefer(IssuedDocument.pdf))
    )


@dataclass(frozen=True)
class SectionChange:
    title: str
    changed: bool
    lines: list[tuple[str, str]]  # (kind, text): kind is "same", "added" or "removed"


def changes(old: dict, new: dict) -> list[SectionChange]:
    """What changed between two versions, section by section, line by line."""
    result = []
    for title in new:
        before, after = (old.get(title) or "").splitlines(), (new.get(title) or "").splitlines()
        lines = []
        for line in difflib.ndiff(before, after):
            tag, text = line[:2], line[2:]
            if tag == "? ":
                continue
            lines.append(({"  ": "same", "+ ": "added", "- ": "removed"}[tag], text))
        result.append(SectionChange(title, before != after, lines))
    return result


def version_changes(plan: FamilyPlan) -> tuple[FamilyPlan, list[SectionChange]] | None:
    """The version before this one and what changed since, or None for a first version."""
    previous = previous_version(plan)
    if previous is None:
        return None
    return previous, changes(previous.snapshot or snapshot(previous), plan.snapshot or snapshot(plan))


# Changing


def _locked(plan_id: int) -> FamilyPlan:
    """The plan as the database holds it now, its row locked (on SQLite the transaction holds the write lock)."""
    return db.session.scalar(
        select(FamilyPlan)
        .where(FamilyPlan.id == plan_id)
        .with_for_update(of=FamilyPlan)
        .execution_options(populate_existing=True)
    )


def _still_a_draft(plan: FamilyPlan) -> None:
    if plan.is_issued:
        raise Refused(f"Version {plan.version} has been issued and cannot change. Start a new version to make changes.")


@use_case("create", "family_plan")
def start_draft(family: Family, *, actor: User, today: date) -> FamilyPlan:
    """The family's draft, or a new version that starts from the last issued one."""
    # One new version at a time: two people starting at once get the same draft.
    db.session.scalar(select(Family.id).where(Family.id == family.id).with_for_update())
    existing = plans(family.id)
    if existing and not existing[0].is_issued:
        return existing[0]
    previous = existing[0] if existing else None
    lead = db.session.scalar(
        select(User)
        .join(Episode, Episode.lead_id == User.id)
        .join(Service)
        .where(Episode.family_id == family.id, Episode.ended_on.is_(None), Service.code == "early_help")
    )
    plan = FamilyPlan(
        family_id=family.id,
        version=previous.version + 1 if previous else 1,
        status=FamilyPlanStatus.DRAFT,
        created_by_id=actor.id,
        review_on=today + timedelta(weeks=current_app.config["PLAN_REVIEW_WEEKS"]),
        # The family's current early help lead, who may have changed since the last version.
        lead_id=lead.id if lead else (previous.lead_id if previous else actor.id),
    )
    if previous:
        for name in TEXT_FIELDS:
            setattr(plan, name, getattr(previous, name))
        plan.agreed_by, plan.agreed_on, plan.signed_paper_copy = "", None, False
    words = {c.person_id: c.child_words for c in previous.children_words} if previous else {}
    for child in family.children:
        plan.children_words.append(
            FamilyPlanChild(person_id=child.id, child_words=words.get(child.id, child.child_words))
        )
    db.session.add(plan)
    db.session.flush()
    if previous:
        # Open next steps carry on in the new version; finished ones stay with the version they belonged to.
        db.session.execute(
            update(NextStep)
            .where(
                NextStep.source_type == "family_plan",
                NextStep.source_id == previous.id,
                NextStep.status == NextStepStatus.OPEN,
            )
            .values(source_id=plan.id)
        )
    add_to_timeline(family.id, f"Family plan version {plan.version} started", "family_plan", plan.id, actor=actor)
    record_event("create", "family_plan", plan.id, family_id=family.id, user=actor)
    return plan


@use_case("update", "family_plan")
def save_draft(plan: FamilyPlan, *, changes: dict, child_words: dict[int, str], actor: User) -> None:
    """Save what was written. The last save wins: a draft has no edit version yet to tell two saves apart."""
    plan = _locked(plan.id)
    _still_a_draft(plan)
    for name, value in changes.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    for child in plan.children_words:
        if child.person_id in child_words:
            child.child_words = child_words[child.person_id].strip()
    record_event("update", "family_plan", plan.id, family_id=plan.family_id, user=actor)


@use_case("add_next_step", "family_plan")
def add_step(plan: FamilyPlan, step: NextStepInput, *, actor: User, today: date) -> NextStep:
    """A next step in this version of the plan, for the family or for professionals only."""
    plan = _locked(plan.id)
    _still_a_draft(plan)
    return add_next_step(plan.family_id, step, source_type="family_plan", source_id=plan.id, actor=actor, today=today)


# Issuing: check and gather in one transaction, print with none open, store in a second short one.


@dataclass(frozen=True)
class Printing:
    """What is being issued, gathered from the records: the HTML of each document and the frozen content."""

    plan_id: int
    issued_at: datetime
    warnings: int
    snapshot: dict
    html: dict[str, str]


def _printing(plan: FamilyPlan, *, actor: User, issued_at: datetime, confirmed: bool) -> Printing:
    if plan.is_issued:
        raise Refused(
            f"Version {plan.version} was issued by {plan.issued_by.name} on {clock.long_moment(plan.issued_at)}"
        )
    family_steps, professional_steps = steps(plan)
    problems = findings(plan, family_steps)
    if problems and not confirmed:
        raise NeedsConfirmation(CONFIRM_WARNINGS, problems, field="confirm")
    context = {
        "plan": plan,
        "sections": SECTIONS,
        "family": plan.family,
        "family_steps": family_steps,
        "professional_steps": professional_steps,
        "issued_on": clock.local_date(issued_at),
        "issued_by": actor,
        "warnings_left": len(problems),
    }
    return Printing(
        plan_id=plan.id,
        issued_at=issued_at,
        warnings=len(problems),
        snapshot=snapshot(plan, family_steps, professional_steps),
        html={
            kind: pdf_html(
                "pdf/family_plan.html",
                large_print=kind == "family_large_print",
                professional=kind == "professional",
                **context,
            )
            for kind in DOCUMENTS
        },
    )


@use_case("issue", "family_plan")
def prepare_issue(plan: FamilyPlan, *, actor: User, confirmed: bool, now: datetime) -> Printing:
    """Every rule for issuing, and the documents' HTML. Warnings left need a confirmation. Changes nothing."""
    return _printing(_locked(plan.id), actor=actor, issued_at=now, confirmed=confirmed)


@use_case("issue", "family_plan")
def store_issued(plan: FamilyPlan, printing: Printing, pdfs: dict[str, bytes], *, actor: User) -> FamilyPlan:
    """Freeze the version with the exact PDFs printed, if nothing changed while they printed."""
    plan = _locked(plan.id)
    now_reads = _printing(plan, actor=actor, issued_at=printing.issued_at, confirmed=True)
    if now_reads != printing:
        raise Stale(
            "Someone changed the plan while it was being printed. Check it and issue it again.",
            current_version=plan.version,
        )
    plan.snapshot = printing.snapshot
    plan.status, plan.issued_at, plan.issued_by_id = FamilyPlanStatus.ISSUED, printing.issued_at, actor.id
    plan.warnings_at_issue = printing.warnings
    for kind, pdf in pdfs.items():
        plan.documents.append(IssuedDocument(kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf)))
    add_to_timeline(
        plan.family_id,
        f"Family plan version {plan.version} issued to the family",
        "family_plan",
        plan.id,
        actor=actor,
        at=printing.issued_at,
    )
    record_event("issue", "family_plan", plan.id, family_id=plan.family_id, user=actor)
    return plan


def issue(plan: FamilyPlan, *, actor: User, confirmed: bool, now: datetime | None = None) -> FamilyPlan:
    """Issue a version: the family copy, a large-print copy and a professional copy, kept byte for byte.

    Printing takes seconds, so it happens between two use cases, with no transaction open: nobody waits
    for it, and a render that fails or runs out of time (RenderTimeout) leaves the plan a draft with
    nothing half-written. Not to be called inside another use case.
    """
    printing = prepare_issue(plan, actor=actor, confirmed=confirmed, now=now or clock.now())
    pdfs = {kind: print_html(html) for kind, html in printing.html.items()}
    return store_issued(plan, printing, pdfs, actor=actor)


def close_after_step_up(transfer, *, actor: User, now: datetime) -> None:
    """After a step-up's handover, the family's early help plan is no longer live: closed, with a note.
    Called by the step-up's "handover complete", inside its use case."""
