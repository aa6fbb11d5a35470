"""The request page, its actions (approve, accept, decline, ...), and the working lists."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp.access import case_worker, record, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.forms import Form
from earlyhelp.models import Transfer
from earlyhelp.policy import RoleCode, may_edit_request, override_record, pass_approval_record
from earlyhelp.services import transfers
from earlyhelp.services.audit import record_read
from earlyhelp.transfers import bp
from earlyhelp.transfers.decision_forms import ActionForm, AuthoriseOverrideForm, PassApprovalForm
from earlyhelp.web import get_or_404, page_number, render_page, show_refusal

ACTION_LABELS = {
    TransferAction.SUBMIT: "Send for manager approval",
    TransferAction.APPROVE: "Approve and send",
    TransferAction.RETURN: "Return to the sender",
    TransferAction.ACCEPT: "Accept",
    TransferAction.DECLINE: "Decline",
    TransferAction.WITHDRAW: "Withdraw the request",
    TransferAction.COMPLETE_HANDOVER: "Mark handover complete",
}

# The request page and its actions


def show_request(transfer: Transfer, *, posted: Form | None = None, action: TransferAction | None = None):
    """The request page. `posted` is the form that was sent (its errors reach the layout's error summary)."""
    page = transfers.transfer_page(transfer, current_user)
    forms = {action: ActionForm(formdata=None, prefix=str(action)) for action in page.actions}
    if action in forms:
        forms[action] = posted  # what they typed stays, with what was wrong
    for form in forms.values():
        form.set_staff(page.receiving_staff)
    accept = forms.get(TransferAction.ACCEPT)
    if action != TransferAction.ACCEPT and accept is not None and page.proposed_lead_id is not None:
        accept.lead.data = str(page.proposed_lead_id)  # the lead the requester proposed, if they may lead
    pass_form = posted if isinstance(posted, PassApprovalForm) else PassApprovalForm(formdata=None)
    pass_form.set_managers(page.managers_elsewhere)
    return render_template(
        "transfers/show.html",
        form=posted,
        transfer=transfer,
        plan=transfer.handover_plan,
        page=page,
        forms=forms,
        authorise_form=posted if isinstance(posted, AuthoriseOverrideForm) else AuthoriseOverrideForm(formdata=None),
        pass_form=pass_form,
        labels=ACTION_LABELS,
        change_link=_change_link(transfer),
    )


def _change_link(transfer: Transfer) -> str | None:
    """Where to change a draft (new, or returned), for those who may: once the page for it exists."""
    if "transfers.edit" not in current_app.view_functions or transfer.state != TransferState.DRAFT:
        return None
    if not may_edit_request(current_user, transfer):
        return None
    return url_for("transfers.edit", transfer_id=transfer.id)


@bp.get("/transfers/<int:transfer_id>")
@case_worker
@record(Transfer, "transfer_id")
def show(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    record_read("view", "transfer", transfer.id, family_id=transfer.family_id)
    return show_request(transfer)


def _act(transfer_id: int, action: TransferAction):
    transfer = get_or_404(Transfer, transfer_id)
    form = ActionForm(prefix=str(action))
    if form.validate_on_submit():
        try:
            done = transfers.act(
                transfer.id,
                action,
                actor=current_user,
                reason=form.reason.data or "",
                advice=form.advice.data or "",
                lead=form.lead_id,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(done_message(done, action))
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return show_request(transfer, posted=form, action=action)


def done_message(transfer: Transfer, action: TransferAction) -> str:
    """What the person acting is told, in a plain sentence for each action."""
    match action:
        case TransferAction.SUBMIT:
            return "Request sent to your manager for approval."
        case TransferAction.APPROVE:
            return f"Request approved and sent to {transfer.receiving_team.name}."
        case TransferAction.RETURN:
            return f"Request returned to {transfer.requested_by.name}."
        case TransferAction.ACCEPT:
            return f"Request accepted: {transfer.receiving_lead.name} leads for {transfer.receiving_team.name}."
        case TransferAction.DECLINE:
            return f"Request declined. {transfer.requested_by.name} has been told."
        case TransferAction.WITHDRAW:
            return "Request withdrawn."
        case TransferAction.COMPLETE_HANDOVER:
            return "Handover complete."
    raise ValueError(action)


def _action_view(action: TransferAction):
    def view(transfer_id: int):
        return _act(transfer_id, action)

    view.__name__ = str(action)
    return case_worker(record(Transfer, "transfer_id")(view))


for _action in TransferAction:
    bp.add_url_rule(
        f"/transfers/<int:transfer_id>/{_action.replace('_', '-')}",
        str(_action),
        _action_view(_action),
        methods=["POST"],
    )


@bp.post("/transfers/<int:transfer_id>/authorise-override")
@roles(RoleCode.TEAM_MANAGER)
@record(Transfer, "transfer_id", override_record)
def authorise_override(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    form = AuthoriseOverrideForm()
    if form.validate_on_submit():
        try:
            transfers.authorise_override(transfer, actor=current_user, reason=form.authorisation_reason.data or "")
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Going ahead without the family's agreement is authorised. You can now approve the request.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return show_request(transfer, posted=form)


@bp.post("/transfers/<int:transfer_id>/pass-approval")
@roles(RoleCode.TEAM_MANAGER)
@record(Transfer, "transfer_id", pass_approval_record)
def pass_approval(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    form = PassApprovalForm()
    if form.validate_on_submit():
        try:
            passed = transfers.pass_approval(
                transfer, actor=current_user, to=form.approver_id, reason=form.approval_passed_reason.data or ""
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Approval passed to {passed.approver.name}, who has been told.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return show_request(transfer, posted=form)


# The working lists


@bp.get("/transfers")
@case_worker
def queues():
    name = request.args.get("queue", "decide")
    if name not in transfers.QUEUES:
        name = "decide"
    listing = transfers.queue_page(name, current_user, page=page_number())
    record_read("list", "transfer")
    return render_page("transfers/queues.html", "transfers/_queue.html", listing=listing, queues=transfers.QUEUES)
