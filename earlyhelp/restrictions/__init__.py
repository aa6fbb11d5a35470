from flask import Blueprint

bp = Blueprint("restrictions", __name__)

from earlyhelp.restrictions import views  # noqa: E402, F401
