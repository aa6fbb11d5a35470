from flask import Blueprint

bp = Blueprint("looked", __name__)

from earlyhelp.looked import views  # noqa: E402, F401
