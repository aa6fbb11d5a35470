"""The front door: record a clear referral, decide it within a working day, tell the referrer."""

from datetime import date, datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.access import case_worker, front_door
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.forms import household_rows, parse_time
from earlyhelp.models import Agency, DecisionOutcome, Family, LevelOfNeed, Referral, ReferralStatus, Role, User
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.referrals import bp
from earlyhelp.referrals.forms import (
    DecideReferralForm,
    QueueFilterForm,
    RateClarityForm,
    RecordFeedbackForm,
    RecordReferralForm,
)
from earlyhelp.services import referrals as service
from earlyhelp.services.audit import record_event
from earlyhelp.web import render_page, show_refusal

QUEUE_PAGE_SIZE = 25


def _referral_or_404(referral_id: int) -> Referral:
    return db.session.get(Referral, referral_id) or abort(404)


def _active(model, order):
    return db.session.scalars(select(model).where(model.active).order_by(order)).all()


def _moment(day: date, typed_time: str) -> datetime:
    return clock.at_london(day, parse_time(typed_time))


def _today() -> date:
    return clock.local_date(clock.now())


@bp.get("")
@front_door
def queue():
    filters = QueueFilterForm(request.args)
    agencies = _active(Agency, Agency.name)
    levels = _active(LevelOfNeed, LevelOfNeed.number)
    filters.agency.choices = [("", "All agencies")] + [(str(a.id), a.name) for a in agencies]
    filters.level.choices = [("", "All levels")] + [(str(level.id), level.label) for level in levels]
    status = (
        filters.status.data if filters.status.data in {ReferralStatus.DECIDED} else ReferralStatus.AWAITING_DECISION
    )
    filters.status.data = status
    agency_id = int(filters.agency.data) if (filters.agency.data or "").isdigit() else None
    level_id = int(filters.level.data) if (filters.level.data or "").isdigit() else None
    query = service.queue(status=status, agency_id=agency_id, level_id=level_id).options(
        selectinload(Referral.family).selectinload(Family.members)
    )
    page = db.paginate(query, per_page=QUEUE_PAGE_SIZE, error_out=False)
    today = _today()
    clocks = {referral.id: service.decision_clock(referral, today=today) for referral in page.items}
    record_event("list", "referral")
    db.session.commit()
    return render_page(
        "referrals/queue.html",
        "referrals/_queue.html",
        filters=filters,
        page=page,
        clocks=clocks,
        query_args={k: v for k, v in request.args.items() if k != "page" and v},
    )


