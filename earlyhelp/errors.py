"""GOV.UK-styled error pages. None shows a stack trace; the 500 page does not touch the database.

No personal data in logs: an error is logged by its type and where it happened, never its message (which
can quote a form value or a row), SQL parameters are hidden (config SQLALCHEMY_ENGINE_OPTIONS), and the
access logs of werkzeug's server and gunicorn keep the path but drop the query string (a search is a name).
"""

import logging
import re
import traceback

from flask import Flask, flash, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from earlyhelp.extensions import db
from earlyhelp.pdf import RenderFailed, RenderTimeout

MESSAGES = {
    400: ("Sorry, there is a problem with that request", "The request could not be understood. Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, ask your team manager."),
    404: ("Page not found", "If you typed the web address, check it is correct. The record may have been removed."),
    405: ("Sorry, that action is not available here", "Go back and use the buttons and links on the page."),
    413: ("The file or form is too large", "Shorten what you entered and try again."),
}


def _page(status: int, heading: str, body: str):
    return render_template("errors/error.html", status=status, heading=heading, body=body), status


_QUERY = re.compile(r"\?[^\s\"]*")


def without_query(text: str) -> str:
    """A request line or URL with its query string taken out: "GET /families?search=Smith HTTP/1.1" ->
    "GET /families HTTP/1.1"."""
    return _QUERY.sub("", text) if isinstance(text, str) else text


class NoQueryStrings(logging.Filter):
    """On the access loggers: the path of each request, never its query string or the referring page's."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn.access: its atoms
            args = dict(record.args)
            for atom in ("r", "f", "{referer}i"):
                if atom in args:
                    args[atom] = without_query(args[atom])
            if "q" in args:
                args["q"] = ""
            record.args = args
        elif isinstance(record.args, tuple):  # werkzeug: '"%s" %s %s' % (request line, status, size)
            record.args = tuple(without_query(arg) for arg in record.args)
        record.msg = without_query(record.msg) if isinstance(record.msg, str) and "%" not in record.msg else record.msg
        return True


class NoResultRows(logging.Filter):
    """On SQLAlchemy's engine logger: at DEBUG it logs every row a query returns, which is the records
    themselves. The SQL is kept (its parameters are hidden by hide_parameters); the rows are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


def install_log_filters() -> None:
    for name, kind in (
        ("werkzeug", NoQueryStrings),
        ("gunicorn.access", NoQueryStrings),
        ("sqlalchemy.engine.Engine", NoResultRows),
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def log_error(app: Flask, error: BaseException, what: str) -> None:
    """The error's type and the frames it passed through, without its message or any value."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    causes = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(causes) < 5:
        causes.append(type(cause).__qualname__)
        cause = cause.__cause__ or cause.__context__
    app.logger.error(
        "%s: %s at %s %s (caused by: %s)\n%s",
        what,
        type(error).__qualname__,
        request.method,
        request.path,
        ", ".join(causes) or "nothing",
        frames,
    )


def init_app(app: Flask) -> None:
    install_log_filters()

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        app.logger.warning("CSRF check failed: %s", error.description)
        db.session.rollback()
        # What was typed is not lost when we can tell whose it is: the person signed in now (who signed in
        # again in another tab), or the one whose ended session the cookie still names.
        from earlyhelp.auth import held

        if held.something_typed():
            from flask_login import current_user

            if current_user.is_authenticated:
                flash(held.KEPT_WHEN_OUT_OF_DATE, "error")
                return held.redirect_to(held.hold_this_post(current_user))
            owner = held.ended_session_owner()
            if owner is not None:
                flash(held.KEPT_WHEN_SIGNED_OUT, "error")
                return held.redirect_to(url_for("auth.sign_in", next=held.hold_this_post(owner)))
        return _page(
            400,
            "Your page was out of date",
            "For your security, forms stop working when you sign out or your session ends. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(RenderTimeout)
    def render_timeout(_error):
        db.session.rollback()
        app.logger.warning("PDF render stopped: too slow")
        return _page(
            503,
            "The document took too long to print",
            "Nothing was lost. Try again in a minute; if it happens again, tell your service desk.",
        )

    @app.errorhandler(RenderFailed)
    def render_failed(error):
        db.session.rollback()
        app.logger.error("PDF render failed: %s", type(error).__qualname__)
        return _page(
            503,
            "The document could not be printed",
            "Nothing was lost. Try again in a minute; if it happens again, tell your service desk.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        db.session.rollback()
        heading, body = MESSAGES[error.code]
        response = _page(error.code, heading, body)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return error
        log_error(app, error, "Unhandled error")
        # Rendered without Flask's context processors (Flask-Login's loads the user from the database) and
        # without the signed-in layout: this page must work when the database is the thing that failed.
        page = app.jinja_env.get_template("errors/500.html").render(
            service_name=app.config["SERVICE_NAME"], council_name=app.config["COUNCIL_NAME"]
        )
        return page, 500
