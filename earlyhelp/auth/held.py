"""Ending a session kindly: "stay signed in" from the timeout warning, and what someone typed when their
session ended, kept and offered back after they sign in again (earlyhelp/services/held_posts.py)."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from earlyhelp.access import signed_in
from earlyhelp.auth import bp
from earlyhelp.extensions import htmx
from earlyhelp.services import accounts, held_posts
from earlyhelp.services.audit import Outcome, record_read
from earlyhelp.web import safe_next

KEPT_WHEN_SIGNED_OUT = (
    "You were signed out before your changes were saved. What you typed has been kept: sign in again to get it back."
)
KEPT_WHEN_OUT_OF_DATE = (
    "Your page was out of date (you may have signed in again in another tab), so nothing was saved. "
    "What you typed has been kept: check it and save it again."
)


def hold_this_post(user) -> str:
    """Keep the fields of the post being refused, for `user`; the address of the page that offers it back."""
    path = request.full_path.rstrip("?")
    fields = [(name, value) for name, value in request.form.items(multi=True)]
    held = held_posts.hold_post(user, path=path, fields=fields)
    return url_for("auth.kept", token=held.token)


def something_typed() -> bool:
    """A post with something worth keeping: not a sign-out button, which posts only its CSRF token."""
    return request.method == "POST" and any(
        held_posts.is_kept(name) and value.strip() for name, value in request.form.items(multi=True)
    )


def ended_session_owner():
    """Whose post this is when the session it came with has ended, or None (a GET, no cookie, a disabled
    account, nothing typed)."""
    if not something_typed():
        return None
    return held_posts.owner_of_ended_session(session.get(accounts.SESSION_KEY))


def redirect_to(target: str):
    """A redirect that works for a plain form post and an htmx one (HX-Redirect)."""
    if htmx:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


NOT_SHOWN = ("submit", "version", "submission_key")


def readable(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What was typed, as a person reads it: a date's three boxes as one date, and without the choices
    posted as record ids or the form's own workings (those are sent again all the same)."""
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value.strip())
    shown = []
    for name, values in grouped.items():
        values = [value for value in values if value]
        if not values or name in NOT_SHOWN or name.endswith(("_version", "_key")):
            continue
        if len(values) == 3 and all(value.isdigit() for value in values):
            text = "/".join(values)
        elif all(value.isdigit() for value in values):
            continue
        else:
            text = ", ".join(values)
        shown.append((name.replace("_", " ").replace("-", " ").capitalize(), text))
    return shown


def _the_kept_post(token: str):
    """Only for the person it was kept for, while it is kept: anyone else (or a token tried) is Not found,
    and audited as denied."""
    held = held_posts.held_for(token, current_user)
    if held is None:
        record_read("open", "held_post", outcome=Outcome.DENIED)
        abort(404)
    return held


@bp.post("/session/keep-alive")
@signed_in
def keep_alive():
    """ "Stay signed in" in the timeout warning: the session's idle time starts again."""
    if not accounts.keep_alive(session.get(accounts.SESSION_KEY)):
        abort(403)
    return "", 204


@bp.get("/kept/<token>")
@signed_in
def kept(token: str):
    """What was kept, said plainly (which form, which family, when save was pressed), and two choices: put
    it back in the form to check and save, or throw it away. A form with no page of its own (a button on
    a record's page) is sent again instead, and checked there like any other save."""
    held = _the_kept_post(token)
    record_read("open", "held_post", held.id)
    fields = held_posts.fields_of(held)
    shown = readable(fields)
    kept_post = held_posts.describe(held, current_user)
    return render_template("auth/held.html", held=held, kept=kept_post, fields=fields, shown=shown)


@bp.post("/kept/<token>/put-back")
@signed_in
def put_back_kept(token: str):
    """The form's page asks for what was kept (static/js/put-back.js) and puts it in the form, to check and
    save: from then on it is in the form, so it is not offered again."""
    held = _the_kept_post(token)
    fields = held_posts.fields_of(held)
    held_posts.take_post(held, actor=current_user, put_back=True)
    return {"path": held.path, "fields": fields}


@bp.post("/kept/<token>")
@signed_in
def send_kept(token: str):
    """Post it again, to where it was going: a 307 keeps the method and the fields (with this page's fresh
    CSRF token), so the save is checked there like any other, and a newer change is refused as usual."""
    held = _the_kept_post(token)
    target = safe_next(held.path)
    held_posts.take_post(held, actor=current_user)
    return redirect(target, code=307)


@bp.post("/kept/<token>/discard")
@signed_in
def discard_kept(token: str):
    held = _the_kept_post(token)
    held_posts.take_post(held, actor=current_user, discarded=True)
    flash("What you typed before you were signed out has been thrown away.")
    return redirect(url_for("main.home"))
