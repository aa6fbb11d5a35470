"""What tests share: fresh databases, the app, a client that speaks endpoint names, and readers of pages.

Every test module imports from here; nothing here is a fixture (those are in tests/conftest.py).
"""

import os
import re
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import time_machine
from bs4 import BeautifulSoup
from flask import url_for
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from earlyhelp import clock, create_app
from earlyhelp.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@contextmanager
def fresh_database(label: str):
    """A new, empty database on the engine under test; dropped afterwards."""
    if TEST_DATABASE_URL:
        url = make_url(TEST_DATABASE_URL)
        name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix=f"earlyhelp-{label}-") as folder:
            yield f"sqlite:///{Path(folder) / 'test.db'}"


def make_app(database_url: str, **overrides):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    with app.app_context():
        upgrade()
    return app


@contextmanager
def app_on_fresh_database(label: str, **overrides):
    """An app of its own on a new database, for tests that need real commits, threads or processes."""
    with fresh_database(label) as url:
        app = make_app(url, **overrides)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def url(app, endpoint_or_path: str, **values) -> str:
    """A URL from an endpoint name ("families.show", family_id=3). A path ("/x") is taken as it is."""
    if endpoint_or_path.startswith("/"):
        return endpoint_or_path
    with app.test_request_context():
        return url_for(endpoint_or_path, **values)


class _FreshContextClient:
    """Each request gets its own app context (its own g and database session), as in production, even
    though the test itself holds one open for its factories and assertions."""

    def __init__(self, app):
        self.app = app
        self._client = app.test_client()

    def open(self, *args, **kwargs):
        with self.app.app_context():
            return self._client.open(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        return self.open(*args, method="POST", **kwargs)

    def session_transaction(self):
        return self._client.session_transaction()

    def __getattr__(self, name):
        return getattr(self._client, name)


# Keyword arguments the client passes to Werkzeug; every other keyword is a value for url_for.
_REQUEST_OPTIONS = {"headers", "follow_redirects", "query_string", "content_type", "environ_base", "json", "base_url"}


class TestClient:
    """The Flask test client as a person uses it: by endpoint name, signed in, with CSRF tokens, reading pages.

    `client.get("families.show", family_id=3)` or `client.page("families.show", family_id=3)`; a literal
    path ("/families/3000000000") is for the tests of hostile or hand-typed addresses.
    """

    __test__ = False

    def __init__(self, app):
        self.app = app
        self.http = _FreshContextClient(app)

    def url(self, endpoint_or_path: str, **values) -> str:
        return url(self.app, endpoint_or_path, **values)

    def _split(self, target, values):
        options = {key: values.pop(key) for key in list(values) if key in _REQUEST_OPTIONS}
        return self.url(target, **values), options

    def get(self, target: str, **values):
        address, options = self._split(target, values)
        return self.http.get(address, **options)

    def page(self, target: str, expected_status: int = 200, **values) -> BeautifulSoup:
        response = self.get(target, **values)
        assert response.status_code == expected_status, (response.status_code, response.headers.get("Location"))
        return BeautifulSoup(response.data, "html.parser")

    def csrf_token(self, target: str = "/") -> str:
        response = self.http.get(self.url(target))
        if response.status_code == 302:
            response = self.http.get(response.headers["Location"])
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text) or re.search(
            r'name="csrf_token" value="([^"]+)"', response.text
        )
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, target: str, data=None, csrf_from: str = "/", **values):
        address, options = self._split(target, values)
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(csrf_from))
        return self.http.post(address, data=data, **options)

    def sign_in(self, user, password=factories.PASSWORD):
        email = user if isinstance(user, str) else user.email
        response = self.post("auth.sign_in", {"email": email, "password": password}, csrf_from="auth.sign_in")
        assert response.status_code == 302, response.text
        return response

    def sign_out(self):
        return self.post("auth.sign_out")


