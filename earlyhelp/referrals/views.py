"""The front door: record a clear referral, decide it within a working day, tell the referrer."""

from datetime import date, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, front_door, record
from earlyhelp.domain.refusals import Refused
from earlyhelp.forms import household_rows, parse_time
from earlyhelp.models import Family, Referral
from earlyhelp.policy import Access, new_referral_record, referral_record
from earlyhelp.referrals import bp
from earlyhelp.referrals.forms import (
    DecideReferralForm,
    QueueFilterForm,
    RateClarityForm,
    RecordFeedbackForm,
    RecordReferralForm,
)
from earlyhelp.services import referrals as service
from earlyhelp.services.audit import record_read
from earlyhelp.web import get_or_404, page_number, print_letter, render_page, show_refusal


def _moment(day: date, typed_time: str) -> datetime:
    return clock.at_london(day, parse_time(typed_time))


def _now_in_boxes() -> tuple[date, str]:
    """This London moment as the date and time boxes of a form show it: a day, and '14:05'."""
    now = clock.local(clock.now())
    return now.date(), now.time().isoformat("minutes")


@bp.get("")
@front_door
def queue():
    filters = QueueFilterForm(request.args)
    filters.set_choices(service.active_agencies(), service.active_levels())
    page, clocks = service.queue_page(current_user, **filters.criteria(), page=page_number())
    record_read("list", "referral")
    return render_page(
        "referrals/queue.html",
        "referrals/_queue.html",
        filters=filters,
        page=page,
        clocks=clocks,
        query_args={key: value for key, value in request.args.items() if key != "page" and value},
    )


@bp.route("/new", methods=["GET", "POST"])
@front_door
@record(Family, "family_id", new_referral_record)
def new():
    family = get_or_404(Family, request.args.get("family_id", 0, type=int))
    form = RecordReferralForm()
    form.set_choices(service.active_agencies(), service.active_levels())
    # One row per child in the household, always: the page never lets a brother or sister drop off.
    rows, matched = household_rows(form.children, family.children, fresh=request.method == "GET")
    if request.method == "GET":
        form.received_on.data, form.received_time.data = _now_in_boxes()
        record_read("view", "family", family.id, family_id=family.id)
    if matched and form.validate_on_submit():
        try:
            referral = service.record_referral(
                family,
                fields=form.referral_fields(_moment(form.received_on.data, form.received_time.data)),
                children=form.child_inputs(rows),
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Referral recorded. {referral.decision_due_explanation}.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return render_template(
        "referrals/new.html",
        form=form,
        family=family,
        rows=rows,
        household_changed=request.method == "POST" and not matched,
        level_items=[{"hint": {"text": level.descriptor}} for level in service.active_levels()],
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
    )


def _show(referral: Referral, *, form=None, clarity_form=None, feedback_form=None):
    """The referral page; `form` is the form just posted, whose errors the layout's summary shows."""
    clarity_form = clarity_form or RateClarityForm(
        formdata=None, data={"clarity": referral.clarity, "clarity_note": referral.clarity_note}
    )
    feedback_form = feedback_form or RecordFeedbackForm(formdata=None, data={"fed_back_on": clock.today()})
    return render_template(
        "referrals/show.html",
        referral=referral,
        clock=service.decision_clock(referral),
        form=form,
        clarity_form=clarity_form,
        feedback_form=feedback_form,
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
        can_act=referral_record(current_user, referral, Access.CHANGE),
        feedback_methods=service.FEEDBACK_METHODS,
        family_agrees=service.FAMILY_AGREES,
    )


@bp.get("/<int:referral_id>")
@case_worker
@record(Referral, "referral_id", referral_record)
def show(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    record_read("view", "referral", referral.id, family_id=referral.family_id)
    return _show(referral)


@bp.post("/<int:referral_id>/clarity")
@front_door
@record(Referral, "referral_id", referral_record)
def rate_clarity(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    form = RateClarityForm()
    if form.validate_on_submit():
        try:
            service.rate_clarity(
                referral, clarity=form.clarity.data, note=form.clarity_note.data or "", actor=current_user
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Rating saved. It counts towards this agency's referral quality.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return _show(referral, form=form, clarity_form=form)


@bp.post("/<int:referral_id>/feedback")
@front_door
@record(Referral, "referral_id", referral_record)
def record_feedback(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    form = RecordFeedbackForm()
    if form.validate_on_submit():
        try:
            service.record_feedback(
                referral,
                method=form.method.data,
                at=clock.at_london(form.fed_back_on.data, clock.local(clock.now()).time()),
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Feedback to the referrer recorded.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return _show(referral, form=form, feedback_form=form)


@bp.route("/<int:referral_id>/decide", methods=["GET", "POST"])
@front_door
@record(Referral, "referral_id", referral_record, reading=Access.CHANGE)
def decide(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    if referral.is_decided and request.method == "GET":
        return redirect(url_for("referrals.show", referral_id=referral.id))
    levels = service.active_levels()
    form = DecideReferralForm()
    form.set_choices(service.active_outcomes(), levels, service.lead_practitioners(), service.social_workers())
    if request.method == "GET":
        form.decided_on.data, form.decided_time.data = _now_in_boxes()
        form.decided_level.data = str(referral.level_id)
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    if form.validate_on_submit():
        try:
            decided = service.decide_referral(
                referral.id,
                outcome=int(form.outcome.data),
                decided_level=int(form.decided_level.data),
                rationale=form.rationale.data,
                decided_at=_moment(form.decided_on.data, form.decided_time.data),
                late_reason=form.late_reason.data or "",
                lead=form.chosen_lead(),
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Decision recorded: {decided.outcome.name}. Now tell the referrer.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    decision_clock = service.decision_clock(referral)
    return render_template(
        "referrals/decide.html",
        form=form,
        referral=referral,
        clock=decision_clock,
        ask_late_reason=decision_clock.state == "overdue" or bool(form.late_reason.data or form.late_reason.errors),
        level_descriptors={str(level.id): level.descriptor for level in levels},
    )


@bp.get("/<int:referral_id>/feedback-letter.pdf")
@front_door
@record(Referral, "referral_id", referral_record)
def feedback_letter(referral_id: int):
    referral = get_or_404(Referral, referral_id)

    def refused(refusal):
        form = RecordFeedbackForm(formdata=None)
        show_refusal(form, refusal)
        return _show(referral, form=form)

    return print_letter(
        lambda: service.feedback_letter(referral),
        "pdf/referral_feedback.html",
        record_type="referral",
        record_id=referral.id,
        family_id=referral.family_id,
        filename=f"referral-{referral.id}-feedback-letter.pdf",
        refused=refused,
    )


@bp.get("/quality")
@front_door
def quality():
    ratings, months = service.quality_report(current_user)
    record_read("report", "referral_quality")
    return render_template(
        "referrals/quality.html", ratings=ratings, months=months, clarity_choices=service.CLARITY_CHOICES
    )
