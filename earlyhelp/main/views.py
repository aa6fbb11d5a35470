"""My work (the home page), notifications, and the health check."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text, update

from earlyhelp import clock
from earlyhelp.access import public, signed_in
from earlyhelp.extensions import db
from earlyhelp.main import bp
from earlyhelp.models import Episode, Family, Notification, Referral, ReferralStatus, User
from earlyhelp.services import next_steps, notifications, supervision, transfers
from earlyhelp.services.audit import record_event
from earlyhelp.web import render_page


def _whose_work(who: str) -> tuple[str, list[User]]:
    """Whose work to show: mine, one member of my team (managers), or my whole team (managers)."""
    if who in ("", "me") or current_user.role.code != "team_manager":
        return "me", [current_user]
    team = db.session.scalars(
        select(User).where(User.team_id == current_user.team_id, User.active).order_by(User.name)
    ).all()
    if who == "team":
        return "team", team
    member = next((u for u in team if str(u.id) == who), None)
    if member is None:
        abort(404)
    return who, [member]


def _each(people: list[User], rows_for) -> list:
    """Everyone's rows together, each record once, in the order first met."""
    seen = {}
    for person in people:
        for row in rows_for(person):
            seen.setdefault(row.id, row)
    return list(seen.values())


@bp.get("/")
@signed_in
def home():
    if current_user.role.code == "administrator":
        return render_template("main/admin_home.html")
    today = clock.today()
    who, people = _whose_work(request.args.get("who", "me"))
    ids = [p.id for p in people]
    context = {
        "who": who,
        "people": people,
        "team": _whose_work("team")[1] if current_user.role.code == "team_manager" else [],
        "work": next_steps.work_list(ids, today),
        "today": today,
        "episodes": db.session.scalars(
            select(Episode).where(Episode.lead_id.in_(ids), Episode.ended_on.is_(None)).order_by(Episode.started_on)
        ).all(),
        # Requests and supervisions for whoever's work is shown: a manager sees a member's, or the team's.
        "to_decide": _each(people, lambda p: db.session.scalars(transfers.queue("decide", p)).all()),
        "to_approve": _each(people, lambda p: db.session.scalars(transfers.queue("approve", p)).all()),
        "supervisions": _each(people, lambda p: supervision.due_for(p, today)),
    }
    families = db.session.scalars(select(Family).where(Family.id.in_([e.family_id for e in context["episodes"]])))
    context["families"] = {f.id: f for f in families}
    if current_user.role.code in ("front_door", "team_manager"):
        awaiting = select(func.count(Referral.id)).where(Referral.status == ReferralStatus.AWAITING_DECISION)
        context["referrals_waiting"] = db.session.scalar(awaiting)
        context["referrals_overdue"] = db.session.scalar(awaiting.where(Referral.decision_due_on < today))
    record_event("list", "my_work", who)
    db.session.commit()
    return render_page("main/home.html", "main/_my_work.html", **context)


@bp.get("/notifications")
@signed_in
def notifications_list():
    items = notifications.for_user(current_user)
    return render_template("main/notifications.html", items=items)


@bp.post("/notifications/read")
@signed_in
def mark_notifications_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.session.commit()
    return redirect(url_for("main.notifications_list"))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        current_app.logger.exception("health check: database did not answer")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
