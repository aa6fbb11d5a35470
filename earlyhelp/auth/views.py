from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp.access import public, signed_in
from earlyhelp.auth import bp
from earlyhelp.auth.forms import ChangePasswordForm, SignInForm
from earlyhelp.extensions import db
from earlyhelp.services import accounts

ENDED_MESSAGES = {
    "inactive": "You were signed out because you had not done anything for a while. Sign in again to carry on.",
    "expired": "You were signed out because your session reached its time limit. Sign in again to carry on.",
    "account disabled": "Your account has been disabled. Ask your team manager or an administrator.",
    "password changed": "Your password was changed, so you were signed out here. Sign in with the new password.",
}


def _safe_next(target: str | None) -> str:
    """Only ever redirect within this site after sign-in."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        try:
            accounts.sign_in(form.email.data, form.password.data, source_address=request.remote_addr or "unknown")
        except accounts.SignInThrottled:
            problem = (
                "There have been too many failed attempts to sign in. Wait 15 minutes and try again, "
                "or ask an administrator to reset your password"
            )
        except accounts.SignInError:
            problem = "Enter a correct email address and password"
        else:
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(problem)
    ended = ENDED_MESSAGES.get(g.get("session_ended_reason"))
    return render_template("auth/sign_in.html", form=form, ended=ended)


@bp.post("/sign-out")
@signed_in
def sign_out():
    accounts.sign_out()
    db.session.commit()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if accounts.change_password(
            current_user, current_password=form.current_password.data, new_password=form.new_password.data
        ):
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("main.home"))
        form.current_password.errors.append("Your current password is not correct")
    return render_template("auth/change_password.html", form=form)
