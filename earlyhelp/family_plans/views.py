"""Family plans: write with the family, check the language, issue, download, compare versions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused
from earlyhelp.family_plans import bp
from earlyhelp.family_plans.forms import FamilyPlanForm, IssuePlanForm
from earlyhelp.models import Family, FamilyPlan
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response
from earlyhelp.policy import Access
from earlyhelp.services import family_plans as service
from earlyhelp.services.audit import record_read
from earlyhelp.web import get_or_404, show_refusal


def _to_the_issued_plan(plan: FamilyPlan):
    """An issued version has no page for writing or issuing: say so on the plan's overview."""
    flash(f"Version {plan.version} has been issued and cannot change. Start a new version to make changes.", "error")
    return redirect(url_for("family_plans.overview", family_id=plan.family_id))


@bp.get("/families/<int:family_id>/plan")
@case_worker
@record(Family, "family_id")
def overview(family_id: int):
    family = get_or_404(Family, family_id)
    versions = service.plans(family.id)
    record_read("view", "family_plan", versions[0].id if versions else None, family_id=family.id)
    return render_template(
        "family_plans/overview.html", family=family, versions=versions, documents=service.DOCUMENTS, today=clock.today()
    )


@bp.post("/families/<int:family_id>/plan/start")
@case_worker
@record(Family, "family_id")
def start(family_id: int):
    family = get_or_404(Family, family_id)
    plan = service.start_draft(family, actor=current_user, today=clock.today())
    return redirect(url_for("family_plans.edit", plan_id=plan.id))


def _edit_page(plan: FamilyPlan, plan_form: FamilyPlanForm, step_form: NextStepForm, *, posted):
    family_steps, professional_steps = service.steps(plan)
    return render_template(
        "family_plans/edit.html",
        plan=plan,
        family=plan.family,
        form=posted,
        plan_form=plan_form,
        step_form=step_form,
        rows=list(zip(plan.children_words, plan_form.children.entries, strict=False)),
        family_steps=family_steps,
        professional_steps=professional_steps,
        findings=service.findings(plan, family_steps),
        today=clock.today(),
    )


@bp.route("/family-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def edit(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    if request.method == "GET":
        if plan.is_issued:
            return _to_the_issued_plan(plan)
        record_read("view", "family_plan", plan.id, family_id=plan.family_id)
        form = FamilyPlanForm.of(plan)
    else:
        form = FamilyPlanForm()
    if form.validate_on_submit():
        try:
            service.save_draft(plan, changes=form.changes(), child_words=form.child_words(), actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Family plan saved.")
            return redirect(url_for("family_plans.edit", plan_id=plan.id))
    return _edit_page(plan, form, new_step_form(formdata=None), posted=form)


@bp.post("/family-plans/<int:plan_id>/next-steps")
@case_worker
@record(FamilyPlan, "plan_id")
def add_step(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    step_form = new_step_form()
    if step_form.validate_on_submit():
        try:
            service.add_step(plan, step_input(step_form), actor=current_user, today=clock.today())
        except Refused as refusal:
            show_refusal(step_form, refusal)
        else:
            flash("Next step added to the plan.")
            return redirect(url_for("family_plans.edit", plan_id=plan.id, _anchor="next-steps"))
    return _edit_page(plan, FamilyPlanForm.of(plan, formdata=None), step_form, posted=step_form)


@bp.route("/family-plans/<int:plan_id>/issue", methods=["GET", "POST"])
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def issue(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    if request.method == "GET":
        if plan.is_issued:
            return _to_the_issued_plan(plan)
        record_read("view", "family_plan", plan.id, family_id=plan.family_id)
    form = IssuePlanForm()
    if form.validate_on_submit():
        try:
            service.issue(plan, actor=current_user, confirmed=form.confirm.data)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Version {plan.version} issued. Print the family copy and give it to the family.")
            return redirect(url_for("family_plans.overview", family_id=plan.family_id))
    return render_template(
        "family_plans/issue.html", plan=plan, family=plan.family, findings=service.findings(plan), form=form
    )


@bp.get("/family-plans/<int:plan_id>/<kind>.pdf")
@case_worker
@record(FamilyPlan, "plan_id")
def download(plan_id: int, kind: str):
    plan = get_or_404(FamilyPlan, plan_id)
    document = (kind in service.DOCUMENTS and service.document(plan, kind)) or abort(404)
    record_read("download", "family_plan", plan.id, family_id=plan.family_id)
    return pdf_response(document.pdf, f"family-plan-{plan.family.reference}-v{plan.version}-{kind}.pdf")


@bp.get("/family-plans/<int:plan_id>/changes")
@case_worker
@record(FamilyPlan, "plan_id")
def changes(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    previous, sections = service.version_changes(plan) or abort(404)
    record_read("view", "family_plan", plan.id, family_id=plan.family_id)
    return render_template(
        "family_plans/changes.html", plan=plan, previous=previous, family=plan.family, sections=sections
    )
