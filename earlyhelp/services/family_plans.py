"""Family plans: draft with the family, check the language, issue a frozen version with its exact PDFs."""

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload, undefer

from earlyhelp import clock
from earlyhelp.domain.plain_language import Blocker, Finding, PlanStep, check, check_ready_to_issue
from earlyhelp.domain.plain_language import blockers as issue_blockers
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import NeedsConfirmation, Refused, Stale
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    Family,
    FamilyPlan,
    FamilyPlanChild,
    FamilyPlanStatus,
    IssuedDocument,
    NextStep,
    NextStepChange,
    NextStepStatus,
    Service,
    User,
)
from earlyhelp.models.family_plans import (
    REVIEW_OUTCOMES,
    SECTIONS,
    TEXT_FIELDS,
    WORDS_GIVEN,
    FamilyPlanReview,
    JargonTerm,
)
from earlyhelp.pdf import pdf_html, print_html
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step, for_source
from earlyhelp.services.recording import late_reason as check_late_reason
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import StaleEdit, add_once, by_submission_key, changed_by_person, changed_since

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
        .options(selectinload(FamilyPlan.issued_by), selectinload(FamilyPlan.reviews))
        .order_by(FamilyPlan.version.desc())
    ).all()


def previous_version(plan: FamilyPlan) -> FamilyPlan | None:
    return db.session.scalar(
        select(FamilyPlan).where(FamilyPlan.family_id == plan.family_id, FamilyPlan.version == plan.version - 1)
    )


def jargon() -> dict[str, str]:
    """The words the plain-language check flags: the council's jargon_term table (seeded by migration 0014,
    extended with `flask jargon add`), and, as before, any the PLAIN_LANGUAGE_JARGON setting adds."""
    terms = {
        term.term: term.plain_words
        for term in db.session.scalars(select(JargonTerm).where(JargonTerm.active).order_by(JargonTerm.term))
    }
    extra = current_app.config["PLAIN_LANGUAGE_JARGON"]
    pairs = (item.split("=", 1) for item in extra.split(";") if "=" in item)
    return terms | {term.strip(): plain.strip() for term, plain in pairs if term.strip() and plain.strip()}


def current_plan(family_id: int) -> FamilyPlan | None:
    """The version the family has now: the newest issued one."""
    return db.session.scalar(
        select(FamilyPlan)
        .where(FamilyPlan.family_id == family_id, FamilyPlan.status == FamilyPlanStatus.ISSUED)
        .order_by(FamilyPlan.version.desc())
        .limit(1)
    )


def blockers(plan: FamilyPlan, today: date) -> list[Blocker]:
    """What stops this plan being issued at all: no goals, nobody named as agreeing, a review date gone by."""
    return issue_blockers(goals=plan.goals, agreed_by=plan.agreed_by, review_on=plan.review_on, today=today)


def _early_help_lead(family_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .join(Episode, Episode.lead_id == User.id)
        .join(Service)
        .where(Episode.family_id == family_id, Episode.ended_on.is_(None), Service.code == "early_help")
        .limit(1)
    )


def may_start_again(family_id: int, latest: FamilyPlan | None) -> bool:
    """A plan closed (after a step-up) starts again only once early help works with the family again."""
    if latest is None or not latest.is_closed:
        return True
    return (
        db.session.scalar(
            select(Episode.id)
            .join(Service)
            .where(
                Episode.family_id == family_id,
                Episode.ended_on.is_(None),
                Service.code == "early_help",
                Episode.started_on >= clock.local_date(latest.closed_at),
            )
            .limit(1)
        )
        is not None
    )


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


def _still_a_draft(plan: FamilyPlan | None) -> None:
    if plan is None:
        raise Refused("This draft was discarded")
    if plan.is_issued:
        raise Refused(f"Version {plan.version} has been issued and cannot change. Start a new version to make changes.")
    if plan.is_closed:
        raise Refused(f"Version {plan.version} was closed: {plan.closed_note}")


