from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp.access import record, roles
from earlyhelp.admin import bp
from earlyhelp.admin.forms import (
    NO_TEAM,
    CreateUserForm,
    EndSessionsForm,
    RemoveSecondFactorForm,
    ResetPasswordForm,
    TeamContactForm,
    UpdateUserForm,
)
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.hostile import ID_MAX
from earlyhelp.models import Role, Team, User
from earlyhelp.policy import RoleCode, account_record
from earlyhelp.services import accounts, contact_details
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
    if not current_app.config["LOCAL_PASSWORDS"]:
        del form.password  # they sign in through single sign-on only
    if form.validate_on_submit():
        role, team = _role_and_team(form)
        try:
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data if "password" in form else None,
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
        UpdateUserForm(
            data={
                "role": str(user.role_id),
                "team": str(user.team_id or NO_TEAM),
                "active": user.active,
                "phone": user.phone,
            }
        )
    )
    if form.validate_on_submit():
        role, team = _role_and_team(form)
        try:
            contact_details.update_user(
                user, role=role, team=team, active=form.active.data, phone=form.phone.data or "", actor=current_user
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Changes to {user.name} have been saved.")
            return redirect(url_for("admin.users"))
    else:
        record_read("view", "user", user.id)
    return render_template(
        "admin/edit_user.html",
        form=form,
        user=user,
        is_self=user.id == current_user.id,
        open_sessions=accounts.open_sessions(user),
        local_passwords=current_app.config["LOCAL_PASSWORDS"],
    )


# Signing someone out everywhere, a temporary password, removing a second factor: each asks to be sure first.


def _confirm(template: str, user: User, form, action):
    """A page that asks to be sure, then does it: the action returns the message to flash."""
    if form.validate_on_submit():
        try:
            message = action()
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(message)
            return redirect(url_for("admin.edit_user", user_id=user.id))
    record_read("view", "user", user.id)  # the page shows their sessions and how they sign in
    return render_template(template, form=form, user=user, open_sessions=accounts.open_sessions(user))


@bp.route("/users/<int:user_id>/end-sessions", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
@record(User, "user_id", account_record)
def end_sessions(user_id: int):
    user = get_or_404(User, user_id)

    def action():
        ended = accounts.end_sessions_of(user, actor=current_user)
        return f"{user.name} has been signed out everywhere ({ended} {'session' if ended == 1 else 'sessions'} ended)."

    return _confirm("admin/end_sessions.html", user, EndSessionsForm(), action)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
@record(User, "user_id", account_record)
def reset_password(user_id: int):
    if not current_app.config["LOCAL_PASSWORDS"]:
        abort(404)
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()

    def action():
        accounts.reset_password(user, temporary_password=form.password.data, actor=current_user)
        return (
            f"{user.name}'s password has been reset and they have been signed out. Give them the temporary "
            "password: they must choose their own when they sign in with it."
        )

    return _confirm("admin/reset_password.html", user, form, action)


@bp.route("/users/<int:user_id>/second-factor", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
@record(User, "user_id", account_record)
def remove_second_factor(user_id: int):
    user = get_or_404(User, user_id)

    def action():
        accounts.remove_second_factor(user, actor=current_user)
        if current_app.config["REQUIRE_SECOND_FACTOR"]:
            return (
                f"{user.name}'s sign-in code has been removed. The next time they sign in, after their password, "
                "they will be asked to set up a new one on their phone before they can carry on."
            )
        return (
            f"{user.name}'s sign-in code has been removed. From now on they sign in with their password alone, "
            "until they set up a new one from the 'Sign-in code' link at the top of any page."
        )

    return _confirm("admin/remove_second_factor.html", user, RemoveSecondFactorForm(), action)


# Teams' contact details, printed on letters to families


def _team_forms(posted: Team | None = None, form: TeamContactForm | None = None) -> list[tuple[Team, TeamContactForm]]:
    """Every team with its own form; the one posted keeps what was typed and what was wrong."""
    return [
        (
            team,
            form
            if posted is not None and team.id == posted.id
            else TeamContactForm(
                formdata=None, prefix=f"team-{team.id}", data={"phone": team.phone, "email": team.email}
            ),
        )
        for team in accounts.teams()
    ]


@bp.route("/teams", methods=["GET", "POST"])
@roles(RoleCode.ADMINISTRATOR)
def teams():
    if request.method == "GET":
        record_read("list", "team")
        return render_template("admin/teams.html", teams=_team_forms(), form=None)
    team_id = request.form.get("team_id", type=int) or 0
    team = db.session.get(Team, team_id) if 0 < team_id <= ID_MAX else None
    if team is None:
        flash("That team no longer exists. Choose a team from the list.", "error")
        return redirect(url_for("admin.teams"))
    form = TeamContactForm(prefix=f"team-{team.id}")
    if form.validate_on_submit():
        try:
            contact_details.update_team_contact(
                team, phone=form.phone.data or "", email=form.email.data or "", actor=current_user
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Contact details of {team.name} saved.")
            return redirect(url_for("admin.teams", _anchor=f"team-{team.id}"))
    return render_template("admin/teams.html", teams=_team_forms(team, form), form=form)
