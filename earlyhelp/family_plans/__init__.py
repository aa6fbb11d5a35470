from flask import Blueprint

bp = Blueprint("family_plans", __name__)

from earlyhelp.family_plans import views  # noqa: E402, F401
