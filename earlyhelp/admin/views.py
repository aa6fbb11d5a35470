from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from earlyhelp.access import roles
from earlyhelp.admin import bp
from earlyhelp.admin.forms import NO_TEAM, CreateUserForm, UpdateUserForm
from earlyhelp.extensions import db
from earlyhelp.models import Role, Team, User
from earlyhelp.services import accounts
from earlyhelp.services.audit import record_event


def _choices(form):
    all_roles = db.session.scalars(select(Role).order_by(Role.name)).all()
    all_teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    form.set_choices(all_roles, all_teams)


def _role_and_team(form):
    role = db.session.get(Role, int(form.role.data))
    team = db.session.get(Team, int(form.team.data)) if form.team.data not in (None, NO_TEAM) else None
    return role, team


@bp.get("/users")
@roles("administrator")
def users():
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    record_event("list", "user")
    db.session.commit()
    return render_template("admin/users.html", users=people)


@bp.route("/users/new", methods=["GET", "POST"])
@roles("administrator")
def new_user():
    form = CreateUserForm()
    _choices(form)
    if form.validate_on_submit():
        if User.by_email(form.email.data):
            form.email.errors.append("A user with this email address already exists")
        else:
            role, team = _role_and_team(form)
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=role,
                team=team,
                actor=current_user,
            )
            db.session.commit()
            flash(f"{user.name} has been added.")
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles("administrator")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UpdateUserForm(data={"role": str(user.role_id), "team": str(user.team_id or NO_TEAM), "active": user.active})
    _choices(form)
    if form.validate_on_submit():
        if user.id == current_user.id and not form.active.data:
            form.active.errors.append("You cannot disable your own account. Ask another administrator")
        else:
            role, team = _role_and_team(form)
            accounts.update_user(user, role=role, team=team, active=form.active.data, actor=current_user)
            db.session.commit()
            flash(f"Changes to {user.name} have been saved.")
            return redirect(url_for("admin.users"))
    else:
        record_event("view", "user", user.id)
        db.session.commit()
    return render_template("admin/edit_user.html", form=form, user=user)
