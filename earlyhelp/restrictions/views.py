"""(being built)"""

from earlyhelp.restrictions import bp  # noqa: F401
