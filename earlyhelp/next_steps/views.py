"""Completing, rescheduling and closing next steps, in place with htmx or as plain pages.

Each row action returns to the page it came from (`next`, checked by earlyhelp.web.safe_next) after a
plain post, or swaps the step's row (next_steps/_row.html, in the `layout` it was shown in: My work's, or a
family's table of steps) for an htmx one.
"""

from flask import flash, redirect, render_template, request
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused
from earlyhelp.models import NextStep, NextStepStatus
from earlyhelp.next_steps import bp
from earlyhelp.next_steps.forms import CloseForm, DoneForm, RescheduleForm
from earlyhelp.policy import Access, may_change_next_step, next_step_record
from earlyhelp.services import next_steps
from earlyhelp.services.audit import record_read
from earlyhelp.web import get_or_404, render_page, safe_next, show_refusal, wants_fragment


def _back() -> str:
    """Where to return after a plain (no JavaScript) post: the page it came from, on this site only."""
    return safe_next(request.values.get("next"))


def _done_row(step: NextStep, message: str):
    """After a change: back to the page it came from, or, for htmx, the step's row saying what was done."""
    if wants_fragment():
        return render_template("next_steps/_row.html", step=step, message=message, **_context())
    flash(message)
    return redirect(_back())


LAYOUTS = ("work", "table")


def _context() -> dict:
    layout = request.values.get("layout")
    return {"back": _back(), "today": clock.today(), "layout": layout if layout in LAYOUTS else "work"}


@bp.app_template_global("may_change_step")
def may_change_step(step: NextStep) -> bool:
    """Whether the person signed in may mark this step done, change its date or close it (the policy's
    rule: its owner, or the family's lead and their team, a family member's or a partner's step included)."""
    return may_change_next_step(current_user, step)


def _act(step: NextStep, form, change, message, page: str, partial: str):
    """Run one change to a step from its form: back to where it came from, or the page again saying why not.

    `change()` calls the one service; `message()` says what was done, read after the change.
    """
    if form.validate_on_submit():
        try:
            change()
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            return _done_row(step, message())
    elif request.method == "GET":
        record_read("view", "next_step", step.id, family_id=step.family_id)
    return render_page(page, partial, step=step, form=form, history=next_steps.history(step), **_context())


@bp.post("/next-steps/<int:step_id>/done")
@case_worker
@record(NextStep, "step_id", next_step_record)
def done(step_id: int):
    step = get_or_404(NextStep, step_id)
    return _act(
        step,
        DoneForm(),
        lambda: next_steps.complete(step, actor=current_user, on=clock.today()),
        lambda: f"Marked done: {step.what}",
        "next_steps/done.html",
        "next_steps/_row.html",
    )


@bp.route("/next-steps/<int:step_id>/reschedule", methods=["GET", "POST"])
@case_worker
@record(NextStep, "step_id", next_step_record, reading=Access.CHANGE)
def reschedule(step_id: int):
    step = get_or_404(NextStep, step_id)
    form = RescheduleForm()
    return _act(
        step,
        form,
        lambda: next_steps.reschedule(
            step, due_on=form.due_on.data, reason=form.reason.data, actor=current_user, today=clock.today()
        ),
        lambda: f"New date {clock.long_day(step.due_on)}: {step.what}",
        "next_steps/reschedule.html",
        "next_steps/_reschedule.html",
    )


@bp.route("/next-steps/<int:step_id>/close", methods=["GET", "POST"])
@case_worker
@record(NextStep, "step_id", next_step_record, reading=Access.CHANGE)
def close(step_id: int):
    step = get_or_404(NextStep, step_id)
    form = CloseForm()
    return _act(
        step,
        form,
        lambda: next_steps.close_undone(
            step,
            NextStepStatus(form.status.data),
            reason=form.reason.data or "",
            actor=current_user,
            on=clock.today(),
        ),
        lambda: f"Closed: {step.what}",
        "next_steps/close.html",
        "next_steps/_close.html",
    )