@use_case("create", "family_plan")
def start_draft(family: Family, *, actor: User, today: date, submission_key: str | None = None) -> FamilyPlan:
    """The family's draft, or a new version that starts from the last issued one. The start button's one-time
    `submission_key` starts one version however often it is posted: posted again, even after that draft was
    issued or discarded, it is taken to the version it started."""
    # One new version at a time: two people starting at once get the same draft.
    db.session.scalar(select(Family.id).where(Family.id == family.id).with_for_update())
    started = by_submission_key(FamilyPlan, submission_key)
    if started is not None and started.family_id == family.id:
        return started
    existing = plans(family.id)
    if existing and not existing[0].is_issued and not existing[0].is_closed:
        return existing[0]
    if not may_start_again(family.id, existing[0] if existing else None):
        raise Refused(
            f"The family plan was closed: {existing[0].closed_note} "
            "A new version can be started when early help works with the family again."
        )
    previous = existing[0] if existing else None
    lead = _early_help_lead(family.id)
    plan = FamilyPlan(
        family_id=family.id,
        version=previous.version + 1 if previous else 1,
        status=FamilyPlanStatus.DRAFT,
        created_by_id=actor.id,
        review_on=today + timedelta(weeks=current_app.config["PLAN_REVIEW_WEEKS"]),
        # The family's current early help lead, who may have changed since the last version.
        lead_id=lead.id if lead else (previous.lead_id if previous else actor.id),
        submission_key=submission_key or None,
    )
    if previous:
        for name in TEXT_FIELDS:
            setattr(plan, name, getattr(previous, name))
        plan.agreed_by, plan.agreed_on, plan.signed_paper_copy = "", None, False
    before = {c.person_id: c for c in previous.children_words} if previous else {}
    for child in family.children:
        was = before.get(child.id)
        plan.children_words.append(
            FamilyPlanChild(
                person_id=child.id,
                child_words=was.child_words if was else child.child_words,
                # How the words came to us goes with them: a child observed stays observed.
                words_given=was.words_given if was else "directly",
                words_given_by=was.words_given_by if was else "",
            )
        )
    db.session.add(plan)
    db.session.flush()
    if previous:
        # Open next steps carry on in the new version, whoever owns them (a worker, a family member, a partner);
        # done, not done and cancelled ones stay with the version they belonged to. Each step moves, so it is
        # never in two versions at once; which ones moved is kept, so a discarded draft gives them back.
        carried = db.session.scalars(
            select(NextStep.id).where(
                NextStep.source_type == "family_plan",
                NextStep.source_id == previous.id,
                NextStep.status == NextStepStatus.OPEN,
            )
        ).all()
        plan.carried_step_ids = sorted(carried)
        if carried:
            db.session.execute(update(NextStep).where(NextStep.id.in_(carried)).values(source_id=plan.id))
    add_to_timeline(family.id, f"Family plan version {plan.version} started", "family_plan", plan.id, actor=actor)
    record_event("create", "family_plan", plan.id, family_id=family.id, user=actor)
    return plan


_FIELD_WORDS = SECTIONS | {
    "lead_contact": "How the family can reach their lead practitioner",
    "copies_to": "Who else gets a copy",
    "agreed_by": "Who agreed the plan",
    "review_on": "Review date",
    "agreed_on": "Date agreed",
    "signed_paper_copy": "The family signed the paper copy",
}


def draft_values(plan: FamilyPlan) -> dict:
    """What the edit form shows, by field name (each child's words and how they came to us by person), for the
    digests the form carries (earlyhelp.versions) and for a stale save's current values."""
    values = {name: getattr(plan, name) for name in _FIELD_WORDS}
    for child in plan.children_words:
        values[f"child:{child.person_id}:words"] = child.child_words
        values[f"child:{child.person_id}:given"] = f"{child.words_given}|{child.words_given_by}"
    return values


def _field_words(plan: FamilyPlan, names: set[str]) -> list[str]:
    words = [_FIELD_WORDS[name].lower() if name != "goals" else "our goals" for name in _FIELD_WORDS if name in names]
    for child in plan.children_words:
        if {f"child:{child.person_id}:words", f"child:{child.person_id}:given"} & names:
            words.append(f"{child.person.first_name}'s words")
    return words


