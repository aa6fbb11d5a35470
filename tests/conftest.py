"""Fixtures shared by every layer.

Tests run on real databases: a SQLite file by default, or the PostgreSQL database named by
TEST_DATABASE_URL. The schema comes from the migrations, as in production. Each test runs inside a
transaction that is rolled back afterwards, so the app's own commits become savepoints.
"""

import os
import re
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from earlyhelp import create_app
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


@pytest.fixture(scope="session")
def _app():
    with fresh_database("main") as url:
        app = make_app(url)
        yield app
        with app.app_context():
            db.engine.dispose()


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks its engine itself; in tests it must use the test's connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def app(_app):
    """The app, with everything a test writes rolled back when it ends."""
    with _app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
        )
        try:
            yield _app
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return TestClient(app)


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


class TestClient:
    """The Flask test client, plus signing in, CSRF tokens and parsed pages, as a person would use them."""

    __test__ = False

    def __init__(self, app):
        self.app = app
        self.http = _FreshContextClient(app)

    def get(self, url, **kwargs):
        return self.http.get(url, **kwargs)

    def page(self, url, expected_status=200, **kwargs) -> BeautifulSoup:
        response = self.http.get(url, **kwargs)
        assert response.status_code == expected_status, (response.status_code, response.headers.get("Location"))
        return BeautifulSoup(response.data, "html.parser")

    def csrf_token(self, url="/") -> str:
        response = self.http.get(url)
        if response.status_code == 302:
            response = self.http.get(response.headers["Location"])
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text) or re.search(
            r'name="csrf_token" value="([^"]+)"', response.text
        )
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, url, data=None, csrf_from="/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(csrf_from))
        return self.http.post(url, data=data, **kwargs)

    def sign_in(self, user, password=factories.PASSWORD):
        email = user if isinstance(user, str) else user.email
        response = self.post("/sign-in", {"email": email, "password": password}, csrf_from="/sign-in")
        assert response.status_code == 302, response.text
        return response

    def sign_out(self):
        return self.post("/sign-out")


@pytest.fixture
def make_user(app):
    return factories.make_user


def text_of(soup: BeautifulSoup, selector: str) -> str:
    element = soup.select_one(selector)
    assert element is not None, f"nothing matches {selector}"
    return " ".join(element.get_text(" ").split())


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def error_messages(soup: BeautifulSoup) -> list[str]:
    """The messages in the GOV.UK error summary, as a person reads them."""
    return [" ".join(a.get_text().split()) for a in soup.select(".govuk-error-summary__list a")]


PDF_CHECK_TEMPLATE = """{% extends "pdf/base.html" %}
{% block title %}Print check{% endblock %}
{% block reference %}REF-PRINT-CHECK{% endblock %}
{% block heading %}Print check{% endblock %}
{% block body %}<p>{{ text }}</p>
{% for n in range(paragraphs) %}<p>Paragraph {{ n }} of the print check.</p>{% endfor %}
{% endblock %}"""


@pytest.fixture(scope="session")
def pdf_app():
    """An app with one extra signed-in route that prints whatever text it is given through the PDF pipeline."""
    from flask import request
    from jinja2 import DictLoader

    from earlyhelp.access import signed_in
    from earlyhelp.pdf import pdf_response, render_pdf

    with fresh_database("pdf") as url:
        app = make_app(url)
        app.jinja_loader.loaders.append(DictLoader({"pdf/print_check.html": PDF_CHECK_TEMPLATE}))

        @signed_in
        def print_check():
            pdf = render_pdf(
                "pdf/print_check.html",
                text=request.args.get("text", ""),
                paragraphs=int(request.args.get("paragraphs", 1)),
                large_print="large" in request.args,
            )
            return pdf_response(pdf, "print-check.pdf")

        app.add_url_rule("/print-check.pdf", "print_check", print_check)
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def pdf_client(pdf_app):
    email = f"printer-{uuid.uuid4().hex[:6]}@test.example"
    with pdf_app.app_context():
        factories.make_user(email=email)
    client = TestClient(pdf_app)
    client.sign_in(email)
    return client
