"""Reads do not lock, and no document prints inside a transaction: while one person's document is printing,
however long it takes, everyone else can sign in, read and save, and the health check answers.

The printing here never finishes on its own (tests.pdf_checks.never_finish): the test stops it once the
other requests have been answered, so nothing depends on how fast the machine is.
"""

import os
import signal
import sqlite3
import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, FamilyPlan
from earlyhelp.services import family_plans
from tests.factories import make_episode, make_household, make_user
from tests.factories_family_plans import CLEAR
from tests.helpers import TEST_DATABASE_URL, TestClient, app_on_fresh_database, text_of
from tests.pdf_checks import NEVER_FINISHING_RENDERER, RENDER_STARTED, render_started

# Long enough never to be reached: the test stops the render itself.
NEVER = 600


class InBackground(threading.Thread):
    """A request made on a thread of its own; `response` once it is answered."""

    def __init__(self, request):
        super().__init__(daemon=True)
        self.request, self.response, self.error = request, None, None

    def run(self):
        try:
            self.response = self.request()
        except BaseException as error:  # reported by the test
            self.error = error


@pytest.fixture
def render_signal(tmp_path, monkeypatch):
    """Where the never-finishing renderer says it has started; renderer processes inherit the environment."""
    path = tmp_path / "render-started"
    monkeypatch.setenv(RENDER_STARTED, str(path))
    return path


@pytest.fixture
def own_app():
    with app_on_fresh_database("reads", PDF_RENDERER=NEVER_FINISHING_RENDERER, PDF_TIMEOUT_SECONDS=NEVER) as app:
        yield app


def a_lead_with_a_draft(**text):
    lead = make_user("practitioner", team_name="Early help team")
    family = make_household(children=1)
    make_episode(family, lead=lead)
    plan = family_plans.start_draft(family, actor=lead, today=clock.today())
    family_plans.save_draft(plan, changes=text, child_words={}, actor=lead)
    return lead, plan


def stop(pid: int, printing: InBackground):
    os.kill(pid, signal.SIGKILL)
    printing.join(timeout=60)
    assert not printing.is_alive() and printing.error is None, printing.error
    return printing.response


def test_while_a_plan_is_printing_others_sign_in_read_and_save_and_the_health_check_answers(own_app, render_signal):
    with own_app.app_context():
        issuer, printing_plan = a_lead_with_a_draft(**CLEAR)
        other, other_plan = a_lead_with_a_draft(worries="Half written.")
        ids = {
            "printing": printing_plan.id,
            "other_plan": other_plan.id,
            "family": other_plan.family_id,
            "child": other_plan.children_words[0].person_id,
            "issuer": issuer.email,
            "other": other.email,
            "other_id": other.id,
        }
        db.session.remove()  # this test holds no transaction while the requests run
    first, second = TestClient(own_app), TestClient(own_app)
    first.sign_in(ids["issuer"])

    printing = InBackground(lambda: first.post("family_plans.issue", {"submit_issue": "y"}, plan_id=ids["printing"]))
    printing.start()
    pid = render_started(render_signal)

    second.sign_in(ids["other"])
    page = second.page("family_plans.overview", family_id=ids["family"])
    assert "Version 1 is being written." in text_of(page, "main")
    edit = second.page("family_plans.edit", plan_id=ids["other_plan"])
    assert edit.select_one("#worries").get_text().strip() == "Half written."
    written = CLEAR | {
        "worries": "Saved while a plan was printing.",
        "review_on": ["1", "9", "2099"],
        "agreed_on": ["", "", ""],
        "children-0-person_id": str(ids["child"]),
        "children-0-child_words": "I like my teacher.",
    }
    saved = second.post("family_plans.edit", written, plan_id=ids["other_plan"])
    assert saved.status_code == 302, saved.status_code
    assert second.get("main.healthz").status_code == 200
    assert printing.is_alive(), "the plan was still printing all along"

    response = stop(pid, printing)
    assert response.status_code == 503, "a renderer that dies says so, and nothing is half-written"
    with own_app.app_context():
        plans = {plan.id: plan for plan in db.session.scalars(select(FamilyPlan))}
        assert (plans[ids["printing"]].status, plans[ids["printing"]].documents) == ("draft", [])
        assert plans[ids["other_plan"]].worries == "Saved while a plan was printing."
        seen = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.user_id == ids["other_id"], AuditEvent.record_type == "family_plan")
            .order_by(AuditEvent.id)
        ).all()
        assert seen == ["create", "update", "view", "view", "update"]


def test_while_a_document_prints_for_a_download_others_sign_in_and_read(pdf_app, render_signal, monkeypatch):
    monkeypatch.setitem(pdf_app.config, "PDF_RENDERER", NEVER_FINISHING_RENDERER)
    monkeypatch.setitem(pdf_app.config, "PDF_TIMEOUT_SECONDS", NEVER)
    with pdf_app.app_context():
        reader, other = make_user().email, make_user().email
        db.session.remove()
    first, second = TestClient(pdf_app), TestClient(pdf_app)
    first.sign_in(reader)

    printing = InBackground(lambda: first.get("print_check", query_string={"text": "A long document"}))
    printing.start()
    pid = render_started(render_signal)

    second.sign_in(other)
    assert second.get("main.home").status_code == 200
    assert second.get("main.healthz").status_code == 200
    assert printing.is_alive(), "the document was still printing all along"
    assert stop(pid, printing).status_code == 503


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="PostgreSQL reads never take a write lock: nothing to show")
def test_a_page_reads_in_a_deferred_transaction_and_still_records_who_saw_it(own_app):
    """While the page's reads run, another connection can take the write lock, so nobody waits for a reader."""
    with own_app.app_context():
        lead, plan = a_lead_with_a_draft(**CLEAR)
        ids = {"plan": plan.id, "family": plan.family_id, "lead": lead.id, "email": lead.email}
        database = make_url(own_app.config["SQLALCHEMY_DATABASE_URI"]).database
        engine = db.engine
        db.session.remove()
    client = TestClient(own_app)
    client.sign_in(ids["email"])
    probes: list[str] = []

    def take_the_write_lock(_connection, _cursor, statement, *_args):
        """During the page's read of the plan, another connection asks for the write lock, waiting for nothing."""
        if statement.lstrip().startswith("SELECT") and "FROM family_plan" in statement:
            other = sqlite3.connect(database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                probes.append("took the write lock")
            except sqlite3.OperationalError as error:
                probes.append(str(error))
            finally:
                other.close()

    event.listen(engine, "after_cursor_execute", take_the_write_lock)
    try:
        page = client.page("family_plans.overview", family_id=ids["family"])
    finally:
        event.remove(engine, "after_cursor_execute", take_the_write_lock)
    assert "Version 1 is being written." in text_of(page, "main")
    assert probes and set(probes) == {"took the write lock"}, probes
    with own_app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.user_id == ids["lead"], AuditEvent.action == "view")
        ).all()
        assert [(e.record_type, e.record_id, e.family_id) for e in views] == [
            ("family_plan", str(ids["plan"]), ids["family"])
        ]
