from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from earlyhelp.access import public, signed_in
from earlyhelp.extensions import db
from earlyhelp.main import bp
from earlyhelp.models import Family


@bp.get("/")
@signed_in
def home():
    family_count = db.session.scalar(select(func.count(Family.id)))
    return render_template("main/home.html", user=current_user, family_count=family_count)


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
