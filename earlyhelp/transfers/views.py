"""Step-up and step-down: starting a request and putting it right. Thin views over services.transfers."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp.access import record, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import Direction
from earlyhelp.forms import household_rows
from earlyhelp.models import Episode
from earlyhelp.policy import Access, RoleCode, episode_record
from earlyhelp.services import transfers
from earlyhelp.services.audit import record_read
from earlyhelp.transfers import bp
from earlyhelp.transfers.forms import FamilyDeclinedStepDownForm, StepDownForm, StepUpForm
from earlyhelp.web import get_or_404, show_refusal

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
