"""Family plans: write with the family, check the language, issue, download, compare versions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused
from earlyhelp.family_plans import bp
from earlyhelp.family_plans.forms import DiscardDraftForm, FamilyPlanForm, IssuePlanForm, ReviewForm, StartPlanForm
from earlyhelp.models import Family, FamilyPlan
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response, print_html
from earlyhelp.policy import Access
from earlyhelp.services import family_plans as service
from earlyhelp.services import next_steps
from earlyhelp.services.audit import record_read
from earlyhelp.versions import StaleEdit, changed_by_person, keep_typed, new_submission_key
from earlyhelp.web import get_or_404, show_refusal


def _to_the_issued_plan(plan: FamilyPlan):
    """An issued (or closed) version has no page for writing or issuing: say so on the plan's overview."""
    if plan.is_closed and not plan.is_issued:
        flash(f"Version {plan.version} was closed: {plan.closed_note}", "error")
    else:
        flash(
            f"Version {plan.version} has been issued and cannot change. Start a new version to make changes.", "error"
        )
    return redirect(url_for("family_plans.overview", family_id=plan.family_id))


@bp.get("/families/<int:family_id>/plan")
@case_worker
@record(Family, "family_id")
def overview(family_id: int):
    family = get_or_404(Family, family_id)
    versions = service.plans(family.id)
    record_read("view", "family_plan", versions[0].id if versions else None, family_id=family.id)
    form = ReviewForm(formdata=None)
    form.next_review_on.data = service.next_review_default(clock.today())
    form.submission_key.data = new_submission_key()
    return _overview_page(family, versions, form)


def _overview_page(family: Family, versions, review_form: ReviewForm):
    return render_template(
        "family_plans/overview.html",
        family=family,
        versions=versions,
        documents=service.DOCUMENTS,
        today=clock.today(),
        may_start=service.may_start_again(family.id, versions[0] if versions else None),
        review_form=review_form,
        form=review_form,
        start_key=new_submission_key(),
    )


@bp.post("/families/<int:family_id>/plan/start")
@case_worker
@record(Family, "family_id")
def start(family_id: int):
    family = get_or_404(Family, family_id)
    try:
        plan = service.start_draft(
            family, actor=current_user, today=clock.today(), submission_key=StartPlanForm().submission_key.data or None
        )
    except Refused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("family_plans.overview", family_id=family.id))
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
        blockers=service.blockers(plan, clock.today()),
        today=clock.today(),
    )


