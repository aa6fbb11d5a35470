from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from earlyhelp.access import record, roles
from earlyhelp.admin import bp
from earlyhelp.admin.forms import NO_TEAM, CreateUserForm, UpdateUserForm
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Role, Team, User
from earlyhelp.policy import RoleCode, account_record
from earlyhelp.services import accounts
from earlyhelp.services.audit import record_read
from earlyhelp.web import get_or_404, show_refusal


def _with_choices(form):
    form.set_choices(accounts.roles(), accounts.teams())
    return form


def _role_and_team(form) -> tuple[Role, Team | None]:
    """The form has checked both are among its choices."""
    role = db.session.get(Role, int(form.role.data))
    team = db.session.get(Team, int(form.team.data)) if form.team.data not in (None, NO_TEAM) else None
    return role, team


@bp.get("/users")
@roles(RoleCode.ADMINISTRATOR)
def users():
    record_read("list", "user")
    return render_template("admin/users.html", users=accounts.users())


@bp.route("/users/new", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
def new_user():
    form = _with_choices(CreateUserForm())
    if form.validate_on_submit():
        role, team = _role_and_team(form)
        try:
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=role,
                team=team,
                actor=current_user,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"{user.name} has been added.")
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
@record(User, "user_id", account_record)
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = _with_choices(
        UpdateUserForm(data={"role": str(user.role_id), "team": str(user.team_id or NO_TEAM), "active": user.active})
    )
    if form.validate_on_submit():
        role, team = _role_and_team(form)
        try:
            accounts.update_user(user, role=role, team=team, active=form.active.data, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Changes to {user.name} have been saved.")
            return redirect(url_for("admin.users"))
    else:
        record_read("view", "user", user.id)
    return render_template("admin/edit_user.html", form=form, user=user, is_self=user.id == current_user.id)
