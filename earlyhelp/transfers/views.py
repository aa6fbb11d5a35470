"""Step-up and step-down: request, approve, decide, hand over. Thin views over services.transfers."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.access import case_worker, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import Direction, TransferAction, TransferState, TransitionRefused, allowed, responsible
from earlyhelp.extensions import db
from earlyhelp.forms import household_rows
from earlyhelp.models import Episode, Family, LevelOfNeed, NextStep, Transfer, User
from earlyhelp.next_steps.forms import NextStepForm, new_step_form, step_input
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.audit import Outcome, record_event
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.referrals import lead_practitioners
from earlyhelp.transfers import bp
from earlyhelp.transfers.forms import (
    ActionForm,
    FamilyDeclinedStepDownForm,
    HandoverPlanForm,
    StepDownForm,
    StepUpForm,
)
from earlyhelp.web import render_page, show_refusal

QUEUES = {
    "decide": "Requests to decide",
    "approve": "Awaiting my approval",
    "mine": "My requests",
    "handover": "Awaiting handover",
}
ACTION_LABELS = {
    TransferAction.SUBMIT: "Send for manager approval",
    TransferAction.APPROVE: "Approve and send",
    TransferAction.RETURN: "Return to the sender",
    TransferAction.ACCEPT: "Accept",
    TransferAction.DECLINE: "Decline",
    TransferAction.WITHDRAW: "Withdraw the request",
    TransferAction.COMPLETE_HANDOVER: "Mark handover complete",
}


def _transfer_or_404(transfer_id: int) -> Transfer:
    return db.session.get(Transfer, transfer_id) or abort(404)


def _episode_or_404(episode_id: int, service_code: str) -> Episode:
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.service.code != service_code:
        abort(404)
    return episode


def _levels():
    return db.session.scalars(select(LevelOfNeed).where(LevelOfNeed.active).order_by(LevelOfNeed.number)).all()


def _start(episode: Episode, direction: Direction, form_class):
    if not episode.is_open:
        flash("This involvement has ended, so no request can start from it.", "error")
        return redirect(url_for("families.show", family_id=episode.family_id))
    if not transfers.may_start_from(episode, current_user):
        abort(403)
    family = db.session.get(Family, episode.family_id)
    children = family.children
    to_code = transfers.SERVICE_FOR[direction][1]
    form = form_class()
    form.set_choices(_levels(), transfers.teams_of(to_code))
    owners = lead_practitioners()
    if direction is Direction.STEP_DOWN:
        form.proposed_lead.choices = [("", "Not yet known")] + [(str(u.id), u.name) for u in owners]
        for entry in form.outstanding.entries:
            entry.owner.choices = [("", "Select a person")] + [(str(u.id), u.name) for u in owners]
    rows, matched = household_rows(form.children, children, fresh=request.method == "GET")
    if request.method == "GET":
        form.submission_key.data = uuid.uuid4().hex
        record_event("view", "family", family.id, family_id=family.id)
        db.session.commit()
    if matched and form.validate_on_submit():
        outstanding = _outstanding(form) if direction is Direction.STEP_DOWN else []
        try:
            transfer = transfers.start(
                episode,
                direction=direction,
                submission_key=form.submission_key.data or uuid.uuid4().hex,
                fields=_fields(form, direction),
                children=[
                    transfers.ChildChoice(
                        person_id=child.id,
                        included=entry.included.data == "yes",
                        reason_not_included=entry.reason_not_included.data or "",
                        child_words=entry.child_words.data or "",
                    )
                    for child, entry in rows
                ],
                outstanding=outstanding,
                actor=current_user,
            )
            db.session.commit()
        except IntegrityError:
            # The same form posted twice at once: the other request created it.
            db.session.rollback()
            transfer = db.session.scalar(
                select(Transfer).where(Transfer.submission_key == form.submission_key.data)
            ) or abort(409)
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
        except TransitionRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("families.show", family_id=family.id))
        flash(f"{transfer.title} request saved as a draft. Send it for manager approval when it is ready.")
        return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return render_template(
        "transfers/new.html",
        form=form,
        family=family,
        episode=episode,
        direction=direction,
        rows=rows,
        household_changed=request.method == "POST" and not matched,
        declined_form=FamilyDeclinedStepDownForm(formdata=None) if direction is Direction.STEP_DOWN else None,
    )


def _outstanding(form: StepDownForm) -> list[NextStepInput]:
    """The step-down's outstanding tasks: the started rows, each already checked by the form."""
    return [
        NextStepInput(what=row.what.data, owner_kind="user", owner_user_id=int(row.owner.data), due_on=row.due_on.data)
        for row in form.outstanding.entries
        if not row.is_blank()
    ]


