"""The handover plan, and what is printed from a request: the handover summary and the family's letter."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.forms import Form
from earlyhelp.models import Transfer
from earlyhelp.models.letters import LETTER_KINDS
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.policy import Access, handover_record
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.audit import Outcome, record_read
from earlyhelp.services.transfers.handover import plan_values
from earlyhelp.transfers import bp
from earlyhelp.transfers.decisions import show_request
from earlyhelp.transfers.handover_forms import HandoverPlanForm, IssueLetterForm
from earlyhelp.versions import changed_by_person, digests, keep_typed
from earlyhelp.web import get_or_404, show_refusal

# The handover plan


def _saved_plan(transfer: Transfer) -> dict:
    plan = transfer.handover_plan
    values = plan_values(plan)
    return values | {"version": plan.version, "loaded": digests(values)}


def _plan_page(transfer: Transfer, *, plan_form: HandoverPlanForm, step_form: NextStepForm, posted, stale=False):
    """The handover plan page. `posted` (for the error summary) is whichever of its two forms was sent."""
    return render_template(
        "transfers/edit_plan.html",
        form=posted,
        plan_form=plan_form,
        step_form=step_form,
        transfer=transfer,
        plan=transfer.handover_plan,
        stale=stale,
        steps=transfers.plan_steps(transfer),
        today=clock.today(),
    )


@bp.route("/transfers/<int:transfer_id>/handover-plan", methods=["GET", "POST"])
@case_worker
@record(Transfer, "transfer_id", handover_record, reading=Access.CHANGE)
def edit_plan(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    if request.method == "GET":
        record_read("view", "handover_plan", transfer.handover_plan.id, family_id=transfer.family_id)
        form = HandoverPlanForm(formdata=None, data=_saved_plan(transfer))
        return _plan_page(transfer, plan_form=form, step_form=new_step_form(formdata=None), posted=form)
    return _save(transfer, adding=False)


@bp.post("/transfers/<int:transfer_id>/next-steps")
@case_worker
@record(Transfer, "transfer_id", handover_record)
def add_next_step(transfer_id: int):
    return _save(get_or_404(Transfer, transfer_id), adding=True)


def _save(transfer: Transfer, *, adding: bool):
    """The plan and its add-a-step questions are one form: whichever button was pressed, what was typed into the
    plan is saved first (with its version check), then the step is added (when "Add next step" was pressed, or a
    step was typed in). Nothing typed is lost: a plan that cannot be saved is shown again with the step as typed,
    and a step that cannot be added is shown again with the plan as saved."""
    form, step_form = HandoverPlanForm(data=_saved_plan(transfer)), new_step_form()
    adding = adding or bool(step_form.submit_step.data) or bool((step_form.what.data or "").strip())
    if adding and _already_added(transfer, step_form):  # the same form posted again: nothing is saved twice
        return redirect(url_for("transfers.edit_plan", transfer_id=transfer.id, _anchor="next-steps"))
    # A post of the step's questions alone (an older page, a script) adds the step and leaves the plan as it is.
    plan_posted = "meeting_kind" in request.form
    if not plan_posted:
        form = HandoverPlanForm(formdata=None, data=_saved_plan(transfer))
    elif not form.validate_on_submit():
        return _plan_page(transfer, plan_form=form, step_form=step_form, posted=form)
    else:
        try:
            plan = transfers.save_handover_plan(
                transfer,
                expected_version=form.version.data or 0,
                changes=form.my_changes(),
                loaded=form.loaded.data or None,
                actor=current_user,
            )
        except Stale as refusal:  # what they typed stays, the plan's and the step's, with the version saved now
            show_refusal(form, refusal)
            db.session.refresh(transfer.handover_plan)
            current = plan_values(transfer.handover_plan)
            typed = changed_by_person(form.posted(), form.loaded.data)
            keep_typed(
                form, current_version=transfer.handover_plan.version, current=current, typed=typed, fill=form.fill
            )
            return _plan_page(transfer, plan_form=form, step_form=step_form, posted=form, stale=True)
        except Refused as refusal:
            show_refusal(form, refusal)
            return _plan_page(transfer, plan_form=form, step_form=step_form, posted=form)
        form.version.data, form.version.raw_data = plan.version, [str(plan.version)]  # saving again is not stale
        form.loaded.data = digests(plan_values(plan))
        if not adding:
            flash("Handover plan saved.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    if not step_form.validate_on_submit():  # the step's own questions: the plan is saved, the step kept
        return _step_not_added(transfer, form, step_form, plan_saved=plan_posted)
    try:
        step = transfers.add_handover_step(transfer, step_input(step_form), actor=current_user)
    except Refused as refusal:
        show_refusal(step_form, refusal)
        return _step_not_added(transfer, form, step_form, plan_saved=plan_posted)
    if getattr(step, "already_saved", False):  # the same form, posted at the same moment: the other post added it
        flash(ALREADY_ADDED)
        return redirect(url_for("transfers.edit_plan", transfer_id=transfer.id, _anchor="next-steps"))
    flash(
        "Handover plan saved. Next step added to the handover plan."
        if plan_posted
        else "Next step added to the handover plan."
    )
    return redirect(url_for("transfers.edit_plan", transfer_id=transfer.id, _anchor="next-steps"))


ALREADY_ADDED = "This next step was already added to the handover plan. Nothing was saved twice."


def _already_added(transfer: Transfer, step_form: NextStepForm) -> bool:
    """Whether this form's one-time key already added a step to this plan (a double click, Back and add again):
    if so, the person is told, and neither the plan nor the step is saved twice."""
    step = next_steps.already_added(step_form.submission_key.data)
    if step is None or step.source_type != "handover_plan" or step.source_id != transfer.handover_plan.id:
        return False
    flash(ALREADY_ADDED)
    return True


def _step_not_added(transfer: Transfer, form: HandoverPlanForm, step_form: NextStepForm, *, plan_saved: bool):
    if plan_saved:
        flash("Handover plan saved. The next step has not been added: put it right below and add it again.")
    return _plan_page(transfer, plan_form=form, step_form=step_form, posted=step_form)


# Printed documents


@bp.get("/transfers/<int:transfer_id>/handover-summary.pdf")
@case_worker
@record(Transfer, "transfer_id")
def handover_summary(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    family_id, filename = transfer.family_id, f"handover-summary-{transfer.family.reference}.pdf"
    pdf = render_pdf("pdf/handover_summary.html", **transfers.handover_summary(transfer))  # ends the transaction
    record_read("print", "transfer", transfer_id, family_id=family_id)
    return pdf_response(pdf, filename)


# The letter to the family: previewed, issued, kept


@bp.app_template_global("issued_letters")
def issued_letters(transfer: Transfer) -> list:
    """For the request page: every letter issued to the family about this request, newest first."""
    return transfers.issued_letters(transfer)


@bp.app_template_global("meeting_before_request")
def meeting_before_request(plan) -> bool:
    """For the request page: a handover meeting dated before its request was sent, which never counts as done."""
    return transfers.meeting_before_request(plan)


def _letter_refused(transfer: Transfer, refusal: Refused):
    form = Form(formdata=None)
    show_refusal(form, refusal)
    return show_request(transfer, posted=form)


def _preview_page(transfer: Transfer, preview, form: IssueLetterForm):
    return render_template(
        "transfers/letter_preview.html",
        form=form,
        transfer=transfer,
        preview=preview,
        letter=preview.content,
        kinds=LETTER_KINDS,
    )


@bp.get("/transfers/<int:transfer_id>/letter")
@case_worker
@record(Transfer, "transfer_id", handover_record, reading=Access.CHANGE)
def family_letter(transfer_id: int):
    """The preview: exactly what issuing the letter now would print, with a button to issue it."""
    transfer = get_or_404(Transfer, transfer_id)
    try:
        preview = transfers.family_letter(transfer)
    except Refused as refusal:
        record_read("print", "transfer", transfer.id, family_id=transfer.family_id, outcome=Outcome.REFUSED)
        return _letter_refused(transfer, refusal)
    record_read("view", "transfer", transfer.id, family_id=transfer.family_id)
    form = IssueLetterForm(formdata=None, data={"submission_key": uuid.uuid4().hex})
    return _preview_page(transfer, preview, form)


@bp.post("/transfers/<int:transfer_id>/letter")
@case_worker
@record(Transfer, "transfer_id", handover_record)
def issue_letter(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    form = IssueLetterForm()
    if form.validate_on_submit():
        try:
            letter = transfers.issue_letter(transfer, submission_key=form.submission_key.data or "", actor=current_user)
        except Refused as refusal:
            try:
                preview = transfers.family_letter(transfer)
            except Refused:
                return _letter_refused(transfer, refusal)
            show_refusal(form, refusal)
            form.submission_key.data = uuid.uuid4().hex  # issuing again, having read why, is a new letter
            return _preview_page(transfer, preview, form)
        flash(f"Letter version {letter.version} issued. Print it and send or give it to the family.")
        return redirect(url_for("transfers.show", transfer_id=transfer.id, _anchor="letters"))
    return _letter_refused(transfer, Refused("The letter could not be issued. Open the preview and issue it again"))


@bp.get("/transfers/<int:transfer_id>/letter/<kind>.pdf")
@case_worker
@record(Transfer, "transfer_id")
def letter_download(transfer_id: int, kind: str):
    """An issued copy, exactly as it was issued: the stored bytes, never a new render."""
    transfer = get_or_404(Transfer, transfer_id)
    version = request.args.get("version", type=int)
    document = kind in LETTER_KINDS and version and transfers.letter_document(transfer, version, kind)
    if not document:
        flash("There is no issued letter of that version. Choose one from the list of letters.", "error")
        return redirect(url_for("transfers.show", transfer_id=transfer.id, _anchor="letters"))
    family_id, reference = transfer.family_id, transfer.family.reference
    record_read("print", "issued_letter", document.letter_id, family_id=family_id)
    return pdf_response(document.pdf, f"what-happens-next-{reference}-v{version}-{kind}.pdf")