@use_case("update", "family_plan")
def save_draft(
    plan: FamilyPlan,
    *,
    changes: dict,
    child_words: dict[int, str],
    actor: User,
    words_given: dict[int, tuple[str, str]] | None = None,
    version: int | None = None,
    loaded: str | None = None,
) -> list[str]:
    """Save what the person changed. `version` is the draft's edit version the form was loaded from: a save over
    a newer one is refused (StaleEdit), naming who saved, when and which fields. `loaded` (the digests the form
    was loaded with) says which fields the person changed: only those are written, so a field they did not
    touch is never written back from an old copy. Without them (a caller of its own), everything given is.
    `words_given` says, for each child, how their words came to us (WORDS_GIVEN) and through or by whom.
    Returns the names of the fields written."""
    plan = _locked(plan.id)
    _still_a_draft(plan)
    posted = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    for person_id, words in child_words.items():
        posted[f"child:{person_id}:words"] = words.strip()
    for person_id, (how, by) in (words_given or {}).items():
        posted[f"child:{person_id}:given"] = f"{how}|{by.strip() if how != 'directly' else ''}"
    if version is not None and version != plan.edit_version:
        current = draft_values(plan)
        raise StaleEdit(
            "this draft",
            who=plan.updated_by,
            when=plan.updated_at,
            changed=_field_words(plan, changed_since(current, loaded)),
            current_version=plan.edit_version,
            current=current,
        )
    mine = changed_by_person(posted, loaded)
    before = draft_values(plan)
    for name in changes:
        if name in mine:
            setattr(plan, name, posted[name])
    for child in plan.children_words:
        if f"child:{child.person_id}:words" in mine:
            child.child_words = posted[f"child:{child.person_id}:words"]
        if words_given and child.person_id in words_given and f"child:{child.person_id}:given" in mine:
            how, by = words_given[child.person_id]
            if how not in WORDS_GIVEN:
                raise Refused(f"Select how {child.person.first_name}'s words came to us", "children")
            child.words_given = how
            child.words_given_by = by.strip() if how != "directly" else ""
    written = sorted(name for name, value in draft_values(plan).items() if before.get(name) != value)
    if written:
        plan.edit_version += 1
        plan.updated_by_id, plan.updated_at = actor.id, clock.now()
    record_event("update", "family_plan", plan.id, family_id=plan.family_id, user=actor)
    return written


@use_case("add_next_step", "family_plan")
def add_step(plan: FamilyPlan, step: NextStepInput, *, actor: User, today: date) -> NextStep:
    """A next step in this version of the plan, for the family or for professionals only."""
    plan = _locked(plan.id)
    _still_a_draft(plan)
    return add_next_step(plan.family_id, step, source_type="family_plan", source_id=plan.id, actor=actor, today=today)


@dataclass(frozen=True)
class Saved:
    """What the plan page's one form did: the plan saved, and the step added, or the step's refusal."""

    step: NextStep | None = None
    step_refused: Refused | None = None


def save_then_add_step(
    plan: FamilyPlan,
    *,
    changes: dict | None,
    child_words: dict[int, str],
    words_given: dict[int, tuple[str, str]] | None,
    step: NextStepInput | None,
    actor: User,
    today: date,
    version: int | None = None,
    loaded: str | None = None,
) -> Saved:
    """The plan page's one form: what was typed into the plan is saved first (its own use case, committed), then
    the next step typed with it is added, so a step that is refused never costs the plan's words. A refused plan
    raises; a refused step comes back in the result, because the plan was saved all the same."""
    if changes is not None:  # None: only the step was posted
        save_draft(
            plan,
            changes=changes,
            child_words=child_words,
            words_given=words_given,
            actor=actor,
            version=version,
            loaded=loaded,
        )
    if step is None:
        return Saved()
    try:
        return Saved(step=add_step(plan, step, actor=actor, today=today))
    except Refused as refusal:
        return Saved(step_refused=refusal)


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
    if plan.is_closed:
        raise Refused(f"Version {plan.version} was closed: {plan.closed_note}")
    check_ready_to_issue(
        goals=plan.goals, agreed_by=plan.agreed_by, review_on=plan.review_on, today=clock.local_date(issued_at)
    )
    family_steps, professional_steps = steps(plan)
    problems = findings(plan, family_steps)
    if problems and not confirmed:
        raise NeedsConfirmation(CONFIRM_WARNINGS, problems, field="confirm")
    context = _document_context(plan, family_steps, professional_steps, actor=actor, issued_at=issued_at)
    context["warnings_left"] = len(problems)
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


