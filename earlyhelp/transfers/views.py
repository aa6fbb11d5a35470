"""Step-up and step-down: starting a request and putting it right. Thin views over services.transfers."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp.access import record, roles
from earlyhelp.domain import consent
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import Direction, TransferState
from earlyhelp.extensions import db
from earlyhelp.forms import household_rows
from earlyhelp.models import Episode, Transfer
from earlyhelp.policy import Access, RoleCode, episode_record, request_record
from earlyhelp.services import transfers
from earlyhelp.services.audit import record_read
from earlyhelp.transfers import bp
from earlyhelp.transfers.forms import (
    EditStepDownForm,
    EditStepUpForm,
    FamilyDeclinedStepDownForm,
    StepDownForm,
    StepUpForm,
)
from earlyhelp.versions import StaleEdit, keep_typed
from earlyhelp.web import get_or_404, show_refusal

FORMS = {Direction.STEP_UP: StepUpForm, Direction.STEP_DOWN: StepDownForm}
EDIT_FORMS = {Direction.STEP_UP: EditStepUpForm, Direction.STEP_DOWN: EditStepDownForm}
requests = transfers.requests  # starting and changing a request (services/transfers/requests.py)


def _episode_or_404(episode_id: int, direction: Direction) -> Episode:
    """The episode a request starts from (@record has checked who may start one)."""
    episode = get_or_404(Episode, episode_id)
    if episode.service.code != transfers.SERVICE_FOR[direction][0]:
        abort(404)
    return episode


def _set_choices(form, direction: Direction, family) -> None:
    levels, teams, people = transfers.start_choices(direction)
    form.set_choices(levels, teams, people, children=family.children)


# Starting a request


def _request_form(direction: Direction, family, **kwargs):
    form = FORMS[direction](**kwargs)
    _set_choices(form, direction, family)
    return form


def _new_page(
    episode,
    direction,
    *,
    request_form,
    rows,
    posted,
    declined_form=None,
    can_start=True,
    household_changed=False,
    open_request=None,
):
    """The new-request page. `posted` (for the error summary) is whichever of its forms was sent.
    `open_request`: the request already open for the episode, which the page links to instead of a form."""
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
        can_start=can_start and open_request is None,
        household_changed=household_changed,
        open_request=open_request,
    )


def _start(episode_id: int, direction: Direction):
    episode = _episode_or_404(episode_id, direction)
    form = _request_form(direction, episode.family)
    reading = request.method == "GET"
    # One row per child in the household, matched by person: a child added meanwhile is never missed.
    rows, matched = household_rows(form.children, episode.family.children, fresh=reading)
    if reading:
        record_read("view", "family", episode.family_id, family_id=episode.family_id)
        form.submission_key.data = uuid.uuid4().hex
        already = requests.open_request(episode)
        if already:
            return _new_page(episode, direction, request_form=form, rows=rows, posted=form, open_request=already)
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
                outcomes=form.proposed_outcomes() if direction is Direction.STEP_DOWN else [],
                actor=current_user,
            )
        except Refused as refusal:
            already = requests.open_request(episode)
            if already:  # another request was started meanwhile (another tab, or a colleague)
                return _new_page(episode, direction, request_form=form, rows=rows, posted=form, open_request=already)
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
    request_form = _request_form(Direction.STEP_DOWN, episode.family, formdata=None)
    request_form.submission_key.data = uuid.uuid4().hex
    rows, _ = household_rows(request_form.children, episode.family.children, fresh=True)
    return _new_page(
        episode, Direction.STEP_DOWN, request_form=request_form, rows=rows, posted=form, declined_form=form
    )


# Changing a request while it is a draft (new, or returned by a manager)


def _saved(transfer: Transfer) -> dict:
    """The request's saved answers, as its form holds them (fill() adds the children, checklist, outcomes)."""
    told = transfer.told_family == "yes"
    return {
        "what_has_changed": transfer.what_has_changed,
        "why_now": transfer.why_now,
        "worries": transfer.worries,
        "level": str(transfer.level_id),
        "receiving_team": str(transfer.receiving_team_id),
        "proposed_lead": str(transfer.proposed_lead_id or ""),
        "family_told": transfer.told_family,
        "told_on": transfer.told_on,
        "told_by": transfer.told_by,
        "family_agreement": transfer.family_agreement if told else None,
        "family_words": transfer.family_words,
        "override_reason": transfer.override_reason,
        "not_to_share": transfer.not_to_share,
    }


