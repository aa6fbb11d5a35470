from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from earlyhelp.access import public, signed_in
from earlyhelp.auth import bp
from earlyhelp.auth.forms import ChangePasswordForm, SignInForm
from earlyhelp.domain.refusals import Refused
from earlyhelp.services import accounts
from earlyhelp.web import safe_next, show_refusal

ENDED_MESSAGES = {
    "inactive": "You were signed out because you had not done anything for a while. Sign in again to carry on.",
    "expired": "You were signed out because your session reached its time limit. Sign in again to carry on.",
    "account disabled": "Your account has been disabled. Ask your team manager or an administrator.",
    "password changed": "Your password was changed, so you were signed out here. Sign in with the new password.",
}


def hold(user_session) -> None:
    """Sign in, whichever way (password, single sign-on): a fresh cookie for a new session, so that nothing
    from before survives (session fixation)."""
    session.clear()
    session.permanent = True
    session[accounts.SESSION_KEY] = user_session.token


def _source_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user_session = accounts.sign_in(form.email.data, form.password.data, source_address=_source_address())
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            hold(user_session)
            return redirect(safe_next(request.args.get("next")))
    ended = ENDED_MESSAGES.get(g.get("session_ended_reason"))
    return render_template("auth/sign_in.html", form=form, ended=ended)


@bp.post("/sign-out")
@signed_in
def sign_out():
    accounts.sign_out(session.get(accounts.SESSION_KEY), actor=current_user)
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user_session = accounts.change_password(
                current_user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                source_address=_source_address(),
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            hold(user_session)
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
