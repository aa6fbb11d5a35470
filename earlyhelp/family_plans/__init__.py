from flask import Blueprint

# Its commands are `flask jargon ...` (earlyhelp/family_plans/cli.py): the plain-language check's word list.
bp = Blueprint("family_plans", __name__, cli_group="jargon")

from earlyhelp.family_plans import cli, views  # noqa: E402, F401
