"""The handover plan, and what is printed from a request: the handover summary and the family's letter."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.models import Transfer
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.policy import Access, handover_record
from earlyhelp.services import transfers
from earlyhelp.services.audit import record_read
from earlyhelp.transfers import bp
from earlyhelp.transfers.decisions import show_request
from earlyhelp.transfers.handover_forms import HandoverPlanForm
from earlyhelp.web import get_or_404, print_letter, show_refusal

# The handover plan


def _saved_plan(transfer: Transfer) -> dict:
    plan = transfer.handover_plan
    return {name: getattr(plan, name) for name in transfers.HANDOVER_FIELDS} | {"version": plan.version}


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
    form = HandoverPlanForm(data=_saved_plan(transfer))
    stale = False
    if request.method == "GET":
        record_read("view", "handover_plan", transfer.handover_plan.id, family_id=transfer.family_id)
    elif form.validate_on_submit():
        try:
            transfers.save_handover_plan(
                transfer, expected_version=form.version.data or 0, changes=form.changes(), actor=current_user
            )
        except Stale as refusal:
            show_refusal(form, refusal)  # what they typed stays, with the version saved now
            stale = True
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Handover plan saved.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return _plan_page(transfer, plan_form=form, step_form=new_step_form(formdata=None), posted=form, stale=stale)


@bp.post("/transfers/<int:transfer_id>/next-steps")
@case_worker
@record(Transfer, "transfer_id", handover_record)
def add_next_step(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    form = new_step_form()
    if form.validate_on_submit():
        try:
            transfers.add_handover_step(transfer, step_input(form), actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Next step added to the handover plan.")
            return redirect(url_for("transfers.edit_plan", transfer_id=transfer.id, _anchor="next-steps"))
    plan_form = HandoverPlanForm(formdata=None, data=_saved_plan(transfer))
    return _plan_page(transfer, plan_form=plan_form, step_form=form, posted=form)


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


@bp.get("/transfers/<int:transfer_id>/family-letter.pdf")
@case_worker
@record(Transfer, "transfer_id")
def family_letter(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)

    def refused(refusal):
        form = FlaskForm(formdata=None)
        show_refusal(form, refusal)
        return show_request(transfer, posted=form)

    return print_letter(
        lambda: transfers.family_letter(transfer),
        "pdf/what_happens_next.html",
        record_type="transfer",
        record_id=transfer.id,
        family_id=transfer.family_id,
        filename=f"what-happens-next-{transfer.family.reference}.pdf",
        refused=refused,
    )