FORM_NAMES = {
    "level_id": "level",
    "receiving_team_id": "receiving_team",
    "proposed_lead_id": "proposed_lead",
    "told_family": "family_told",
}


def _show_saved(form, transfer: Transfer, rows, name: str) -> None:
    """After a stale refusal (versions.keep_typed): an answer the person did not change shows what is saved now,
    whether a plain answer, the checklist, a child's row or the outcomes."""
    saved = _saved(transfer)
    field_name = FORM_NAMES.get(name, name)
    if name.startswith("child:"):
        row = next((c for c in transfer.children if f"child:{c.person_id}" == name), None)
        entry = next((entry for child, entry in rows if f"child:{child.id}" == name), None)
        if row is not None and entry is not None:
            _put(entry.included, "yes" if row.included else "no")
            _put(entry.child_words, row.child_words)
            _put(entry.reason_not_included, row.reason_not_included)
    elif name == "outcomes":
        if "outcomes" in form._fields:
            form.fill_outcomes(transfer)
    elif field_name not in form._fields:
        return
    elif field_name in saved:
        _put(form[field_name], saved[field_name])
    elif name == "immediate_danger":
        _put(form[name], "yes" if transfer.immediate_danger else "no")
    elif name in consent.CHECKLIST:
        _put(form[name], {True: "yes", False: "no"}.get(getattr(transfer, name)))
    else:  # a checklist note
        _put(form[name], getattr(transfer, name))


def _put(field, value) -> None:
    field.data = value
    field.raw_data = None if field.type == "GovDateField" else [value or ""]


def _version(posted: str | None) -> int:
    """The version the form was loaded from (a forged one is simply not the current version)."""
    return int(posted) if (posted or "").isdigit() and len(posted) < 10 else 0


@bp.route("/transfers/<int:transfer_id>/edit", methods=["GET", "POST"])
@roles(RoleCode.PRACTITIONER, RoleCode.SOCIAL_WORKER, RoleCode.TEAM_MANAGER)
@record(Transfer, "transfer_id", request_record, reading=Access.CHANGE)
def edit(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id)
    direction = Direction(transfer.direction)
    family = transfer.from_episode.family
    reading = request.method == "GET"
    form_class = EDIT_FORMS[direction]
    form = form_class(formdata=None, data=_saved(transfer)) if reading else form_class()
    rows, matched = household_rows(form.children, family.children, fresh=reading)
    if reading:
        form.fill(transfer, rows)
        form.version.data = str(transfer.version)
        form.loaded.data = requests.request_digests(transfer)
        record_read("view", "transfer", transfer.id, family_id=transfer.family_id)
    _set_choices(form, direction, family)
    can_edit, stale = True, False
    try:
        requests.check_editable(transfer)
    except Refused as refusal:
        show_refusal(form, refusal)
        can_edit = False
    if can_edit and not reading and matched and form.validate_on_submit():
        fields = form.fields()
        children = [form.child_choice(child, entry) for child, entry in rows]
        outcomes = form.proposed_outcomes() if direction is Direction.STEP_DOWN else []
        try:
            requests.edit_request(
                transfer,
                expected_version=_version(form.version.data),
                fields=fields,
                children=children,
                outcomes=outcomes,
                actor=current_user,
                loaded=form.loaded.data or None,
            )
        except StaleEdit as refusal:  # what they typed stays; the rest shows what is saved now, at its version
            show_refusal(form, refusal)
            db.session.refresh(transfer)
            keep_typed(
                form,
                current_version=refusal.current_version,
                current=refusal.current,
                typed=requests.typed_by_person(transfer, fields, children, outcomes, form.loaded.data),
                fill=lambda name, _value: _show_saved(form, transfer, rows, name),
            )
            _set_choices(form, direction, family)  # refilled outcome rows need their choices
            stale = True
        except Refused as refusal:
            show_refusal(form, refusal)
            can_edit = transfer.state == TransferState.DRAFT  # sent by someone else in the meantime
        else:
            flash(f"{transfer.title} request changed. Send it for manager approval when it is ready.")
            return redirect(url_for("transfers.show", transfer_id=transfer.id))
    return render_template(
        "transfers/edit.html",
        form=form,
        request_form=form,
        transfer=transfer,
        family=family,
        episode=transfer.from_episode,
        direction=direction,
        rows=rows,
        can_edit=can_edit,
        typed=not reading,
        stale=stale,
        returned=requests.returned(transfer),
        household_changed=not reading and not matched,
    )
