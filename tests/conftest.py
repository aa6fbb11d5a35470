"""Fixtures shared by every layer. Helpers that are not fixtures live in tests/helpers.

Tests run on real databases: a SQLite file by default, or the PostgreSQL database named by
TEST_DATABASE_URL. The schema comes from the migrations, as in production. Each test runs inside a
transaction that is rolled back afterwards, so the app's own commits become savepoints.

The suite passes on any day. To prove it, EARLYHELP_TEST_DATE (an ISO date and time in London, such as
2027-08-27T17:30) moves the whole run to that moment, with the clock ticking on from there; .ci/run uses
it for the PostgreSQL pass. Tests that depend on the date freeze it themselves with time-machine.
"""

import os
import uuid
from datetime import datetime

import pytest
import time_machine
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from hypothesis import settings

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from tests import factories
from tests.helpers import TestClient, app_on_fresh_database

# The machine's speed is no part of a test: Hypothesis gets no deadline. On CI the examples are the same on every
# run (derandomize), so a red run can be repeated; elsewhere they vary from run to run, to find what is new.
settings.register_profile("earlyhelp", deadline=None, derandomize=os.environ.get("CI") == "true")
settings.load_profile("earlyhelp")

_travel = None


def pytest_configure(config):
    global _travel
    moment = os.environ.get("EARLYHELP_TEST_DATE")
    if moment:
        _travel = time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=LONDON), tick=True)
        _travel.start()


def pytest_unconfigure(config):
    if _travel is not None:
        _travel.stop()


# script/test runs the suite on every core (pytest-xdist, --dist loadscope): each module goes whole to one worker,
# so what a module builds once for all its tests (18 months of history, a benchmark tier, the outsider matrix's
# records) is built once. Tests that take minutes alone start first, so no core is left waiting for one at the end.
STARTED_FIRST = ("tests/test_transfer_workflow_stateful.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.startswith(STARTED_FIRST))


def pytest_report_header(config):
    moment = os.environ.get("EARLYHELP_TEST_DATE")
    return f"earlyhelp: the clock is moved to {moment} (Europe/London)" if moment else None


@pytest.fixture(scope="session")
def _app():
    with app_on_fresh_database("main") as app:
        yield app


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


@pytest.fixture
def make_user(app):
    return factories.make_user


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

    with app_on_fresh_database("pdf") as app:
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


@pytest.fixture
def pdf_client(pdf_app):
    email = f"printer-{uuid.uuid4().hex[:6]}@test.example"
    with pdf_app.app_context():
        factories.make_user(email=email)
    client = TestClient(pdf_app)
    client.sign_in(email)
    return client