def _fields(form, direction: Direction) -> dict:
    fields = {
        "worries": form.worries.data.strip(),
        "level_id": int(form.level.data),
        "receiving_team_id": int(form.receiving_team.data),
        "family_told": form.family_told.data == "yes",
        "not_to_share": (form.not_to_share.data or "").strip(),
    }
    if direction is Direction.STEP_UP:
        fields |= {
            "what_has_changed": form.what_has_changed.data.strip(),
            "immediate_danger": form.immediate_danger.data == "yes",
            "family_agrees": form.family_agrees.data == "yes",
            "override_reason": (form.override_reason.data or "").strip() if form.family_agrees.data == "no" else "",
        }
    else:
        fields |= {
            "why_now": form.why_now.data.strip(),
            # Early help is voluntary: a step-down exists only because the family agreed.
            "family_agrees": True,
            "threshold_reviewed": True,
            "clear_outcomes": True,
            "outstanding_tasks_listed": True,
            "proposed_lead_id": int(form.proposed_lead.data) if form.proposed_lead.data else None,
        }
    return fields


@bp.route("/episodes/<int:episode_id>/step-up", methods=["GET", "POST"])
@roles("practitioner", "team_manager")
def new_step_up(episode_id: int):
    return _start(_episode_or_404(episode_id, "early_help"), Direction.STEP_UP, StepUpForm)


@bp.route("/episodes/<int:episode_id>/step-down", methods=["GET", "POST"])
@roles("social_worker", "team_manager")
def new_step_down(episode_id: int):
    return _start(_episode_or_404(episode_id, "social_care"), Direction.STEP_DOWN, StepDownForm)


@bp.post("/episodes/<int:episode_id>/step-down-refused")
@roles("social_worker", "team_manager")
def step_down_refused(episode_id: int):
    episode = _episode_or_404(episode_id, "social_care")
    if not transfers.may_start_from(episode, current_user):
        abort(403)
    form = FamilyDeclinedStepDownForm()
    if not form.validate_on_submit():
        family = db.session.get(Family, episode.family_id)
        step_form = StepDownForm(formdata=None)
        step_form.set_choices(_levels(), transfers.teams_of("early_help"))
        return render_template(
            "transfers/new.html",
            form=form,
            step_form=step_form,
            family=family,
            episode=episode,
            direction=Direction.STEP_DOWN,
            rows=[],
            declined_form=form,
            household_changed=False,
            declined_errors=True,
        )
    transfers.record_step_down_refused(episode, note=form.note.data, actor=current_user)
    db.session.commit()
    flash("Recorded: the family did not agree to early help. Social care keeps the case.")
    return redirect(url_for("families.show", family_id=episode.family_id))


def _show(transfer: Transfer, *, refused: str | None = None, forms: dict | None = None, status: int = 200):
    facts = transfers.facts_of(transfer)
    actor = transfers.actor_of(current_user)
    actions = [action for action in TransferAction if allowed(facts, action, actor)]
    forms = forms or {}
    for action in actions:
        if action not in forms:
            forms[action] = ActionForm(formdata=None, prefix=str(action))
    receiving_staff = db.session.scalars(
        select(User).where(User.team_id == transfer.receiving_team_id, User.active).order_by(User.name)
    ).all()
    for form in forms.values():
        form.lead.choices = [("", "Select the lead")] + [(str(u.id), u.name) for u in receiving_staff]
    plan = transfer.handover_plan
    family_steps = db.session.scalars(next_steps.for_family(transfer.family_id)).all()
    plan_steps = [step for step in family_steps if step.source_type == "handover_plan" and step.source_id == plan.id]
    tried = [step for step in family_steps if step not in plan_steps]
    can_authorise = (
        transfer.needs_override_authorisation
        and transfer.override_authorised_at is None
        and current_user.role.code == "team_manager"
        and current_user.team_id == transfer.sending_team_id
        and current_user.id != transfer.requested_by_id
        and transfer.state == TransferState.AWAITING_APPROVAL
    )
    return render_template(
        "transfers/show.html",
        transfer=transfer,
        plan=plan,
        actions=actions,
        forms=forms,
        labels=ACTION_LABELS,
        refused=refused,
        decision_clock=transfers.decision_clock(transfer),
        meeting_clock=transfers.meeting_clock(plan),
        responsible=responsible(TransferState(transfer.state)),
        plan_steps=plan_steps,
        tried=tried,
        can_authorise=can_authorise,
        today=clock.today(),
    ), status


