"""Signing in (password, then a second factor when there is one), signing out, and a person's own password
and second factor. The services decide (earlyhelp/services/accounts.py); these views keep the cookie.

A pending sign-in (password checked, code not yet) lives in the Flask session for a few minutes and names
only the account: no session row exists, and nothing is signed in, until both factors have passed.
"""

from datetime import datetime

import segno
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import public, signed_in
from earlyhelp.auth import bp
from earlyhelp.auth.forms import ChangePasswordForm, SecondFactorForm, SetUpSecondFactorForm, SignInForm
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db, htmx
from earlyhelp.models import User
from earlyhelp.services import accounts
from earlyhelp.web import safe_next, show_refusal

ENDED_MESSAGES = {
    "inactive": "You were signed out because you had not done anything for a while. Sign in again to carry on.",
    "expired": "You were signed out because your session reached its time limit. Sign in again to carry on.",
    "account disabled": "Your account has been disabled. Ask your team manager or an administrator.",
    "password changed": "Your password was changed, so you were signed out here. Sign in with the new password.",
    "password reset": "An administrator reset your password, so you were signed out. Sign in with the temporary "
    "password they gave you.",
    "ended by an administrator": "An administrator signed you out on every device. Sign in again to carry on, "
    "or ask an administrator why.",
}
CHOSEN_AT_FIRST_SIGN_IN = (
    "Your password is set. From now on, sign in with your email address and this password. The temporary password "
    "no longer works."
)
CHANGED_LATER = (
    "Your password has been changed. If you were signed in on another computer or browser, you have been signed "
    "out there: sign in with the new password. You are still signed in here."
)
SIGN_IN_TOO_SLOW = "Your sign-in took too long to finish. Sign in again."
PENDING = "pending_sign_in"
CANCEL = "cancel_sign_in"  # the field "Cancel signing in" posts to the sign-in page
NEW_SECRET = "new_totp_secret"  # noqa: S105 (a session key)
BY_PASSWORD = "by_password"  # noqa: S105 (a session key)
NO_LOCAL_PASSWORDS = "This service does not use passwords. Sign in with your council account"
# What a person who must choose their own password may still reach.
OPEN_WHILE_CHANGING = {"auth.change_password", "auth.sign_out", "auth.sign_in", "static"}


def hold(user_session) -> None:
    """Sign in, whichever way (password, single sign-on): a fresh cookie for a new session, so that nothing
    from before survives (session fixation)."""
    session.clear()
    session.permanent = True
    session[accounts.SESSION_KEY] = user_session.token


def _source_address() -> str:
    return request.remote_addr or "unknown"


def _local_passwords() -> bool:
    return current_app.config["LOCAL_PASSWORDS"]


def choose_own_password_first():
    """Someone who signed in with a password an administrator set chooses their own before anything else.

    Registered in create_app after start_request: it loads the user, and a query before start_request would run
    a GET in a writing transaction (holding SQLite's write lock for the whole page)."""
    if request.endpoint in OPEN_WHILE_CHANGING or not session.get(BY_PASSWORD) or not _local_passwords():
        return None
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    target = url_for("auth.change_password")
    if htmx:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _signed_in_with_password(user: User, next_page: str | None):
    user_session = accounts.begin_session(user, source_address=_source_address())
    hold(user_session)
    session[BY_PASSWORD] = True
    return redirect(safe_next(next_page))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.method == "POST" and request.form.get(CANCEL):
        return _cancel_pending()
    if request.method == "GET" and session.get(PENDING):
        step = _pending_step()
        if step is not None:  # the password has passed: the same sign-in carries on at its code step
            return redirect(step)
        session.pop(PENDING, None)
        flash(SIGN_IN_TOO_SLOW, "error")
    form = SignInForm()
    if request.method == "POST" and not _local_passwords():
        form.form_errors.append(NO_LOCAL_PASSWORDS)
        return render_template("auth/sign_in.html", form=form, ended=None, local_passwords=False), 403
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(form.email.data, form.password.data, source_address=_source_address())
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if not accounts.needs_second_factor(user):
                return _signed_in_with_password(user, request.args.get("next"))
            session.clear()  # nothing from before survives, and nothing is signed in yet
            session[PENDING] = {"user_id": user.id, "at": clock.now().isoformat(), "next": request.args.get("next")}
            return redirect(url_for("auth.second_factor" if user.totp_secret else "auth.set_up_second_factor"))
    ended = ENDED_MESSAGES.get(g.get("session_ended_reason"))
    if request.args.get("signed_out") and not ended:
        ended = "You have signed out."
    return render_template("auth/sign_in.html", form=form, ended=ended, local_passwords=_local_passwords())


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or not accounts.pending_is_fresh(datetime.fromisoformat(pending["at"])):
        return None
    user = db.session.get(User, pending["user_id"])
    return user if user is not None and user.active else None