def _document_context(plan, family_steps, professional_steps, *, actor: User, issued_at: datetime) -> dict:
    return {
        "plan": plan,
        "sections": SECTIONS,
        "family": plan.family,
        "family_steps": family_steps,
        "professional_steps": professional_steps,
        "issued_on": clock.local_date(issued_at),
        "issued_by": actor,
        "warnings_left": 0,
        "contact": who_to_call(plan),
    }


def who_to_call(plan: FamilyPlan) -> dict:
    """Who the family calls, printed on every copy, as the "what happens next" letter prints it: the lead's and
    their team's phone and email (the council's switchboard where none is recorded), 999, their rights and how
    to complain (the council's settings)."""
    # Imported here: the transfers package imports this module (a step-up closes the plan).
    from earlyhelp.services.transfers.letters import IF_IN_DANGER, switchboard

    def phone(own: str | None, who: str) -> str:
        return (own or "").strip() or f"{switchboard()} (the council's switchboard: ask for {who})"

    lead, config = plan.lead, current_app.config
    team = lead.team if lead else None
    return {
        "lead": {"name": lead.name, "phone": phone(lead.phone, lead.name), "email": lead.email} if lead else None,
        "team": {"name": team.name, "phone": phone(team.phone, team.name), "email": team.email or ""} if team else None,
        "switchboard": switchboard(),
        "in_danger": IF_IN_DANGER,
        "rights": config["FAMILY_RIGHTS_TEXT"],
        "complaints": config["COMPLAINTS_TEXT"],
    }


def preview_html(plan: FamilyPlan, *, actor: User, now: datetime, large_print: bool = False) -> str:
    """The family copy as it would be issued now, marked PREVIEW on every page. Nothing is stored or changed."""
    family_steps, professional_steps = steps(plan)
    context = _document_context(plan, family_steps, professional_steps, actor=actor, issued_at=now)
    return pdf_html("pdf/family_plan.html", large_print=large_print, professional=False, preview=True, **context)


def family_copy_due(plan: FamilyPlan) -> date:
    """When the family should have its own copy: TIMESCALES family_copy working days after the plan was agreed
    (after the draft was started, if no agreement is recorded)."""
    start = plan.agreed_on or clock.local_date(plan.created_at)
    return add_working_days(start, current_app.config["TIMESCALES"]["family_copy"])


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
    plan.family_copy_due_on = family_copy_due(plan)
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


# Discarding a draft, reviews, closing


@use_case("discard", "family_plan")
def discard_draft(plan: FamilyPlan, *, actor: User, today: date) -> int:
    """Throw away a draft that was never issued. Returns its version number.

    The open next steps it took over from the version before go back to that version, as they were. The steps
    added in this draft were already live (on their owners' My work, the owners told), so they are cancelled
    with the reason, not deleted: their owners see they are no longer needed, and the record keeps that they
    were asked. An issued version is never discarded.
    """
    plan = _locked(plan.id)
    if plan is not None and plan.is_issued:
        raise Refused(f"Version {plan.version} has been issued: an issued version is never discarded.")
    _still_a_draft(plan)
    version, previous = plan.version, previous_version(plan)
    carried = set(plan.carried_step_ids or [])
    for step in db.session.scalars(for_source("family_plan", plan.id).with_for_update(of=NextStep)):
        if step.id in carried and previous is not None:
            step.source_id = previous.id
        elif step.status == NextStepStatus.OPEN:
            step.status, step.status_on = NextStepStatus.CANCELLED, today
            step.status_reason = f"The draft of family plan version {version} was discarded"
            _step_changed(step, actor)
    add_to_timeline(
        plan.family_id, f"Draft of family plan version {version} discarded", "family_plan", None, actor=actor
    )
    record_event("discard", "family_plan", plan.id, family_id=plan.family_id, user=actor)
    db.session.delete(plan)
    return version


