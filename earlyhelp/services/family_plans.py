"""Family plans: draft with the family, check the language, issue a frozen version with its exact PDFs."""

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from earlyhelp import clock
from earlyhelp.domain.plain_language import DEFAULT_JARGON, Finding, PlanStep, check
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    FamilyPlan,
    FamilyPlanChild,
    IssuedDocument,
    NextStep,
    NextStepStatus,
    Service,
    User,
)
from earlyhelp.models.family_plans import SECTIONS
from earlyhelp.pdf import render_pdf
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import for_source

DOCUMENTS = {
    "family": "Family copy",
    "family_large_print": "Family copy, large print",
    "professional": "Professional copy",
}
TEXT_FIELDS = (*SECTIONS, "lead_contact", "copies_to", "agreed_by")


class PlanRefused(Exception):
    pass


class NeedsConfirmation(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__(f"{len(findings)} plain-language warnings")
        self.findings = findings


def plans(family_id: int) -> list[FamilyPlan]:
    return db.session.scalars(
        select(FamilyPlan).where(FamilyPlan.family_id == family_id).order_by(FamilyPlan.version.desc())
    ).all()


def jargon() -> dict[str, str]:
    extra = current_app.config["PLAIN_LANGUAGE_JARGON"]
    pairs = (item.split("=", 1) for item in extra.split(";") if "=" in item)
    return DEFAULT_JARGON | {term.strip(): plain.strip() for term, plain in pairs}


def start_draft(family: Family, *, actor: User, today: date) -> FamilyPlan:
    """The family's draft, or a new version that starts from the last issued one."""
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
        status="draft",
        created_by_id=actor.id,
        review_on=today + timedelta(weeks=current_app.config["PLAN_REVIEW_WEEKS"]),
        # The family's current early help lead, who may have changed since the last version.
        lead_id=lead.id if lead else (previous.lead_id if previous else actor.id),
    )
    if previous:
        for name in (*TEXT_FIELDS, "signed_paper_copy"):
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


def save_draft(plan: FamilyPlan, *, changes: dict, child_words: dict[int, str], actor: User) -> None:
    if plan.is_issued:
        raise PlanRefused(f"Version {plan.version} has been issued and cannot change. Start a new version")
    for name, value in changes.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    for child in plan.children_words:
        if child.person_id in child_words:
            child.child_words = child_words[child.person_id].strip()
    record_event("update", "family_plan", plan.id, family_id=plan.family_id, user=actor)


def steps(plan: FamilyPlan) -> tuple[list[NextStep], list[NextStep]]:
    """(family-facing, professional-only) next steps of this version: open or done, never cancelled ones."""
    all_steps = [
        step
        for step in db.session.scalars(for_source("family_plan", plan.id))
        if step.status in (NextStepStatus.OPEN, NextStepStatus.DONE)
    ]
    return [s for s in all_steps if s.family_facing], [s for s in all_steps if not s.family_facing]


def findings(plan: FamilyPlan) -> list[Finding]:
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


def snapshot(plan: FamilyPlan) -> dict:
    """The plan's content as plain data, for freezing at issue and for comparing versions."""
    family_steps, professional_steps = steps(plan)

    def rows(items):
        return [f"{s.what} | {s.owner} | {s.due_on:%-d %B %Y}" for s in items]

    return {title: getattr(plan, name) for name, title in SECTIONS.items()} | {
        "Each child's words": "\n".join(f"{c.person.first_name}: {c.child_words}" for c in plan.children_words),
        "Next steps for the family": "\n".join(rows(family_steps)),
        "Professional-only next steps": "\n".join(rows(professional_steps)),
        "Review date": f"{plan.review_on:%-d %B %Y}" if plan.review_on else "",
        "Lead practitioner": f"{plan.lead.name if plan.lead else ''} {plan.lead_contact}".strip(),
        "Who gets a copy": plan.copies_to,
        "Agreement": f"{plan.agreed_by} {plan.agreed_on or ''}".strip(),
    }


def issue(plan: FamilyPlan, *, actor: User, confirmed: bool, now: datetime | None = None) -> FamilyPlan:
    """Freeze this version and store the exact PDFs issued. Warnings left need a confirmation."""
    now = now or clock.now()
    plan = db.session.scalar(
        select(FamilyPlan)
        .where(FamilyPlan.id == plan.id)
        .with_for_update(of=FamilyPlan)
        .execution_options(populate_existing=True)
    )
    if plan.is_issued:
        when = clock.local(plan.issued_at)
        raise PlanRefused(
            f"Version {plan.version} was issued by {plan.issued_by.name} on {when:%-d %B %Y} at {when:%H:%M}"
        )
    problems = findings(plan)
    if problems and not confirmed:
        raise NeedsConfirmation(problems)
    plan.snapshot = snapshot(plan)
    plan.status, plan.issued_at, plan.issued_by_id, plan.warnings_at_issue = "issued", now, actor.id, len(problems)
    db.session.flush()
    family_steps, professional_steps = steps(plan)
    context = {
        "plan": plan,
        "sections": SECTIONS,
        "family": db.session.get(Family, plan.family_id),
        "family_steps": family_steps,
        "professional_steps": professional_steps,
        "issued_on": clock.local_date(now),
    }
    for kind in DOCUMENTS:
        pdf = render_pdf(
            "pdf/family_plan.html",
            large_print=kind == "family_large_print",
            professional=kind == "professional",
            **context,
        )
        plan.documents.append(IssuedDocument(kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf)))
    add_to_timeline(
        plan.family_id,
        f"Family plan version {plan.version} issued to the family",
        "family_plan",
        plan.id,
        actor=actor,
        at=now,
    )
    record_event("issue", "family_plan", plan.id, family_id=plan.family_id, user=actor)
    return plan


def document(plan: FamilyPlan, kind: str) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument).where(IssuedDocument.plan_id == plan.id, IssuedDocument.kind == kind)
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
