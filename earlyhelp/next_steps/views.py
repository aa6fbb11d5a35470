"""Completing, rescheduling and closing next steps, in place with htmx or as plain pages."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepStatus
from earlyhelp.next_steps import bp
from earlyhelp.next_steps.forms import CloseForm, RescheduleForm
from earlyhelp.services import next_steps
from earlyhelp.services.audit import record_event
from earlyhelp.web import wants_fragment


def _step_or_404(step_id: int) -> NextStep:
    return db.session.get(NextStep, step_id) or abort(404)


def _back() -> str:
    """Where to return after a plain (no JavaScript) post: the page it came from, on this site only."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("main.home")


def _row(step: NextStep, message: str | None = None):
    return render_template("next_steps/_row.html", step=step, today=clock.today(), message=message, back=_back())


@bp.post("/next-steps/<int:step_id>/done")
@case_worker
def done(step_id: int):
    step = _step_or_404(step_id)
    try:
        next_steps.complete(step, actor=current_user, on=clock.today())
    except Refused as refused:
        db.session.rollback()
        message, category = str(refused), "error"
    else:
        db.session.commit()
        message, category = f"Marked done: {step.what}", "message"
    if wants_fragment():
        return _row(step, message)
    flash(message, category)
    return redirect(_back())


def _form_page(template: str, step: NextStep, form, history=None):
    context = {"step": step, "form": form, "back": _back(), "history": history or [], "today": clock.today()}
    return render_template(template if not wants_fragment() else template.replace("/", "/_", 1), **context)


def _change(step: NextStep, form, template: str, apply, message):
    """A change made through a form: refused with its message on the field, or saved and shown in place."""
    if form.validate_on_submit():
        try:
            apply()
        except Refused as refused:
            db.session.rollback()
            getattr(form, refused.field, form.reason).errors.append(str(refused))
        else:
            db.session.commit()
            if wants_fragment():
                return _row(step, message())
            flash(message())
            return redirect(_back())
    elif request.method == "GET":
        record_event("view", "next_step", step.id, family_id=step.family_id)
        db.session.commit()
    return _form_page(template, step, form, next_steps.history(step))


@bp.route("/next-steps/<int:step_id>/reschedule", methods=["GET", "POST"])
@case_worker
def reschedule(step_id: int):
    step = _step_or_404(step_id)
    form = RescheduleForm()
    return _change(
        step,
        form,
        "next_steps/reschedule.html",
        lambda: next_steps.reschedule(
            step, due_on=form.due_on.data, reason=form.reason.data, actor=current_user, today=clock.today()
        ),
        lambda: f"New date {step.due_on:%-d %B %Y}: {step.what}",
    )


@bp.route("/next-steps/<int:step_id>/close", methods=["GET", "POST"])
@case_worker
def close(step_id: int):
    step = _step_or_404(step_id)
    form = CloseForm()
    return _change(
        step,
        form,
        "next_steps/close.html",
        lambda: next_steps.close_undone(
            step, NextStepStatus(form.status.data), reason=form.reason.data or "", actor=current_user, on=clock.today()
        ),
        lambda: f"Closed: {step.what}",
    )
