"""No personal data in logs: what people type about families never reaches a log line.

Marker values go into every field of a family, a person, a referral and a family plan through real requests,
ones that succeed and ones that fail (validation errors, a 404, a 500 raised inside a route, a database
error), with every logger at DEBUG (the SQL echo of SQLAlchemy included). No marker may appear in any
record: not in its message, its arguments or a traceback. A search's words are in its query string, so the
access log of the development server (werkzeug) is checked too, through a real server on a real socket.
"""

import contextlib
import logging
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from earlyhelp.access import signed_in
from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, User
from tests import factories
from tests.helpers import TestClient, app_on_fresh_database

MARKER = "ZQXMARKER"
POSTCODE = "ZQ9 9XM"  # a real-looking postcode is what the field accepts: it is personal data too
LOGGERS = ("", "werkzeug", "sqlalchemy", "sqlalchemy.engine", "flask.app", "earlyhelp", "gunicorn.access")


def marker(n: int) -> str:
    return f"{MARKER}{n}"


class _Boom(Exception):
    pass


@pytest.fixture(scope="module")
def logs_app():
    with app_on_fresh_database("logs") as app:

        @app.get("/_test/boom")
        @signed_in
        def boom():  # a bug whose message quotes what was typed
            raise _Boom(f"could not handle {marker(90)}")

        @app.post("/_test/database-error")
        @signed_in
        def database_error():  # a statement the database refuses, with a value bound to it
            db.session.execute(text("INSERT INTO family (id, reference) VALUES (NULL, :value)"), {"value": marker(91)})
            return "unreachable"

        yield app


@pytest.fixture
def every_log(logs_app, caplog):
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    with logs_app.app_context():
        yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _done_with_the_database():
    """The test's own session lets go of the database file, so the app's requests can write."""
    db.session.commit()
    db.session.expunge_all()


def _logged(caplog) -> str:
    """Everything logged, as a handler would write it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def _assert_no_marker(caplog):
    logged = _logged(caplog)
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert MARKER not in logged.upper()
    assert POSTCODE not in logged.upper()


def _family_form(**overrides) -> dict:
    return {
        "address": f"{marker(1)} Imaginary Lane",
        "postcode": POSTCODE,
        "languages": marker(2),
        "interpreter_needed": "no",
        "culture_and_identity": marker(3),
        "members-0-first_name": marker(4),
        "members-0-last_name": marker(5),
        "members-0-date_of_birth": ["14", "2", "1988"],
        "members-0-relationship_to_child": marker(6),
        "members-0-school_or_setting": "",
        "members-0-is_child": "no",
        "members-0-child_words": "",
        "members-1-first_name": marker(7),
        "members-1-last_name": marker(5),
        "members-1-date_of_birth": ["3", "4", "2016"],
        "members-1-relationship_to_child": marker(8),
        "members-1-school_or_setting": marker(9),
        "members-1-is_child": "yes",
        "members-1-child_words": marker(10),
        "confirm_new": "yes",
        "matches_shown": "yes",
    } | overrides


def _every_field(client, endpoint, value_prefix: str, **values) -> dict:
    """Every text box on a form filled with a marker, and the first choice of every radio and select."""
    soup = client.page(endpoint, **values)
    form = soup.select_one("main form[method=post]")
    data, n = {}, 100
    for field in form.select("input[name], textarea[name], select[name]"):
        name, kind = field["name"], field.get("type", field.name)
        if name == "csrf_token" or kind in ("submit", "hidden"):
            continue
        if kind in ("radio", "checkbox"):
            data.setdefault(name, field.get("value", "yes"))
        elif field.name == "select":
            options = [o.get("value") for o in field.select("option") if o.get("value")]
            data[name] = options[0] if options else ""
        else:
            n += 1
            data[name] = f"{value_prefix}{n}"
    return data


def test_what_is_typed_about_a_family_reaches_no_log(logs_app, every_log):
    worker = factories.make_user("practitioner")
    front_door = factories.make_user("front_door", team_name="Front door")
    worker_id, worker_email, front_door_email = worker.id, worker.email, front_door.email
    _done_with_the_database()
    client = TestClient(logs_app)
    client.sign_in(worker_email)

    # A form that fails (a postcode that is not one, a missing field) and then one that succeeds.
    failed = client.post("families.new", _family_form(postcode=marker(11), languages=""))
    assert failed.status_code == 200 and "<title>Error:" in failed.text
    created = client.post("families.new", _family_form())
    assert created.status_code == 302, created.text
    family = db.session.query(Family).filter(Family.postcode.contains("ZQ9")).one()
    factories.known_to(family, db.session.get(User, worker_id))
    reference = family.reference
    person = db.session.query(Person).filter(Person.family_id == family.id).first()
    family_id, person_id = family.id, person.id
    _done_with_the_database()

    # A search by name and by postcode: its words are in the query string.
    found = client.get("families.search", name=marker(5), postcode=POSTCODE)
    assert found.status_code == 200 and reference in found.text

    # A person changed, with a bad date of birth and then with markers in every field.
    person_form = _every_field(client, "families.edit_person", MARKER, family_id=family_id, person_id=person_id)
    bad = client.post("families.edit_person", person_form, family_id=family_id, person_id=person_id)
    assert bad.status_code == 200
    good = client.post(
        "families.edit_person",
        person_form
        | {"date_of_birth-day": "1", "date_of_birth-month": "2", "date_of_birth-year": "1990", "is_child": "no"},
        family_id=family_id,
        person_id=person_id,
    )
    assert good.status_code in (200, 302)

    # A referral recorded at the front door with every field a marker: refused on its dates and choices.
    client.sign_out()
    client.sign_in(front_door_email)
    referral_form = _every_field(client, "referrals.new", MARKER, family_id=family_id)
    refused = client.post("referrals.new", referral_form, family_id=family_id)
    assert refused.status_code in (200, 404)

    # A record that does not exist, addressed with a marker in its query string.
    assert client.get(f"/families/987654321?note={marker(12)}").status_code == 404
    _assert_no_marker(every_log)


def test_a_bug_or_a_database_error_is_logged_without_the_values_involved(logs_app, every_log):
    client = TestClient(logs_app)
    email = factories.make_user("practitioner").email
    _done_with_the_database()
    client.sign_in(email)
    assert client.get(f"/_test/boom?search={marker(13)}").status_code == 500
    assert client.post("/_test/database-error", {"note": marker(14)}).status_code == 500
    logged = _logged(every_log)
    assert "_Boom" in logged and "IntegrityError" in logged  # the errors are logged, by their type
    _assert_no_marker(every_log)


def test_the_development_servers_access_log_has_the_path_without_the_query_string(logs_app, every_log):
    server = make_server("127.0.0.1", 0, logs_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/families/987654321?search={marker(15)}", f"/healthz?name={marker(16)}"):
            # Signed out, a family page sends you to sign in: the answer does not matter, the log does.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=10)
    finally:
        server.shutdown()
        thread.join()
    access = [r for r in every_log.records if r.name == "werkzeug"]
    assert any("/healthz" in r.getMessage() for r in access)
    _assert_no_marker(every_log)
