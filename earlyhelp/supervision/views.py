"""Supervision: the manager's view of who is due, recording a supervision, and reading one back."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.access import case_worker, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Supervision, User
from earlyhelp.services import next_steps
from earlyhelp.services.audit import Outcome, record_event
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.supervision import SupervisionRefused, default_next_date, due_for_team, record_supervision
from earlyhelp.supervision import bp
from earlyhelp.supervision.forms import RecordSupervisionForm


@bp.get("")
@case_worker
def index():
    people, families = (
        due_for_team(current_user.team_id, clock.today()) if current_user.role.code == "team_manager" else ([], [])
    )
    records = db.session.scalars(
        select(Supervision)
        .where((Supervision.supervisor_id == current_user.id) | (Supervision.practitioner_id == current_user.id))
        .order_by(Supervision.held_on.desc(), Supervision.id.desc())
        .limit(20)
    ).all()
    record_event("list", "supervision")
    db.session.commit()
    return render_template(
        "supervision/index.html", people=people, families=families, records=records, today=clock.today()
    )


def _choices(form: RecordSupervisionForm) -> None:
    team = db.session.scalars(
        select(User).where(User.team_id == current_user.team_id, User.active).order_by(User.name)
    ).all()
    practitioners = [u for u in team if u.id != current_user.id]
    form.practitioner.choices = [("", "Select a practitioner")] + [(str(u.id), u.name) for u in practitioners]
    episodes = db.session.scalars(
        select(Episode).where(Episode.lead_id.in_([u.id for u in practitioners]), Episode.ended_on.is_(None))
    ).all()
    families = {
        f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_([e.family_id for e in episodes])))
    }
    form.family.choices = [
        ("", "Select a family"),
        *sorted(
            (
                (
                    str(e.family_id),
                    f"{families[e.family_id].reference} {families[e.family_id].name}, lead {e.lead.name}",
                )
                for e in episodes
            ),
            key=lambda choice: choice[1],
        ),
    ]
    owners = [("", "Select a person")] + [(str(u.id), u.name) for u in team]
    for row in form.steps.entries:
        row.owner_user.choices = owners


def _steps(form: RecordSupervisionForm) -> list[NextStepInput]:
    """The started next step rows, each already checked by the form."""
    return [
        NextStepInput(
            what=row.what.data,
            owner_kind="user",
            owner_user_id=int(row.owner_user.data),
            due_on=row.due_date(clock.today()),
        )
        for row in form.steps.entries
        if not row.is_blank()
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles("team_manager")
def new():
    form = RecordSupervisionForm()
    _choices(form)
    refused = None
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "case")
        form.practitioner.data = request.args.get("practitioner", "")
        form.family.data = request.args.get("family", "")
        form.held_on.data, form.next_supervision_on.data = clock.today(), default_next_date(clock.today())
    if request.method == "POST" and form.validate_on_submit():
        steps = _steps(form)
        family = db.session.get(Family, int(form.family.data)) if form.kind.data == "case" else None
        try:
            supervision = record_supervision(
                kind=form.kind.data,
                family=family,
                supervisor=current_user,
                practitioner=db.session.get(User, int(form.practitioner.data)),
                held_on=form.held_on.data,
                discussion=form.discussion.data,
                decisions=[(r.decision.data, r.rationale.data) for r in form.decisions.entries if not r.is_blank()],
                steps=steps,
                next_supervision_on=form.next_supervision_on.data or default_next_date(form.held_on.data),
                today=clock.today(),
            )
        except (SupervisionRefused, Refused) as error:
            db.session.rollback()
            refused = str(error)
        else:
            db.session.commit()
            flash(
                f"Supervision with {supervision.practitioner.name} recorded. Next supervision "
                f"{supervision.next_supervision_on:%-d %B %Y}."
            )
            return redirect(url_for("supervision.show", supervision_id=supervision.id))
    return render_template("supervision/new.html", form=form, refused=refused)


@bp.get("/<int:supervision_id>")
@case_worker
def show(supervision_id: int):
    supervision = db.session.get(Supervision, supervision_id) or abort(404)
    team_ids = {supervision.supervisor.team_id, supervision.practitioner.team_id}
    if current_user.id not in (supervision.supervisor_id, supervision.practitioner_id) and not (
        current_user.role.code == "team_manager" and current_user.team_id in team_ids
    ):
        record_event("view", "supervision", supervision.id, family_id=supervision.family_id, outcome=Outcome.DENIED)
        db.session.commit()
        abort(403)
    steps = db.session.scalars(next_steps.for_source("supervision", supervision.id)).all()
    record_event("view", "supervision", supervision.id, family_id=supervision.family_id)
    db.session.commit()
    return render_template("supervision/show.html", supervision=supervision, steps=steps, today=clock.today())
