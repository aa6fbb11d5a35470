"""Supervision: the manager's view of who is due, recording a supervision, and reading one back."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Family, Supervision, User
from earlyhelp.policy import RoleCode, is_team_manager, supervision_record
from earlyhelp.services import next_steps, supervision
from earlyhelp.services.audit import record_read
from earlyhelp.supervision import bp
from earlyhelp.supervision.forms import RecordSupervisionForm
from earlyhelp.web import get_or_404, page_number, render_page, show_refusal


@bp.get("")
@case_worker
def index():
    today = clock.today()
    manager = is_team_manager(current_user)
    people, families = supervision.due_for_team(current_user, today) if manager else ([], [])
    records = supervision.records_for(current_user, page=page_number())
    record_read("list", "supervision")
    return render_page(
        "supervision/index.html",
        "supervision/_records.html",
        people=people,
        families=families,
        records=records,
        today=today,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(RoleCode.TEAM_MANAGER)
def new():
    form = RecordSupervisionForm()
    team, episodes = supervision.team_and_families(current_user)
    form.set_choices(team=team, episodes=episodes, supervisor=current_user)
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "case")
        form.practitioner.data = request.args.get("practitioner", "")
        form.family.data = request.args.get("family", "")
        form.held_on.data = clock.today()
        form.next_supervision_on.data = supervision.default_next_date(clock.today())
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            record = supervision.record_supervision(
                kind=form.kind.data,
                family=db.session.get(Family, int(form.family.data)) if form.kind.data == "case" else None,
                supervisor=current_user,
                practitioner=db.session.get(User, int(form.practitioner.data)),
                held_on=form.held_on.data,
                discussion=form.discussion.data,
                decisions=form.decision_pairs(),
                steps=form.step_inputs(clock.today()),
                next_supervision_on=form.next_supervision_on.data,
                today=clock.today(),
                late_reason=form.late_recording_reason.data or "",
                submission_key=form.submission_key.data or uuid.uuid4().hex,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if record.already_saved:
                flash("This supervision was already saved", "error")
                return redirect(url_for("supervision.show", supervision_id=record.id))
            flash(
                f"Supervision with {record.practitioner.name} recorded. "
                f"Next supervision {clock.long_day(record.next_supervision_on)}."
            )
            return redirect(url_for("supervision.show", supervision_id=record.id))
    return render_template("supervision/new.html", form=form)


@bp.get("/<int:supervision_id>")
@case_worker
@record(Supervision, "supervision_id", supervision_record)
def show(supervision_id: int):
    record = get_or_404(Supervision, supervision_id)
    today = clock.today()
    steps = db.session.scalars(next_steps.for_source("supervision", record.id)).all()
    person_due, case_due = supervision.due_for_record(record, today)
    record_read("view", "supervision", record.id, family_id=record.family_id)
    return render_template(
        "supervision/show.html",
        supervision=record,
        steps=steps,
        history=supervision.actions_history(steps),
        person_due=person_due,
        case_due=case_due,
        today=today,
    )