@bp.route("/new", methods=["GET", "POST"])
@front_door
def new():
    family_id = request.args.get("family_id", type=int)
    family = db.session.get(Family, family_id) if family_id else None
    if family is None:
        abort(404)
    children = family.children
    form = RecordReferralForm()
    form.set_choices(_active(Agency, Agency.name), _active(LevelOfNeed, LevelOfNeed.number))
    # One row per child in the household, always: the page never lets a brother or sister drop off.
    rows, matched = household_rows(form.children, children, fresh=request.method == "GET")
    if request.method == "GET":
        now = clock.local(clock.now())
        form.received_on.data, form.received_time.data = now.date(), now.strftime("%H:%M")
        record_event("view", "family", family.id, family_id=family.id)
        db.session.commit()
    if matched and form.validate_on_submit():
        received_at = _moment(form.received_on.data, form.received_time.data)
        if received_at > clock.now():
            form.received_time.errors.append("Time received must be now or in the past")
        else:
            referral = service.record_referral(
                family,
                fields={
                    "received_at": received_at,
                    "agency_id": int(form.agency.data),
                    "referrer_name": form.referrer_name.data.strip(),
                    "referrer_role": (form.referrer_role.data or "").strip(),
                    "referrer_phone": (form.referrer_phone.data or "").strip(),
                    "referrer_email": (form.referrer_email.data or "").strip(),
                    "level_id": int(form.level.data),
                    "worries": form.worries.data.strip(),
                    "what_has_been_tried": form.what_has_been_tried.data.strip(),
                    "if_nothing_changes": form.if_nothing_changes.data.strip(),
                    "immediate_danger": form.immediate_danger.data == "yes",
                    "family_knows": form.family_knows.data,
                    "family_agrees": form.family_agrees.data,
                    "family_agreement_note": (form.family_agreement_note.data or "").strip(),
                },
                children=[
                    service.ChildInput(
                        person_id=child.id,
                        included=entry.included.data == "yes",
                        impact=entry.impact.data or "",
                        reason_not_included=entry.reason_not_included.data or "",
                    )
                    for child, entry in rows
                ],
                actor=current_user,
            )
            db.session.commit()
            flash(f"Referral recorded. {referral.decision_due_explanation}.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    levels = _active(LevelOfNeed, LevelOfNeed.number)
    return render_template(
        "referrals/new.html",
        form=form,
        family=family,
        rows=rows,
        household_changed=request.method == "POST" and not matched,
        level_items=[{"hint": {"text": level.descriptor}} for level in levels],
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
    )


def _show(referral: Referral, *, form=None, clarity_form=None, feedback_form=None, status=200):
    clarity_form = clarity_form or RateClarityForm(
        formdata=None, data={"clarity": referral.clarity, "clarity_note": referral.clarity_note}
    )
    feedback_form = feedback_form or RecordFeedbackForm(formdata=None, data={"fed_back_on": _today()})
    return render_template(
        "referrals/show.html",
        referral=referral,
        clock=service.decision_clock(referral),
        form=form,
        clarity_form=clarity_form,
        feedback_form=feedback_form,
        advice=current_app.config["IMMEDIATE_DANGER_ADVICE"],
        can_act=current_user.role.code in ("front_door", "team_manager"),
        feedback_methods=service.FEEDBACK_METHODS,
        clarity_choices=service.CLARITY_CHOICES,
    ), status


@bp.get("/<int:referral_id>")
@case_worker
def show(referral_id: int):
    referral = _referral_or_404(referral_id)
    record_event("view", "referral", referral.id, family_id=referral.family_id)
    db.session.commit()
    return _show(referral)


@bp.post("/<int:referral_id>/clarity")
@front_door
def rate_clarity(referral_id: int):
    referral = _referral_or_404(referral_id)
    form = RateClarityForm()
    if not form.validate_on_submit():
        return _show(referral, form=form, clarity_form=form)
    service.rate_clarity(referral, clarity=form.clarity.data, note=form.clarity_note.data or "", actor=current_user)
    db.session.commit()
    flash("Rating saved. It counts towards this agency's referral quality.")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.post("/<int:referral_id>/feedback")
@front_door
def record_feedback(referral_id: int):
    referral = _referral_or_404(referral_id)
    form = RecordFeedbackForm()
    if not referral.is_decided:
        flash("Record the decision before recording feedback to the referrer.", "error")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    if not form.validate_on_submit():
        return _show(referral, form=form, feedback_form=form)
    fed_back_at = clock.at_london(form.fed_back_on.data, clock.local(clock.now()).time())
    service.record_feedback(referral, method=form.method.data, at=fed_back_at, actor=current_user)
    db.session.commit()
    flash("Feedback to the referrer recorded.")
    return redirect(url_for("referrals.show", referral_id=referral.id))


def _users_with(role_code: str) -> list[User]:
    return db.session.scalars(
        select(User)
        .join(Role)
        .where(User.active, Role.code == role_code, User.team_id.is_not(None))
        .order_by(User.name)
    ).all()


@bp.route("/<int:referral_id>/decide", methods=["GET", "POST"])
@front_door
def decide(referral_id: int):
    referral = _referral_or_404(referral_id)
    if referral.is_decided and request.method == "GET":
        return redirect(url_for("referrals.show", referral_id=referral.id))
    outcomes = db.session.scalars(
        select(DecisionOutcome).where(DecisionOutcome.active).order_by(DecisionOutcome.sort_order)
    ).all()
    form = DecideReferralForm()
    form.set_choices(
        outcomes, _active(LevelOfNeed, LevelOfNeed.number), service.lead_practitioners(), _users_with("social_worker")
    )
    if request.method == "GET":
        now = clock.local(clock.now())
        form.decided_on.data, form.decided_time.data = now.date(), now.strftime("%H:%M")
        form.decided_level.data = str(referral.level_id)
        record_event("view", "referral", referral.id, family_id=referral.family_id)
        db.session.commit()
    if form.validate_on_submit():
        outcome = db.session.get(DecisionOutcome, int(form.outcome.data))
        lead_field = form.lead_practitioner if outcome.opens_service == "early_help" else form.social_worker
        lead = db.session.get(User, int(lead_field.data)) if lead_field.data else None
        try:
            service.decide_referral(
                referral.id,
                outcome=outcome,
                decided_level=db.session.get(LevelOfNeed, int(form.decided_level.data)),
                rationale=form.rationale.data,
                decided_at=_moment(form.decided_on.data, form.decided_time.data),
                late_reason=form.late_reason.data or "",
                lead=lead,
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Decision recorded: {outcome.name}. Now tell the referrer.")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    decision_clock = service.decision_clock(referral)
    return render_template(
        "referrals/decide.html",
        form=form,
        referral=referral,
        clock=decision_clock,
        ask_late_reason=decision_clock.state == "overdue"
        or bool(form.late_reason.data)
        or bool(form.late_reason.errors),
        level_descriptors={str(level.id): level.descriptor for level in _active(LevelOfNeed, LevelOfNeed.number)},
    )


@bp.get("/<int:referral_id>/feedback-letter.pdf")
@front_door
def feedback_letter(referral_id: int):
    referral = _referral_or_404(referral_id)
    if not referral.is_decided:
        flash("Record the decision before printing the feedback letter.", "error")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    pdf = render_pdf("pdf/referral_feedback.html", referral=referral, today=_today())
    record_event("print", "referral", referral.id, family_id=referral.family_id)
    db.session.commit()
    return pdf_response(pdf, f"referral-{referral.id}-feedback-letter.pdf")


@bp.get("/quality")
@front_door
def quality():
    months = 6
    since = clock.now() - timedelta(days=months * 31)
    ratings = service.agency_quality(since=since)
    month_keys = sorted({month for per_agency in ratings.values() for month in per_agency})
    record_event("report", "referral_quality")
    db.session.commit()
    return render_template(
        "referrals/quality.html", ratings=ratings, months=month_keys, clarity_choices=service.CLARITY_CHOICES
    )
