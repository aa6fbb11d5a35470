"""Step-up and step-down: request, approve, decide, hand over. Thin views over services.transfers."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from earlyhelp import clock
from earlyhelp.access import case_worker, record, roles
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.forms import household_rows
from earlyhelp.models import Episode, Transfer
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.policy import Access, RoleCode, episode_record, handover_record, override_record
from earlyhelp.services import transfers
from earlyhelp.services.audit import record_read
from earlyhelp.transfers import bp
from earlyhelp.transfers.forms import (
    ActionForm,
    AuthoriseOverrideForm,
    FamilyDeclinedStepDownForm,
    HandoverPlanForm,
    StepDownForm,
    StepUpForm,
)
from earlyhelp.web import get_or_404, page_number, print_letter, render_page, show_refusal

ACTION_LABELS = {
    TransferAction.SUBMIT: "Send for manager approval",
    TransferAction.APPROVE: "Approve and send",
    TransferAction.RETURN: "Return to the sender",
    TransferAction.ACCEPT: "Accept",
    TransferAction.DECLINE: "Decline",
    TransferAction.WITHDRAW: "Withdraw the request",
    TransferAction.COMPLETE_HANDOVER: "Mark handover complete",
}
FORMS = {Direction.STEP_UP: StepUpForm, Direction.STEP_DOWN: StepDownForm}


def _episode_or_404(episode_id: int, direction: Direction) -> Episode:
    """The episode a request starts from (@record has checked who may start one)."""
    episode = get_or_404(Episode, episode_id)
    if episode.service.code != transfers.SERVICE_FOR[direction][0]:
        abort(404)
    return episode


# Starting a request


def _request_form(direction: Direction, **kwargs):
    form = FORMS[direction](**kwargs)
    form.set_choices(*transfers.start_choices(direction))
    return form


def _new_page(
    episode, direction, *, request_form, rows, posted, declined_form=None, can_start=True, household_changed=False
):
    """The new-request page. `posted` (for the error summary) is whichever of its forms was sent."""
    return render_template(
        "transfers/new.html",
        form=posted,
        request_form=request_form,
        declined_form=declined_form
        or (FamilyDeclinedStepDownForm(formdata=None) if direction is Direction.STEP_DOWN else None),
        family=episode.family,
        episode=episode,
        direction=direction,
        rows=rows,
        can_start=can_start,
        household_changed=household_changed,
    )


def _start(episode_id: int, direction: Direction):
    episode = _episode_or_404(episode_id, direction)
    form = _request_form(direction)
    reading = request.method == "GET"
    # One row per child in the household, matched by person: a child added meanwhile is never missed.
    rows, matched = household_rows(form.children, episode.family.children, fresh=reading)
    if reading:
        record_read("view", "family", episode.family_id, family_id=episode.family_id)
        form.submission_key.data = uuid.uuid4().hex
        try:
            transfers.check_start(episode, direction)
        except Refused as refusal:
            show_refusal(form, refusal)
            return _new_page(episode, direction, request_form=form, rows=rows, posted=form, can_start=False)
    elif matched and form.validate_on_submit():
        try:
            transfer = transfers.start(
                episode,
                direction=direction,
                submission_key=form.submission_key.data or uuid.uuid4().hex,
                fields=form.fields(),
                children=[form.child_choice(child, entry) for child, entry in rows],
                outstanding=form.outstanding_steps() if direction is Direction.STEP_DOWN else [],
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"{transfer.title} request saved as a draft. Send it for manager approval when it is ready.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return _new_page(
        episode, direction, request_form=form, rows=rows, posted=form, household_changed=not reading and not matched
    )


@bp.route("/episodes/<int:episode_id>/step-up", methods=["GET", "POST"])
@roles(RoleCode.PRACTITIONER, RoleCode.TEAM_MANAGER)
@record(Episode, "episode_id", episode_record, reading=Access.CHANGE)
def new_step_up(episode_id: int):
    return _start(episode_id, Direction.STEP_UP)


@bp.route("/episodes/<int:episode_id>/step-down", methods=["GET", "POST"])
@roles(RoleCode.SOCIAL_WORKER, RoleCode.TEAM_MANAGER)
@record(Episode, "episode_id", episode_record, reading=Access.CHANGE)
def new_step_down(episode_id: int):
    return _start(episode_id, Direction.STEP_DOWN)


@bp.post("/episodes/<int:episode_id>/step-down-refused")
@roles(RoleCode.SOCIAL_WORKER, RoleCode.TEAM_MANAGER)
@record(Episode, "episode_id", episode_record)
def step_down_refused(episode_id: int):
    episode = _episode_or_404(episode_id, Direction.STEP_DOWN)
    form = FamilyDeclinedStepDownForm()
    if form.validate_on_submit():
        try:
            transfers.record_step_down_refused(episode, note=form.note.data, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Recorded: the family did not agree to early help. Social care keeps the case.")
            return redirect(url_for("families.show", family_id=episode.family_id))
    request_form = _request_form(Direction.STEP_DOWN, formdata=None)
    request_form.submission_key.data = uuid.uuid4().hex
    rows, _ = household_rows(request_form.children, episode.family.children, fresh=True)
    return _new_page(
        episode, Direction.STEP_DOWN, request_form=request_form, rows=rows, posted=form, declined_form=form
    )


# The request page and its actions


def _show(transfer: Transfer, *, posted: FlaskForm | None = None, action: TransferAction | None = None):
    """The request page. `posted` is the form that was sent (its errors reach the layout's error summary)."""
    page = transfers.transfer_page(transfer, current_user)
    forms = {action: ActionForm(formdata=None, prefix=str(action)) for action in page.actions}
    if action in forms:
        forms[action] = posted  # what they typed stays, with what was wrong
    for form in forms.values():
        form.set_staff(page.receiving_staff)
    return render_template(
        "transfers/show.html",
        form=posted,
        transfer=transfer,
        plan=transfer.handover_plan,
        page=page,
        forms=forms,
        authorise_form=posted if isinstance(posted, AuthoriseOverrideForm) else AuthoriseOverrideForm(formdata=None),
        labels=ACTION_LABELS,
    )


@bp.get("/transfers/<int:transfer_id>")
@case_worker
@record(Transfer, "transfer_id")
def show(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    record_read("view", "transfer", transfer.id, family_id=transfer.family_id)
    return _show(transfer)


def _act(transfer_id: int, action: TransferAction):
    transfer = get_or_404(Transfer, transfer_id)
    form = ActionForm(prefix=str(action))
    if form.validate_on_submit():
        try:
            transfers.act(
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
            flash(f"{transfer.title} request: {ACTION_LABELS[action].lower()}: done.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return _show(transfer, posted=form, action=action)


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
            transfers.authorise_override(transfer, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Going ahead without the family's agreement is authorised. You can now approve the request.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return _show(transfer, posted=form)


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
        return _show(transfer, posted=form)

    return print_letter(
        lambda: transfers.family_letter(transfer),
        "pdf/what_happens_next.html",
        record_type="transfer",
        record_id=transfer.id,
        family_id=transfer.family_id,
        filename=f"what-happens-next-{transfer.family.reference}.pdf",
        refused=refused,
    )