def _step_changed(step: NextStep, actor: User) -> None:
    db.session.add(
        NextStepChange(
            next_step_id=step.id,
            actor_id=actor.id,
            kind="cancelled",
            from_due_on=step.due_on,
            to_due_on=None,
            reason=step.status_reason,
        )
    )
    record_event("cancelled", "next_step", step.id, family_id=step.family_id, user=actor)


@dataclass(frozen=True)
class ReviewInput:
    held_on: date | None
    attended: str
    outcome: str
    note: str
    late_reason: str = ""
    # Asked when the plan continues: None (left blank) is refused; a caller that does not ask (the demo) gets
    # USUAL_NEXT_REVIEW, PLAN_REVIEW_WEEKS after the review.
    next_review_on: date | str | None = "usual"


USUAL_NEXT_REVIEW = "usual"


def next_review_default(held_on: date) -> date:
    """When the next review falls unless the meeting agrees another date: PLAN_REVIEW_WEEKS after it."""
    return held_on + timedelta(weeks=current_app.config["PLAN_REVIEW_WEEKS"])


@use_case("review", "family_plan")
def record_review(
    plan: FamilyPlan, review: ReviewInput, *, actor: User, now: datetime, submission_key: str | None = None
) -> FamilyPlanReview:
    """A review meeting of the issued plan: when, who came, what it decided, a note. Written down late, it
    needs the reason. "Continue the plan" sets the date of the next review (after this one); "change the plan"
    starts the new version; "close early help" closes the plan.

    The form's one-time `submission_key` records one review however often it is posted (a double click, Back
    and save): the second gets the first, marked `already_saved`, and nothing changes (no second new version,
    no refusal because the first closed the plan)."""
    plan = _locked(plan.id)
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut
    existing = by_submission_key(FamilyPlanReview, submission_key)
    if existing is not None:
        return _review_already_saved(existing, plan)
    if not plan.is_issued:
        raise Refused("Only an issued plan is reviewed: issue this version first")
    if plan.is_closed:
        raise Refused(f"Version {plan.version} was closed: {plan.closed_note}")
    today = clock.local_date(now)
    if review.held_on is None:
        raise Refused("Enter the date the review meeting was held", "held_on")
    if review.held_on > today:
        raise Refused("The date the review was held must be today or in the past", "held_on")
    if review.held_on < clock.local_date(plan.issued_at):
        raise Refused(
            f"The review cannot have been held before version {plan.version} was issued on "
            f"{clock.long_day(plan.issued_at)}",
            "held_on",
        )
    if not review.attended.strip():
        raise Refused("Enter who attended the review", "attended")
    if review.outcome not in REVIEW_OUTCOMES:
        raise Refused("Select what the review decided", "outcome")
    note = review.note.strip()
    if review.outcome != "continue":
        note = check_reason(note, asked="what the review decided and why", field="note")
    next_review = None
    if review.outcome == "continue":
        next_review = review.next_review_on
        if next_review == USUAL_NEXT_REVIEW:
            next_review = next_review_default(review.held_on)
        if next_review is None:
            raise Refused("Enter the date of the next review", "next_review_on")
        if next_review <= review.held_on:
            raise Refused(
                f"The next review must be after the review held on {clock.long_day(review.held_on)}",
                "next_review_on",
            )
    late = check_late_reason(review.held_on, review.late_reason, what="The review", field="late_reason", recorded=now)
    entry = FamilyPlanReview(
        plan_id=plan.id,
        held_on=review.held_on,
        due_on=plan.review_on,  # the review date in force when it was held, before this review moves it on
        attended=review.attended.strip(),
        outcome=review.outcome,
        note=note,
        late_reason=late,
        recorded_at=now,
        recorded_by_id=actor.id,
        submission_key=submission_key,
    )
    # Saved on its own (not appended to plan.reviews first): add_once keeps it out of the session if the same
    # key was saved meanwhile.
    entry = add_once(entry)
    if entry.already_saved:  # the same form, posted at the same moment: the other post recorded it
        return _review_already_saved(entry, plan)
    db.session.expire(plan, ["reviews"])
    if next_review is not None:
        # The live plan's next review. What was issued (its snapshot and PDFs) keeps the date it printed.
        plan.review_on = next_review
    db.session.flush()
    next_said = f", next review {clock.long_day(next_review)}" if next_review else ""
    add_to_timeline(
        plan.family_id,
        f"Family plan version {plan.version} reviewed: {entry.outcome_label.lower()}{next_said}",
        "family_plan",
        plan.id,
        actor=actor,
        at=review.held_on,
        late_reason=late,
        recorded_at=now,
    )
    record_event("review", "family_plan", plan.id, family_id=plan.family_id, user=actor)
    if review.outcome == "close":
        _close(plan, f"Closed: early help ended at the review on {clock.long_day(review.held_on)}.", actor, now)
    elif review.outcome == "change":
        start_draft(plan.family, actor=actor, today=today)
    return entry