@bp.route("/family-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def edit(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    if request.method == "GET":
        if plan.is_issued or plan.is_closed:
            return _to_the_issued_plan(plan)
        record_read("view", "family_plan", plan.id, family_id=plan.family_id)
        form = FamilyPlanForm.of(plan)
        return _edit_page(plan, form, new_step_form(formdata=None), posted=form)
    return _save(plan, adding=False)


@bp.post("/family-plans/<int:plan_id>/next-steps")
@case_worker
@record(FamilyPlan, "plan_id")
def add_step(plan_id: int):
    return _save(get_or_404(FamilyPlan, plan_id), adding=True)


def _posted(form: FamilyPlanForm) -> dict:
    """What the form says, by the names the digests use (services.family_plans.draft_values)."""
    posted = {name: value.strip() if isinstance(value, str) else value for name, value in form.changes().items()}
    for person_id, words in form.child_words().items():
        posted[f"child:{person_id}:words"] = words.strip()
    for person_id, (how, by) in form.words_given().items():
        posted[f"child:{person_id}:given"] = f"{how}|{by.strip() if how != 'directly' else ''}"
    return posted


ALREADY_ADDED = "This next step was already added to the plan. Nothing was saved twice."


def _already_added(plan: FamilyPlan, step_form: NextStepForm) -> bool:
    """Whether this form's one-time key already added a step to this plan (a double click, Back and add again):
    if so, the person is told, and neither the plan nor the step is saved twice."""
    step = next_steps.already_added(step_form.submission_key.data)
    if step is None or step.source_type != "family_plan" or step.source_id != plan.id:
        return False
    flash(ALREADY_ADDED)
    return True


def _save(plan: FamilyPlan, *, adding: bool):
    """The plan and its add-a-step questions are one form: whichever button was pressed, what was typed into the
    plan is saved first, then the step is added (when "Add next step" was pressed, or a step was typed in).
    Nothing typed is lost: a step that cannot be added is shown again with the plan as saved."""
    form, step_form = FamilyPlanForm(), new_step_form()
    adding = adding or bool(step_form.submit_step.data) or bool((step_form.what.data or "").strip())
    if adding and _already_added(plan, step_form):  # the same form posted again: nothing is saved twice
        return redirect(url_for("family_plans.edit", plan_id=plan.id, _anchor="next-steps"))
    # A post of the step's questions alone (an older page, a script) adds the step and leaves the plan as it is.
    plan_posted = "worries" in request.form
    if plan_posted and not form.validate_on_submit():
        return _edit_page(plan, form, step_form, posted=form)
    if not plan_posted:
        form = FamilyPlanForm.of(plan, formdata=None)
    step = step_input(step_form) if adding and step_form.validate() else None
    try:
        saved = service.save_then_add_step(
            plan,
            changes=form.changes() if plan_posted else None,
            child_words=form.child_words(),
            words_given=form.words_given(),
            step=step,
            actor=current_user,
            today=clock.today(),
            version=form.version.data if plan_posted else None,
            loaded=form.loaded.data if plan_posted else None,
        )
    except StaleEdit as refusal:
        show_refusal(form, refusal)
        keep_typed(
            form,
            current_version=refusal.current_version,
            current=refusal.current,
            typed=changed_by_person(_posted(form), form.loaded.data),
            fill=form.fill,
        )
        return _edit_page(plan, form, step_form, posted=form)
    except Refused as refusal:
        show_refusal(form, refusal)
        return _edit_page(plan, form, step_form, posted=form)
    if saved.step_refused:  # the plan was saved; the step is shown again to put right
        show_refusal(step_form, saved.step_refused)
        return _edit_page(plan, form, step_form, posted=step_form)
    if adding and step is None:  # the step's own questions were not answered: the plan is saved, the step kept
        return _edit_page(plan, form, step_form, posted=step_form)
    if not adding:
        flash("Family plan saved.")
        return redirect(url_for("family_plans.edit", plan_id=plan.id))
    if getattr(saved.step, "already_saved", False):  # the same form, posted at the same moment: the other added it
        flash(ALREADY_ADDED)
        return redirect(url_for("family_plans.edit", plan_id=plan.id, _anchor="next-steps"))
    flash("Family plan saved and the next step added." if plan_posted else "Next step added to the plan.")
    return redirect(url_for("family_plans.edit", plan_id=plan.id, _anchor="next-steps"))


@bp.get("/family-plans/<int:plan_id>/preview.pdf")
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def preview(plan_id: int):
    """The family copy as it would be issued now, marked PREVIEW on every page, opened in the browser. Not kept."""
    plan = get_or_404(FamilyPlan, plan_id)
    if plan.is_issued or plan.is_closed:
        return _to_the_issued_plan(plan)
    record_read("preview", "family_plan", plan.id, family_id=plan.family_id)
    html = service.preview_html(plan, actor=current_user, now=clock.now(), large_print="large" in request.args)
    return pdf_response(
        print_html(html), f"PREVIEW-family-plan-{plan.family.reference}-v{plan.version}.pdf", download=False
    )


@bp.route("/family-plans/<int:plan_id>/discard", methods=["GET", "POST"])
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def discard(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    if plan.is_issued or plan.is_closed:
        return _to_the_issued_plan(plan)
    form = DiscardDraftForm()
    if request.method == "GET":
        record_read("view", "family_plan", plan.id, family_id=plan.family_id)
    elif form.validate_on_submit():
        family_id = plan.family_id
        try:
            version = service.discard_draft(plan, actor=current_user, today=clock.today())
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"The draft of version {version} was discarded.")
            return redirect(url_for("family_plans.overview", family_id=family_id))
    family_steps, professional_steps = service.steps(plan)
    carried = set(plan.carried_step_ids or [])
    added = [s for s in family_steps + professional_steps if s.id not in carried and s.status == "open"]
    return render_template("family_plans/discard.html", plan=plan, family=plan.family, form=form, added=added)


@bp.post("/family-plans/<int:plan_id>/reviews")
@case_worker
@record(FamilyPlan, "plan_id")
def review(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            entry = service.record_review(
                plan,
                form.as_input(),
                actor=current_user,
                now=clock.now(),
                submission_key=form.submission_key.data or None,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if entry.already_saved:
                flash(f"This review was already recorded by {entry.recorded_by.name}. Nothing was saved twice.")
            else:
                flash(f"Review recorded: {entry.outcome_label.lower()}.")
            if entry.outcome == "change":
                draft = service.plans(plan.family_id)[0]
                return redirect(url_for("family_plans.edit", plan_id=draft.id))
            return redirect(url_for("family_plans.overview", family_id=plan.family_id, _anchor="reviews"))
    return _overview_page(plan.family, service.plans(plan.family_id), form)


@bp.route("/family-plans/<int:plan_id>/issue", methods=["GET", "POST"])
@case_worker
@record(FamilyPlan, "plan_id", reading=Access.CHANGE)
def issue(plan_id: int):
    plan = get_or_404(FamilyPlan, plan_id)
    if plan.is_issued and request.method == "POST" and plan.issued_by_id == current_user.id:
        # The same issue posted twice (a double click, a resubmission): one version, and the person is told so.
        flash(f"Version {plan.version} was already issued on {clock.long_moment(plan.issued_at)}.")
        return redirect(url_for("family_plans.overview", family_id=plan.family_id))
    if request.method == "GET":
        if plan.is_issued or plan.is_closed:
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
        "family_plans/issue.html",
        plan=plan,
        family=plan.family,
        findings=service.findings(plan),
        blockers=[] if plan.is_issued else service.blockers(plan, clock.today()),
        form=form,
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
