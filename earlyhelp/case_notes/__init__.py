"""Case notes: what happened, written down, and the family's chronology."""

from flask import Blueprint

bp = Blueprint("case_notes", __name__)

from earlyhelp.case_notes import views  # noqa: E402,F401  (registers the routes)