@contextmanager
def counting_statements():
    """Counts the SQL statements run inside the block: `with counting_statements() as count: ...; count()`."""
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def statements_of(client, endpoint: str, *, warm_up: bool = True, **values) -> int:
    """How many SQL statements one GET of the page runs (its audit event included), asserting it answers 200.

    With `warm_up` the page is asked for once first, so nothing a first request does alone (a session's
    one-off work) is counted. The statement-count tests compare this with 5 rows and with 50.

    The clock stands still meanwhile: on a slow machine a minute could pass between the two requests, and the
    second would then also refresh the session's last_seen_at (once a minute), a count that depends on speed."""
    with time_machine.travel(clock.now(), tick=False):
        if warm_up:
            client.get(endpoint, **values)
        with counting_statements() as count:
            response = client.get(endpoint, **values)
    assert response.status_code == 200, response.status_code
    return count()


def text_of(soup: BeautifulSoup, selector: str) -> str:
    element = soup.select_one(selector)
    assert element is not None, f"nothing matches {selector}"
    return " ".join(element.get_text(" ").split())


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def steps_in_my_work(page: BeautifulSoup, prefix: str = "steps") -> int:
    """How many steps My work's lists count in their captions ("Overdue (23)"), `prefix` "steps" for the
    person's own and "family-steps" for families' and partners'. Each list shows only its first rows, soonest
    first (next_steps.WORK_LIST_ROWS): checked here."""
    from earlyhelp.services.next_steps import WORK_LIST_ROWS, Urgency

    total = 0
    for urgency in Urgency:
        table = page.select_one(f"#my-work table#{prefix}-{urgency}")
        if table is None:
            continue
        count = int(re.search(r"\((\d+)\)", table.caption.get_text()).group(1))
        assert len(table.select("tbody tr")) == min(count, WORK_LIST_ROWS), table.caption.get_text()
        total += count
    return total


def error_messages(soup: BeautifulSoup) -> list[str]:
    """The messages in the GOV.UK error summary, as a person reads them (linked or not)."""
    return [" ".join(item.get_text().split()) for item in soup.select(".govuk-error-summary__list li")]


def date_parts(day: date) -> list[str]:
    """A date as a person types it into the day, month and year boxes."""
    return [str(day.day), str(day.month), str(day.year)]


def date_in(page: BeautifulSoup, name: str) -> date | None:
    """The date a GOV.UK date input holds, however its boxes write it ("1" or "01")."""
    day, month, year = (field.get("value", "") for field in page.select(f"input[name={name}]"))
    return date(int(year), int(month), int(day)) if day and month and year else None


# How pages write dates: the app's own formatters, so a test never spells a date differently from the page.
short_date = clock.day
long_date = clock.long_day


def fresh(record):
    """The record as the database holds it now, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def pdf_text(data_or_response, *, layout: bool = True) -> str:
    """The text of a PDF, as pdftotext reads it."""
    data = getattr(data_or_response, "data", data_or_response)
    if hasattr(data_or_response, "mimetype"):
        assert data_or_response.mimetype == "application/pdf", data_or_response.status_code
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def supervision_form(robin, family, **overrides):
    """The new supervision record form as the page posts it: Robin's case, held today, every row blank."""
    data = {
        "kind": "case",
        "practitioner": str(robin.id),
        "family": str(family.id) if family else "",
        "held_on": date_parts(clock.today()),
        "discussion": "Attendance, and whether the plan is working.",
        "next_supervision_on": date_parts(clock.today() + timedelta(weeks=4)),
    }
    for index in range(2):
        data |= {f"decisions-{index}-decision": "", f"decisions-{index}-rationale": ""}
    for index in range(3):
        data |= {
            f"steps-{index}-what": "",
            f"steps-{index}-owner_user": "",
            f"steps-{index}-due_in": "",
            f"steps-{index}-due_on": ["", "", ""],
        }
    return data | overrides
