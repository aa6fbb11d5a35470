"""Family plans: write with the family, check the language, issue, download, compare versions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.access import case_worker
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.family_plans import bp
from earlyhelp.family_plans.forms import FamilyPlanForm, IssuePlanForm
from earlyhelp.models import Family, FamilyPlan
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response
from earlyhelp.services import family_plans as service
from earlyhelp.services.audit import record_event
from earlyhelp.services.next_steps import add_next_step
from earlyhelp.web import show_refusal


def _family_or_404(family_id: int) -> Family:
    return db.session.get(Family, family_id) or abort(404)


def _plan_or_404(plan_id: int) -> FamilyPlan:
    return db.session.get(FamilyPlan, plan_id) or abort(404)


def _draft_or_redirect(plan: FamilyPlan):
    if plan.is_issued:
        flash(
            f"Version {plan.version} has been issued and cannot change. Start a new version to make changes.", "error"
        )
        return redirect(url_for("family_plans.overview", family_id=plan.family_id))
    return None


@bp.get("/families/<int:family_id>/plan")
@case_worker
def overview(family_id: int):
    family = _family_or_404(family_id)
    versions = service.plans(family.id)
    record_event("view", "family_plan", versions[0].id if versions else None, family_id=family.id)
    db.session.commit()
    return render_template(
        "family_plans/overview.html", family=family, versions=versions, documents=service.DOCUMENTS, today=clock.today()
    )


@bp.post("/families/<int:family_id>/plan/start")
@case_worker
def start(family_id: int):
    family = _family_or_404(family_id)
    plan = service.start_draft(family, actor=current_user, today=clock.today())
    db.session.commit()
    return redirect(url_for("family_plans.edit", plan_id=plan.id))


def _edit_page(plan: FamilyPlan, form: FamilyPlanForm, new_step: NextStepForm):
    family_steps, professional_steps = service.steps(plan)
    rows = list(zip(plan.children_words, form.children.entries, strict=False))
    return render_template(
        "family_plans/edit.html",
        plan=plan,
        family=plan.family,
        form=new_step if new_step.errors else form,
        plan_form=form,
        step_form=new_step,
        rows=rows,
        family_steps=family_steps,
        professional_steps=professional_steps,
        today=clock.today(),
    )


@bp.route("/family-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@case_worker
def edit(plan_id: int):
    plan = _plan_or_404(plan_id)
    if redirect_response := _draft_or_redirect(plan):
        return redirect_response
    form = FamilyPlanForm(obj=plan if request.method == "GET" else None)
    if request.method == "GET":
        for child in plan.children_words:
            form.children.append_entry({"person_id": str(child.person_id), "child_words": child.child_words})
        record_event("view", "family_plan", plan.id, family_id=plan.family_id)
        db.session.commit()
    elif form.validate_on_submit():
        service.save_draft(
            plan,
            changes={name: form[name].data or "" for name in service.TEXT_FIELDS}
            | {
                "review_on": form.review_on.data,
                "agreed_on": form.agreed_on.data,
                "signed_paper_copy": form.signed_paper_copy.data,
            },
            child_words={
                int(e.person_id.data): e.child_words.data or ""
                for e in form.children.entries
                if (e.person_id.data or "").isdigit()
            },
            actor=current_user,
        )
        db.session.commit()
        flash("Family plan saved.")
        return redirect(url_for("family_plans.edit", plan_id=plan.id))
    return _edit_page(plan, form, new_step_form(formdata=None))


@bp.post("/family-plans/<int:plan_id>/next-steps")
@case_worker
def add_step(plan_id: int):
    plan = _plan_or_404(plan_id)
    if redirect_response := _draft_or_redirect(plan):
        return redirect_response
    form_for_step = new_step_form()
    if form_for_step.validate_on_submit():
        try:
            add_next_step(
                plan.family_id,
                step_input(form_for_step),
                source_type="family_plan",
                source_id=plan.id,
                actor=current_user,
                today=clock.today(),
            )
        except Refused as refusal:
            show_refusal(form_for_step, refusal)
        else:
            flash("Next step added to the plan.")
            return redirect(url_for("family_plans.edit", plan_id=plan.id, _anchor="next-steps"))
    form = FamilyPlanForm(formdata=None, obj=plan)
    for child in plan.children_words:
        form.children.append_entry({"person_id": str(child.person_id), "child_words": child.child_words})
    return _edit_page(plan, form, form_for_step)


@bp.route("/family-plans/<int:plan_id>/issue", methods=["GET", "POST"])
@case_worker
def issue(plan_id: int):
    plan = _plan_or_404(plan_id)
    if redirect_response := _draft_or_redirect(plan):
        return redirect_response
    form = IssuePlanForm()
    findings = service.findings(plan)
    if form.validate_on_submit():
        try:
            service.issue(plan, actor=current_user, confirmed=form.confirm.data)
        except service.NeedsConfirmation as needs:
            db.session.rollback()
            findings = needs.findings
            form.confirm.errors = [
                *form.confirm.errors,
                "Fix the warnings, or confirm you want to issue the plan anyway",
            ]
        except service.PlanRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("family_plans.overview", family_id=plan.family_id))
        else:
            db.session.commit()
            flash(f"Version {plan.version} issued. Print the family copy and give it to the family.")
            return redirect(url_for("family_plans.overview", family_id=plan.family_id))
    elif request.method == "GET":
        record_event("view", "family_plan", plan.id, family_id=plan.family_id)
        db.session.commit()
    return render_template("family_plans/issue.html", plan=plan, family=plan.family, findings=findings, form=form)


@bp.get("/family-plans/<int:plan_id>/<kind>.pdf")
@case_worker
def download(plan_id: int, kind: str):
    plan = _plan_or_404(plan_id)
    if kind not in service.DOCUMENTS:
        abort(404)
    document = service.document(plan, kind) or abort(404)
    record_event("download", "family_plan", plan.id, family_id=plan.family_id)
    db.session.commit()
    return pdf_response(document.pdf, f"family-plan-{plan.family.reference}-v{plan.version}-{kind}.pdf")


@bp.get("/family-plans/<int:plan_id>/changes")
@case_worker
def changes(plan_id: int):
    plan = _plan_or_404(plan_id)
    previous = db.session.scalar(
        select(FamilyPlan).where(FamilyPlan.family_id == plan.family_id, FamilyPlan.version == plan.version - 1)
    )
    if previous is None:
        abort(404)
    sections = service.changes(previous.snapshot or service.snapshot(previous), plan.snapshot or service.snapshot(plan))
    record_event("view", "family_plan", plan.id, family_id=plan.family_id)
    db.session.commit()
    return render_template(
        "family_plans/changes.html", plan=plan, previous=previous, family=plan.family, sections=sections
    )