def _review_already_saved(entry: FamilyPlanReview, plan: FamilyPlan) -> FamilyPlanReview:
    if entry.plan_id != plan.id:  # a key from another plan's form (forged): never another family's review
        raise Refused("This form has already been used. Open the plan again to record a review")
    entry.already_saved = True
    return entry


def _close(plan: FamilyPlan, note: str, actor: User, now: datetime) -> None:
    plan.closed_at, plan.closed_by_id, plan.closed_note = now, actor.id, note
    add_to_timeline(plan.family_id, f"Family plan version {plan.version} closed", "family_plan", plan.id, actor=actor)
    record_event("close", "family_plan", plan.id, family_id=plan.family_id, user=actor)


def close_after_step_up(transfer, *, actor: User, now: datetime) -> None:
    """After a step-up's handover, the family's early help plan is no longer live: closed, with a note.
    Called by the step-up's "handover complete", inside its use case.

    The current issued version and any draft are closed (a draft is kept, closed, not deleted: what was being
    written stays on the record). Their open next steps stay open with their owners: the handover decides them.
    """
    lead = transfer.receiving_lead
    note = (
        f"Closed: the family stepped up to {transfer.to_service.name.lower()} on {clock.long_day(now)}; "
        f"{lead.name if lead else 'the receiving team'} leads now."
    )
    versions = db.session.scalars(
        select(FamilyPlan)
        .where(FamilyPlan.family_id == transfer.family_id)
        .order_by(FamilyPlan.version.desc())
        .with_for_update(of=FamilyPlan)
        .execution_options(populate_existing=True)
    ).all()
    drafts = [plan for plan in versions if not plan.is_issued]
    current = next((plan for plan in versions if plan.is_issued), None)
    for plan in [*drafts, *([current] if current else [])]:
        if not plan.is_closed:
            _close(plan, note, actor, now)


@use_case("create", "jargon_term")
def add_jargon(term: str, plain_words: str, *, actor: User | None = None) -> JargonTerm:
    """A word the plain-language check flags from now on, with the plain words to use; an existing one is
    changed (and made active again)."""
    term, plain_words = term.strip(), plain_words.strip()
    if not term:
        raise Refused("Enter the word or acronym", "term")
    if not plain_words:
        raise Refused(f'Enter the plain words to use instead of "{term}"', "plain_words")
    if len(term) > 80 or len(plain_words) > 200:
        raise Refused("The word must be 80 characters or fewer, and its plain words 200 or fewer")
    existing = db.session.scalar(select(JargonTerm).where(JargonTerm.term == term))
    if existing is None:
        existing = JargonTerm(term=term, plain_words=plain_words, active=True)
        db.session.add(existing)
    existing.plain_words, existing.active = plain_words, True
    db.session.flush()
    record_event("create", "jargon_term", existing.id, user=actor)
    return existing


@use_case("retire", "jargon_term")
def retire_jargon(term: str, *, actor: User | None = None) -> None:
    """Stop flagging a word: it is kept, inactive, so what was checked before can still be explained."""
    existing = db.session.scalar(select(JargonTerm).where(JargonTerm.term == term.strip()))
    if existing is None or not existing.active:
        raise Refused(f'"{term}" is not in the jargon list')
    existing.active = False
    record_event("retire", "jargon_term", existing.id, user=actor)
