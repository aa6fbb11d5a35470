from flask import Blueprint

bp = Blueprint("next_steps", __name__)

from earlyhelp.next_steps import views  # noqa: E402, F401