def _pending_step() -> str | None:
    """Where a sign-in whose password has passed carries on (entering or setting up the code), while it may."""
    user = _pending_user()
    if user is None:
        return None
    return url_for("auth.second_factor" if user.totp_secret else "auth.set_up_second_factor")


def _pending_expired():
    session.pop(PENDING, None)
    flash(SIGN_IN_TOO_SLOW, "error")
    return redirect(url_for("auth.sign_in"))


def _cancel_pending():
    """The code step's "Cancel signing in" (posted to the sign-in page, CSRF-checked like every post): nothing
    was signed in, so only the pending sign-in is forgotten."""
    session.pop(PENDING, None)
    flash("You have not been signed in. Sign in again to carry on.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor():
    user = _pending_user()
    if user is None or not user.totp_secret:
        return _pending_expired()
    form = SecondFactorForm()
    if form.validate_on_submit():
        refusal = accounts.record_second_factor_attempt(user, form.code.data, source_address=_source_address())
        if refusal is None:
            return _signed_in_with_password(user, session[PENDING].get("next"))
        show_refusal(form, Refused(refusal, field="code"))
    return render_template("auth/second_factor.html", form=form)


def _qr_code(user: User, secret: str) -> str:
    return segno.make(accounts.totp_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)


def _set_up(user: User, form: SetUpSecondFactorForm, secret: str, *, at_sign_in: bool):
    return render_template(
        "auth/set_up_second_factor.html",
        form=form,
        qr_code=_qr_code(user, secret),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        at_sign_in=at_sign_in,
    )


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
@public
def set_up_second_factor():
    """REQUIRE_SECOND_FACTOR: someone without one sets it up after their password, before any session."""
    user = _pending_user()
    if user is None:
        return _pending_expired()
    if user.totp_secret:
        return redirect(url_for("auth.second_factor"))
    pending = session[PENDING]
    secret = pending.get("secret") or accounts.new_totp_secret()
    session[PENDING] = {**pending, "secret": secret}
    form = SetUpSecondFactorForm()
    if form.validate_on_submit():
        try:
            accounts.set_up_second_factor(user, secret, form.code.data)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            return _signed_in_with_password(user, pending.get("next"))
    return _set_up(user, form, secret, at_sign_in=True)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@signed_in
def account_second_factor():
    if current_user.totp_secret:
        return render_template("auth/second_factor_on.html")
    secret = session.get(NEW_SECRET) or accounts.new_totp_secret()
    session[NEW_SECRET] = secret
    form = SetUpSecondFactorForm()
    if form.validate_on_submit():
        try:
            accounts.set_up_second_factor(current_user, secret, form.code.data)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            session.pop(NEW_SECRET, None)
            flash("Sign-in codes are on. Each time you sign in, after your password, enter the code your app shows.")
            return redirect(url_for("main.home"))
    return _set_up(current_user, form, secret, at_sign_in=False)


@bp.post("/sign-out")
@signed_in
def sign_out():
    accounts.sign_out(session.get(accounts.SESSION_KEY), actor=current_user)
    session.clear()
    # The browser drops this site's cookies, storage and cache: nothing of the session stays on a shared
    # computer. The message goes in the address, as the cookie that would carry a flash is cleared too.
    response = redirect(url_for("auth.sign_in", signed_out=1))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    if not _local_passwords():
        abort(404)
    form = ChangePasswordForm()
    first_password = current_user.must_change_password and session.get(BY_PASSWORD)
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
            session[BY_PASSWORD] = True
            flash(CHOSEN_AT_FIRST_SIGN_IN if first_password else CHANGED_LATER)
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form, must_change=first_password)
