from flask import Blueprint

bp = Blueprint("referrals", __name__)

from earlyhelp.referrals import views  # noqa: E402, F401