@bp.get("/transfers/<int:transfer_id>")
@case_worker
def show(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    record_event("view", "transfer", transfer.id, family_id=transfer.family_id)
    db.session.commit()
    return _show(transfer)


def _act(transfer_id: int, action: TransferAction):
    transfer = _transfer_or_404(transfer_id)
    form = ActionForm(prefix=str(action))
    form.lead.choices = [("", "")] + [
        (str(u.id), u.name) for u in db.session.scalars(select(User).where(User.team_id == transfer.receiving_team_id))
    ]
    if form.validate_on_submit():
        lead = db.session.get(User, int(form.lead.data)) if (form.lead.data or "").isdigit() else None
        if lead is not None and (lead.team_id != transfer.receiving_team_id or not lead.active):
            lead = None
        try:
            transfers.act(
                transfer.id,
                action,
                actor=current_user,
                reason=form.reason.data or "",
                advice=form.advice.data or "",
                lead=lead,
            )
        except TransitionRefused as error:
            db.session.rollback()
            record_event(str(action), "transfer", transfer.id, family_id=transfer.family_id, outcome="refused")
            db.session.commit()
            return _show(_transfer_or_404(transfer_id), refused=str(error), forms={action: form})
        db.session.commit()
        flash(f"{transfer.title} request: {ACTION_LABELS[action].lower()}: done.")
        return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return _show(transfer, forms={action: form})


def _action_view(action: TransferAction):
    def view(transfer_id: int):
        return _act(transfer_id, action)

    view.__name__ = str(action)
    return case_worker(view)


for _action in TransferAction:
    bp.add_url_rule(
        f"/transfers/<int:transfer_id>/{_action.replace('_', '-')}",
        str(_action),
        _action_view(_action),
        methods=["POST"],
    )


@bp.post("/transfers/<int:transfer_id>/authorise-override")
@roles("team_manager")
def authorise_override(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    try:
        transfers.authorise_override(transfer, actor=current_user)
    except TransitionRefused as error:
        db.session.rollback()
        return _show(transfer, refused=str(error))
    db.session.commit()
    flash("Going ahead without the family's agreement is authorised. You can now approve the request.")
    return redirect(url_for("transfers.show", transfer_id=transfer.id))


def _check_plan_access(transfer: Transfer) -> None:
    if not transfers.may_work_on(transfer, current_user):
        record_event(
            "view", "handover_plan", transfer.handover_plan.id, family_id=transfer.family_id, outcome=Outcome.DENIED
        )
        db.session.commit()
        abort(403)


def _plan_form_defaults(plan) -> dict:
    return {name: getattr(plan, name) for name in transfers.HANDOVER_FIELDS} | {"version": plan.version}


@bp.route("/transfers/<int:transfer_id>/handover-plan", methods=["GET", "POST"])
@case_worker
def edit_plan(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    _check_plan_access(transfer)
    plan = transfer.handover_plan
    form = HandoverPlanForm(data=_plan_form_defaults(plan))
    stale = None
    if form.validate_on_submit():
        try:
            transfers.save_handover_plan(
                transfer,
                expected_version=form.version.data or 0,
                actor=current_user,
                changes={
                    name: form[name].data or ("" if name not in ("meeting_on",) else None)
                    for name in transfers.HANDOVER_FIELDS
                    if name not in ("family_attending", "meeting_held")
                }
                | {"family_attending": form.family_attending.data, "meeting_held": form.meeting_held.data},
            )
        except transfers.StaleEdit as error:
            db.session.rollback()
            stale = str(error)
            db.session.refresh(plan)
            # What they typed stays; saving again now, after reading the other changes, is deliberate.
            form.version.data, form.version.raw_data = plan.version, [str(plan.version)]
        except TransitionRefused as error:
            db.session.rollback()
            stale = str(error)
        else:
            db.session.commit()
            flash("Handover plan saved.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    elif request.method == "GET":
        record_event("view", "handover_plan", plan.id, family_id=transfer.family_id)
        db.session.commit()
    return _plan_page(transfer, plan_form=form, step_form=new_step_form(formdata=None), stale=stale)


def _plan_page(transfer: Transfer, *, plan_form: HandoverPlanForm, step_form: NextStepForm, stale: str | None = None):
    """The handover plan page. `form` (for the error summary) is whichever of its two forms was posted."""
    plan = transfer.handover_plan
    posted = step_form if step_form.errors else plan_form
    return render_template(
        "transfers/edit_plan.html",
        form=posted,
        plan_form=plan_form,
        step_form=step_form,
        transfer=transfer,
        plan=plan,
        stale=stale,
        steps=db.session.scalars(next_steps.for_source("handover_plan", plan.id)).all(),
        today=clock.today(),
    )


@bp.post("/transfers/<int:transfer_id>/next-steps")
@case_worker
def add_next_step(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    _check_plan_access(transfer)
    if transfers.plan_is_closed(transfer):
        flash(f"This request is {transfer.state.replace('_', ' ')}: its handover plan is closed.", "error")
        return redirect(url_for("transfers.show", transfer_id=transfer.id))
    form = new_step_form()
    if form.validate_on_submit():
        try:
            next_steps.add_next_step(
                transfer.family_id,
                step_input(form),
                source_type="handover_plan",
                source_id=transfer.handover_plan.id,
                actor=current_user,
                today=clock.today(),
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Next step added to the handover plan.")
            return redirect(url_for("transfers.edit_plan", transfer_id=transfer.id, _anchor="next-steps"))
    plan_form = HandoverPlanForm(formdata=None, data=_plan_form_defaults(transfer.handover_plan))
    return _plan_page(transfer, plan_form=plan_form, step_form=form)


@bp.get("/transfers")
@case_worker
def queues():
    name = request.args.get("queue", "decide")
    if name not in QUEUES:
        name = "decide"
    query = transfers.queue(name, current_user).options(selectinload(Transfer.family).selectinload(Family.members))
    page = db.paginate(query, per_page=25, error_out=False)
    clocks = {t.id: transfers.decision_clock(t) for t in page.items}
    counts = {key: db.paginate(transfers.queue(key, current_user), per_page=1, error_out=False).total for key in QUEUES}
    record_event("list", "transfer")
    db.session.commit()
    return render_page(
        "transfers/queues.html",
        "transfers/_queue.html",
        queue=name,
        queues=QUEUES,
        page=page,
        clocks=clocks,
        counts=counts,
    )


@bp.get("/transfers/<int:transfer_id>/handover-summary.pdf")
@case_worker
def handover_summary(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    steps = db.session.scalars(next_steps.for_source("handover_plan", transfer.handover_plan.id)).all()
    pdf = render_pdf(
        "pdf/handover_summary.html",
        transfer=transfer,
        plan=transfer.handover_plan,
        steps=steps,
        today=clock.today(),
    )
    record_event("print", "transfer", transfer.id, family_id=transfer.family_id)
    db.session.commit()
    return pdf_response(pdf, f"handover-summary-{transfer.family.reference}.pdf")


@bp.get("/transfers/<int:transfer_id>/family-letter.pdf")
@case_worker
def family_letter(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    if transfer.state not in (TransferState.ACCEPTED, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE):
        flash("The letter to the family can be printed once the receiving team has decided.", "error")
        return redirect(url_for("transfers.show", transfer_id=transfer.id))
    steps = db.session.scalars(
        select(NextStep).where(
            NextStep.source_type == "handover_plan",
            NextStep.source_id == transfer.handover_plan.id,
            NextStep.family_facing,
        )
    ).all()
    pdf = render_pdf(
        "pdf/what_happens_next.html",
        transfer=transfer,
        plan=transfer.handover_plan,
        steps=steps,
        today=clock.today(),
    )
    record_event("print", "transfer", transfer.id, family_id=transfer.family_id)
    db.session.commit()
    return pdf_response(pdf, f"what-happens-next-{transfer.family.reference}.pdf")
