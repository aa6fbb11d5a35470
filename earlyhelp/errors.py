"""GOV.UK-styled error pages. None shows a stack trace; the 500 page does not touch the database."""

from flask import Flask, render_template
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


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        app.logger.warning("CSRF check failed: %s", error.description)
        db.session.rollback()
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
        app.logger.error("PDF render failed: %s", str(error)[:500])
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
        app.logger.exception("Unhandled error")
        # Rendered without Flask's context processors (Flask-Login's loads the user from the database) and
        # without the signed-in layout: this page must work when the database is the thing that failed.
        page = app.jinja_env.get_template("errors/500.html").render(
            service_name=app.config["SERVICE_NAME"], council_name=app.config["COUNCIL_NAME"]
        )
        return page, 500
