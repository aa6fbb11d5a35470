from flask import Blueprint

bp = Blueprint("supervision", __name__)

from earlyhelp.supervision import views  # noqa: E402, F401
