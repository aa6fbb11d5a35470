"""My work (the home page; a head of service's oversight home), notifications, and the health check."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from earlyhelp import clock
from earlyhelp.access import public, signed_in
from earlyhelp.extensions import db
from earlyhelp.main import bp
from earlyhelp.main.work import my_work, open_episodes_led_by, whose_words, whose_work
from earlyhelp.models.supervision import DUE_SOON_DAYS
from earlyhelp.policy import is_administrator, is_head_of_service
from earlyhelp.services import access_log, held_posts, next_steps, notifications, supervision
from earlyhelp.services.audit import record_read
from earlyhelp.services.next_steps import Urgency
from earlyhelp.web import page_number, render_page


@bp.get("/")
@signed_in
def home():
    kept = _kept_posts()
    if is_administrator(current_user):
        return render_template("main/admin_home.html", kept_posts=kept)
    if is_head_of_service(current_user):
        record_read("list", "break_glass")
        return render_template(
            "main/head_of_service_home.html",
            glass=access_log.recent_break_glass(current_user),
            glass_days=access_log.BREAK_GLASS_DAYS,
            restricted=access_log.restricted_families(current_user),
            kept_posts=kept,
        )
    today = clock.today()
    work = my_work(current_user, request.args.get("who", "me"), today)
    if work is None:
        abort(404)
    record_read("list", "my_work", work.who)
    return render_page(
        "main/home.html", "main/_my_work.html", my=work, today=today, kept_posts=kept, urgencies=list(Urgency)
    )


WHICH_STEPS = ("mine", "family")
WORK_FAMILIES_PER_PAGE = 50


def _whose_work_or_404():
    """Whose work a list of My work shows (as My work's own "Show the work of"), or 404 for someone with none."""
    if is_administrator(current_user) or is_head_of_service(current_user):
        abort(404)  # they have no work list
    chosen = whose_work(current_user, request.args.get("who", "me"))
    if chosen is None:
        abort(404)
    return chosen


@bp.get("/work/families")
@signed_in
def work_families():
    """Every open family whoever's work is shown leads, longest held first, 50 a page (My work shows the first)."""
    who, people, _team = _whose_work_or_404()
    families = db.paginate(
        open_episodes_led_by([person.id for person in people], current_user),
        page=page_number("page"),
        per_page=WORK_FAMILIES_PER_PAGE,
        error_out=False,
    )
    record_read("list", "my_work", who)
    return render_page(
        "main/work_families.html",
        "main/_work_families.html",
        families=families,
        who=who,
        whose=whose_words(who, people),
        args={"who": who},
    )


@bp.get("/work/supervision")
@signed_in
def work_supervision():
    """Every supervision due within a week or overdue for whoever's work is shown, soonest first (My work shows
    the first few): a team's is bounded by its practitioners and the families they lead."""
    who, people, _team = _whose_work_or_404()
    today = clock.today()
    dues = supervision.due_for(people, today, viewer=current_user)
    record_read("list", "my_work", who)
    return render_template(
        "main/work_supervision.html",
        dues=dues,
        who=who,
        whose=whose_words(who, people),
        due_by=today + timedelta(days=DUE_SOON_DAYS),
    )


@bp.get("/work/next-steps")
@signed_in
def work_steps():
    """Every step of one of My work's lists, 50 a page (My work shows the first few of each): whoever's work
    is shown (a manager's team member's, or their whole team's), their own steps or their families' and
    partners'."""
    who, people, _team = _whose_work_or_404()
    which = request.args.get("steps", "mine")
    try:
        urgency = Urgency(request.args.get("list", Urgency.OVERDUE.value))
    except ValueError:
        abort(404)
    if which not in WHICH_STEPS:
        abort(404)
    today = clock.today()
    steps = next_steps.work_page(
        [person.id for person in people],
        urgency,
        today,
        viewer=current_user,
        family_and_partner=which == "family",
        page=page_number("page"),
    )
    record_read("list", "my_work", who)
    return render_page(
        "main/work_steps.html",
        "main/_work_steps.html",
        steps=steps,
        urgency=urgency,
        which=which,
        who=who,
        whose=whose_words(who, people),
        today=today,
        args={"list": urgency.value, "steps": which, "who": who},
    )


def _kept_posts() -> list[held_posts.KeptPost]:
    """What this person typed before a session ended and has not yet put back or thrown away: their own
    only, whoever's work a manager is looking at."""
    return [held_posts.describe(held, current_user) for held in held_posts.waiting_for(current_user)]


@bp.get("/notifications")
@signed_in
def notifications_list():
    items = notifications.page_for(current_user, page=page_number())
    record_read("list", "notification")
    return render_page("main/notifications.html", "main/_notifications.html", items=items)


@bp.post("/notifications/read")
@signed_in
def mark_notifications_read():
    marked = notifications.mark_all_read(current_user)
    if marked:
        flash(f"{marked} notification{'' if marked == 1 else 's'} marked as read.")
    return redirect(url_for("main.notifications_list"))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"; the session is removed after
        current_app.logger.exception("health check: database did not answer")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
