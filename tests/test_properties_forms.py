"""Whatever is posted to any form, the service answers as it answers a mistake, never with a server error.

The url_map is walked, so a new form is attacked as soon as it exists. For every POST route, a person who
may use it (tests/factories_access.py:insider_for) takes what the page's form would send for the family's
real records, and Hypothesis changes some of it: long text, control characters, markup and htmx
attributes, template syntax, impossible dates, choices not offered, fields left out or repeated, files
where text is expected. Then:

- the answer is never a 500;
- no markup, htmx attribute or template from the input comes back as anything but text;
- no control character (but the tab and line breaks of multi-line text) is in the page or the database;
- no value posted reaches the log.

Query strings get the same treatment on every page that takes no record. The records are built once for
the module; each test's writes are rolled back.
"""

import logging
import os
import re

import pytest
from bs4 import BeautifulSoup
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlyhelp import create_app
from earlyhelp.extensions import db
from earlyhelp.models import User
from earlyhelp.policy import RoleCode
from tests.factories_access import insider_for, make_family_with_everything, quick_user, values_for
from tests.helpers import TestClient, app_on_fresh_database
from tests.helpers.hostile import (
    CONTROL,
    as_posted,
    escaped_everywhere,
    hostile_text,
    hostile_value,
    page_forms,
    stored_control_characters,
)

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "4"))

# What a form that is posted from another page (a button on the record) sends, for the routes with no page
# of their own: enough that each would act if nothing were wrong.
GENERIC = {
    "reason": "A reason",
    "advice": "Some advice",
    "note": "A note",
    "version": "1",
    "confirm": "y",
    "what": "A next step",
    "owner_kind": "user",
    "due_in": "5",
    "clarity": "clear",
    "clarity_note": "A note",
    "method": "phone",
    "fed_back_on": ["1", "1", "2027"],
    "outcome": "1",
}


def _post_rules():
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint != "auth.sign_out"),
        key=lambda rule: rule.rule,
    )
    gets = sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ("static", "main.healthz")
        ),
        key=lambda rule: rule.rule,
    )
    return [rule.endpoint for rule in rules], [rule.endpoint for rule in gets]


POST_ENDPOINTS, PLAIN_PAGES = _post_rules()

POST_CASES = POST_ENDPOINTS


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(scope="module")
def _world():
    with app_on_fresh_database("hostile") as app, app.app_context():
        records = make_family_with_everything()
        head = quick_user(RoleCode.HEAD_OF_SERVICE, team_name=None)
        admin = quick_user(RoleCode.ADMINISTRATOR, team_name=None)
        targets = {}
        for rule in app.url_map.iter_rules():
            if rule.endpoint in POST_ENDPOINTS or rule.endpoint in PLAIN_PAGES:
                values = values_for(records, rule.endpoint, rule.rule)
                address = re.sub(
                    r"<(?:\w+:)?(\w+)>", lambda m, values=values: str(values.get(m.group(1), "unknown")), rule.rule
                )
                scope = getattr(app.view_functions[rule.endpoint], "record_scope", None)
                if scope is not None and scope.argument not in rule.arguments:
                    address += f"?{scope.argument}={values[scope.argument]}"
                person = insider_for(app, rule, records, head_of_service_id=head.id, administrator_id=admin.id)
                targets[rule.endpoint] = (address, db.session.get(User, person).email, "GET" in rule.methods)
        db.session.remove()
        clients = {}
        for _address, email, _has_page in targets.values():
            if email not in clients:
                client = TestClient(app)
                client.sign_in(email)
                clients[email] = (client, client.csrf_token())
        db.session.remove()
        yield app, targets, clients


@pytest.fixture
def world(_world):
    """The module's app, with everything a test writes rolled back when it ends (as tests/conftest.py does)."""
    app, targets, clients = _world
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
        )
        try:
            yield app, targets, clients
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


class _Caught(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
        except Exception:
            self.lines.append(str(record.msg))


def _texts(value):
    values = value if isinstance(value, list) else [value]
    return [text for text in values if isinstance(text, str) and text != "FILE"]


def _check(response, posted_texts, caught):
    assert response.status_code < 500, response.status_code
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert not CONTROL.search(body), "a control character in the page"
        assert escaped_everywhere(body, BeautifulSoup(body, "html.parser"), posted_texts) == []
    assert stored_control_characters() == []
    log = "\n".join(caught.lines)
    leaked = [text for text in posted_texts if len(text) >= 8 and text.strip() and text in log]
    assert leaked == [], "a posted value in the log"


def _baseline(client, address, has_page):
    """What the route's own page would post as it stands, and which names are dates."""
    if has_page:
        response = client.get(address)
        if response.status_code == 200:
            values, dates = page_forms(BeautifulSoup(response.data, "html.parser"))
            if values:
                return values, dates
    return dict(GENERIC), {"fed_back_on"}


@pytest.mark.parametrize("endpoint", POST_CASES)
@settings(
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_post_to_any_form_is_a_server_error_or_stores_a_control_character(world, endpoint, data):
    app, targets, clients = world
    address, email, has_page = targets[endpoint]
    client, token = clients[email]
    baseline, dates = _baseline(client, address, has_page)
    names = sorted(baseline)
    changed = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=min(4, len(names))), "changed")
    dropped = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=2), "dropped")
    form = {name: value for name, value in baseline.items() if name not in dropped}
    for name in changed:
        form[name] = data.draw(hostile_value(name in dates), name)
    if data.draw(st.booleans(), "an extra field"):
        form[data.draw(st.sampled_from(["extra", "members-9-first_name", "submit", "csrf_token2"]))] = data.draw(
            hostile_text()
        )
    posted, content_type = as_posted(form)
    caught = _Caught()
    logging.getLogger().addHandler(caught)
    try:
        options = {"content_type": content_type} if content_type else {}
        response = client.http.post(address, data={"csrf_token": token, **posted}, **options)
        db.session.expire_all()
        _check(response, [text for value in form.values() for text in _texts(value)], caught)
    finally:
        logging.getLogger().removeHandler(caught)


QUERY_NAMES = ["search", "name", "reference", "postcode", "page", "status", "team", "family_id", "next", "kind"]


@pytest.mark.parametrize("endpoint", PLAIN_PAGES)
@settings(
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_text(), max_size=3))
def test_no_query_string_on_any_page_is_a_server_error(world, endpoint, query):
    app, targets, clients = world
    address, email, _has_page = targets[endpoint]
    client, _token = clients[email]
    caught = _Caught()
    logging.getLogger().addHandler(caught)
    try:
        response = client.http.get(address.split("?")[0], query_string=query)
        db.session.expire_all()
        _check(response, [], caught)
    finally:
        logging.getLogger().removeHandler(caught)
