from flask import Blueprint

bp = Blueprint("auth", __name__)

from earlyhelp.auth import held, sso, views  # noqa: E402, F401
