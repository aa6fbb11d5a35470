"""(being built)"""

from earlyhelp.looked import bp  # noqa: F401
