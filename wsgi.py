"""WSGI entry point: `gunicorn wsgi:app`."""

from earlyhelp import create_app

app = create_app()
