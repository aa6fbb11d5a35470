from flask import Blueprint

bp = Blueprint("transfers", __name__)

from earlyhelp.transfers import decisions, handover, views  # noqa: E402, F401
