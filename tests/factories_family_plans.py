"""Family plans made straight in the database, many at a time: versions issued with stand-in documents and
next steps, for tests that count what a page costs as the records grow. All names are fictional."""

import hashlib
from datetime import timedelta

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import FamilyPlan, FamilyPlanStatus, IssuedDocument, NextStep, NextStepStatus, User
from earlyhelp.services import family_plans as service
from tests.factories import make_user

# What a plan says when every part is filled in plainly, and who agreed it: nothing in it holds an issue back.
CLEAR = {
    "worries": "We are worried the children miss school.",
    "working_well": "Mum walks the younger two to school most days.",
    "needs_to_happen": "Everyone gets to school on time, every day.",
    "goals": "We want mornings to be calmer.",
    "contingency": "Call Robin the same day. Out of hours, call 01632 960000.",
    "agreed_by": "Alex and Ash",  # a plan is issued only once someone in the family has agreed it
}


def make_steps(plan: FamilyPlan, count: int, *, owner: User) -> list[NextStep]:
    """`count` open next steps in the plan, alternately for the family and for professionals only."""
    steps = [
        NextStep(
            family_id=plan.family_id,
            what=f"Next step number {number + 1}",
            owner_kind="user",
            owner_user_id=owner.id,
            due_on=clock.today() + timedelta(days=number + 1),
            status=NextStepStatus.OPEN,
            source_type="family_plan",
            source_id=plan.id,
            family_facing=number % 2 == 0,
            created_by_id=owner.id,
        )
        for number in range(count)
    ]
    db.session.add_all(steps)
    db.session.commit()
    return steps


def issue_as_stored(plan: FamilyPlan, *, by: User) -> FamilyPlan:
    """Mark a draft issued with stand-in documents, as if it had been printed: no renderer is run."""
    plan.snapshot = service.snapshot(plan)
    plan.status, plan.issued_at, plan.issued_by_id = FamilyPlanStatus.ISSUED, clock.now(), by.id
    plan.family_copy_due_on = service.family_copy_due(plan)
    for kind in service.DOCUMENTS:
        pdf = f"%PDF- stand-in for the {kind} copy of version {plan.version}".encode()
        plan.documents.append(IssuedDocument(kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf)))
    db.session.commit()
    return plan


def make_versions(family, count: int, *, lead: User, draft_last: bool = False) -> list[FamilyPlan]:
    """A plan with `count` versions, each issued by a different person (the last left a draft if asked)."""
    versions = []
    for number in range(count):
        plan = service.start_draft(family, actor=lead, today=clock.today())
        service.save_draft(
            plan, changes={"worries": f"What worried us in version {number + 1}."}, child_words={}, actor=lead
        )
        if not (draft_last and number == count - 1):
            issue_as_stored(plan, by=make_user("practitioner", name=f"Issuer {number + 1}"))
        versions.append(plan)
    return versions
