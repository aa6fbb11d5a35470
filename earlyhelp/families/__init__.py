from flask import Blueprint

bp = Blueprint("families", __name__)

from earlyhelp.families import views  # noqa: E402, F401
