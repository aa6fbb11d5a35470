"""The front door: record a clear referral, decide it within a working day, tell the referrer; put a referral
right before its decision (amend, withdraw, mark a duplicate); a team manager signs off the decisions that
need it."""

from datetime import date, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, front_door, record, roles
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.roles import RoleCode
from earlyhelp.extensions import db
from earlyhelp.forms import household_rows, parse_time
from earlyhelp.models import Family, Referral, ReferralStatus
from earlyhelp.policy import (
    Access,
    may_put_right_referral,
    may_sign_off,
    new_referral_record,
    put_right_record,
    referral_record,
    sign_off_record,
)
from earlyhelp.referrals import bp
from earlyhelp.referrals.forms import (
    AmendReferralForm,
    CorrectFeedbackForm,
    DecideReferralForm,
    MarkDuplicateForm,
    QueueFilterForm,
    RateClarityForm,
    RecordFeedbackForm,
    RecordReferralForm,
    SignOffForm,
    WithdrawReferralForm,
)
from earlyhelp.services import referrals as service
from earlyhelp.services.audit import record_read
from earlyhelp.versions import StaleEdit, keep_typed, new_submission_key
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
    recent = service.recent_referrals(family.id)
    form = RecordReferralForm()
    form.set_choices(service.active_agencies(), service.active_levels(), recent)
    # One row per child in the household, always: the page never lets a brother or sister drop off.
    rows, matched = household_rows(form.children, family.children, fresh=request.method == "GET")
    if request.method == "GET":
        form.received_on.data, form.received_time.data = _now_in_boxes()
        form.submission_key.data = new_submission_key()
        record_read("view", "family", family.id, family_id=family.id)
    if matched and form.validate_on_submit():
        try:
            referral = service.record_referral(
                family,
                fields=form.referral_fields(_moment(form.received_on.data, form.received_time.data)),
                children=form.child_inputs(rows),
                actor=current_user,
                late_recording_reason=form.late_recording_reason.data or "",
                linked_to=form.chosen_link(),
                submission_key=form.submission_key.data or None,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if referral.already_saved:  # the same form posted again (a double click, Back and save): one referral
                flash(f"This referral was already recorded by {referral.recorded_by.name}. Nothing was recorded twice.")
                return redirect(url_for("referrals.show", referral_id=referral.id))
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
        recent=recent,
        involvement=service.open_involvement(family.id),
        recent_days=current_app.config["DUPLICATE_REFERRAL_DAYS"],
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
        page=service.referral_page(referral),
        form=form,
        clarity_form=clarity_form,
        feedback_form=feedback_form,
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
        can_act=referral_record(current_user, referral, Access.CHANGE),
        can_put_right=referral.status == ReferralStatus.AWAITING_DECISION
        and may_put_right_referral(current_user, referral),
        can_sign_off=referral.is_pending_sign_off and may_sign_off(current_user, referral),
        feedback_methods=service.FEEDBACK_METHODS,
        family_agrees=service.FAMILY_AGREES,
        change_kinds=service.CHANGE_KINDS,
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
                told_on=form.fed_back_on.data,
                late_recording_reason=form.late_recording_reason.data or "",
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
    if referral.status != ReferralStatus.AWAITING_DECISION and request.method == "GET":
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
                late_recording_reason=form.late_recording_reason.data or "",
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if decided.is_pending_sign_off:
                flash(
                    f"Decision recorded: {decided.outcome.name}. It needs a team manager's sign-off before the"
                    " referrer is told."
                )
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
        sign_off_rules=service.sign_off_rules(),
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


def _back_to(referral: Referral):
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.route("/<int:referral_id>/amend", methods=["GET", "POST"])
@front_door
@record(Referral, "referral_id", put_right_record, reading=Access.CHANGE)
def amend(referral_id: int):
    """The same form as recording it, filled in with what it says now, and a reason for the change."""
    referral = get_or_404(Referral, referral_id)
    if referral.status != ReferralStatus.AWAITING_DECISION and request.method == "GET":
        return _back_to(referral)
    form = AmendReferralForm()
    form.set_choices(service.active_agencies(), service.active_levels())
    people = service.children_to_amend(referral)
    rows, matched = household_rows(form.children, people, fresh=request.method == "GET")
    if request.method == "GET":
        form.fill_from(referral, rows)
        form.loaded.data = service.referral_digests(referral)
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    if matched and form.validate_on_submit():
        fields = form.referral_fields(_moment(form.received_on.data, form.received_time.data))
        children = form.child_inputs(rows)
        try:
            service.amend_referral(
                referral.id,
                fields=fields,
                children=children,
                reason=form.reason.data,
                version=form.version.data or 0,
                late_recording_reason=form.late_recording_reason.data or "",
                loaded=form.loaded.data or None,
                actor=current_user,
            )
        except StaleEdit as refusal:
            # What they typed stays; every field and child's answer they did not change shows what it says now,
            # and the form moves on to the current version: saving again writes only their own changes.
            show_refusal(form, refusal)
            db.session.refresh(referral)
            keep_typed(
                form,
                current_version=refusal.current_version,
                current=refusal.current,
                typed=service.typed_by_person(referral, fields, children, form.loaded.data),
                fill=lambda name, _words: form.show_current(referral, rows, name),
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Referral changed. What it said before is kept in its history.")
            return _back_to(referral)
    return render_template(
        "referrals/amend.html",
        form=form,
        referral=referral,
        family=referral.family,
        rows=rows,
        joined_since={person.id for person in people} - {child.person_id for child in referral.children},
        household_changed=request.method == "POST" and not matched,
        level_items=[{"hint": {"text": level.descriptor}} for level in service.active_levels()],
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
    )


@bp.route("/<int:referral_id>/withdraw", methods=["GET", "POST"])
@front_door
@record(Referral, "referral_id", put_right_record, reading=Access.CHANGE)
def withdraw(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    if referral.status != ReferralStatus.AWAITING_DECISION and request.method == "GET":
        return _back_to(referral)
    form = WithdrawReferralForm()
    if request.method == "GET":
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    if form.validate_on_submit():
        try:
            service.withdraw_referral(referral.id, reason=form.reason.data, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Referral withdrawn. It has left the queue, and no letter is sent.")
            return _back_to(referral)
    return render_template("referrals/withdraw.html", form=form, referral=referral)


@bp.route("/<int:referral_id>/duplicate", methods=["GET", "POST"])
@front_door
@record(Referral, "referral_id", put_right_record, reading=Access.CHANGE)
def mark_duplicate(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    if referral.status != ReferralStatus.AWAITING_DECISION and request.method == "GET":
        return _back_to(referral)
    choices = service.duplicate_choices(referral)
    form = MarkDuplicateForm()
    form.set_choices(choices)
    if request.method == "GET":
        if referral.linked_to_id:
            form.original.data = str(referral.linked_to_id)
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    if form.validate_on_submit():
        try:
            service.mark_duplicate(
                referral.id, original=int(form.original.data), reason=form.reason.data, actor=current_user
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Marked as a duplicate. It has left the queue, and no letter is sent for it.")
            return _back_to(referral)
    return render_template("referrals/duplicate.html", form=form, referral=referral, choices=choices)


@bp.route("/<int:referral_id>/sign-off", methods=["GET", "POST"])
@roles(RoleCode.TEAM_MANAGER)
@record(Referral, "referral_id", sign_off_record, reading=Access.CHANGE)
def sign_off(referral_id: int):
    """A team manager of the front door agrees with a decision that needs sign-off, or sends it back."""
    referral = get_or_404(Referral, referral_id)
    if not referral.is_pending_sign_off and request.method == "GET":
        return _back_to(referral)
    form = SignOffForm()
    if request.method == "GET":
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    if form.validate_on_submit():
        agree = form.answer.data == "agree"
        try:
            signed = service.sign_off_decision(referral.id, agree=agree, reason=form.reason.data, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if agree:
                flash(f"Decision signed off: {signed.outcome.name}. The front door can now tell the referrer.")
            else:
                flash("Decision sent back to the front door with your note.")
            return _back_to(referral)
    return render_template(
        "referrals/sign_off.html",
        form=form,
        referral=referral,
        clock=service.decision_clock(referral),
        page=service.referral_page(referral),
    )


@bp.route("/<int:referral_id>/feedback/correct", methods=["GET", "POST"])
@front_door
@record(Referral, "referral_id", referral_record, reading=Access.CHANGE)
def correct_feedback(referral_id: int):
    """Put right the day or the way the referrer was told, keeping what it said before."""
    referral = get_or_404(Referral, referral_id)
    if referral.fed_back_on is None and request.method == "GET":
        return _back_to(referral)
    if request.method == "GET":
        form = CorrectFeedbackForm(
            formdata=None, data={"method": referral.feedback_method, "fed_back_on": referral.fed_back_on}
        )
        record_read("view", "referral", referral.id, family_id=referral.family_id)
    else:
        form = CorrectFeedbackForm()
    if form.validate_on_submit():
        try:
            service.correct_feedback(
                referral,
                method=form.method.data,
                told_on=form.fed_back_on.data,
                reason=form.reason.data,
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("Feedback corrected. What it said before is kept in the referral's history.")
            return _back_to(referral)
    return render_template(
        "referrals/correct_feedback.html",
        form=form,
        referral=referral,
        feedback_methods=service.FEEDBACK_METHODS,
    )
