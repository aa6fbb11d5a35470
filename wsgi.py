"""WSGI entry point: `gunicorn -c python:wsgi wsgi:app` (or plain `gunicorn wsgi:app`).

Read as gunicorn's config (`-c python:wsgi`), the settings below log each request's path without its
query string (a family search is a name) and without the referring page. Without `-c`, earlyhelp.errors
filters the gunicorn.access logger to the same effect.
"""

from earlyhelp import create_app

# gunicorn: %(U)s is the path alone; %(r)s (the request line) and %(f)s (the referer) would carry queries.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'

app = create_app()
