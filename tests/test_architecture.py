"""Rules every route obeys, checked by walking the url_map so that a new route cannot slip past."""

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from earlyhelp.access import policy_for
from earlyhelp.extensions import db
from earlyhelp.models import User
from tests.factories_access import insider_for, make_family_with_everything, quick_user, values_for
from tests.helpers import TestClient

ROOT = Path(__file__).resolve().parent.parent
# Signing in takes a few steps before there is a session: the password, a second factor (or setting one up),
# or a round trip to the single sign-on provider.
PUBLIC_ENDPOINTS = {
    "auth.sign_in",
    "auth.second_factor",
    "auth.set_up_second_factor",
    "auth.sso_start",
    "auth.sso_callback",
    "main.healthz",
    "static",
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def _example_url(rule) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_every_endpoint_declares_who_may_use_it(app):
    with app.test_request_context():
        undeclared = sorted(rule.endpoint for rule in _rules(app) if policy_for(rule.endpoint) is None)
    assert undeclared == []


def test_only_the_sign_in_page_health_check_and_static_files_are_public(app):
    with app.test_request_context():
        public = {rule.endpoint for rule in _rules(app) if policy_for(rule.endpoint).public}
    assert public == PUBLIC_ENDPOINTS


def test_every_state_changing_request_without_a_csrf_token_is_refused(client, make_user):
    client.sign_in(make_user("administrator", team_name=None))
    posting = [rule for rule in _rules(client.app) if rule.methods & STATE_CHANGING]
    assert posting, "expected some state-changing routes"
    for rule in posting:
        response = client.http.post(_example_url(rule), data={})
        assert response.status_code == 400, rule.rule
        assert "Your page was out of date" in response.text


def test_a_csrf_token_in_the_htmx_header_is_accepted(client, make_user):
    user = make_user()
    client.sign_in(user)
    token = client.csrf_token()
    response = client.http.post("/sign-out", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_get_requests_to_every_route_never_return_a_server_error(app):
    """Each page opened by a person of a role it is for, who works with the family whose records fill its
    URL: an administrator would be refused every case page before it rendered, proving nothing."""
    records = make_family_with_everything()
    head_of_service = quick_user("head_of_service", team_name=None)
    admin = quick_user("administrator", team_name=None)
    clients = {}
    refused = []
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint in PUBLIC_ENDPOINTS - {"main.healthz"}:
            continue  # the steps of signing in, each tested with its own (tests/test_sso.py, test_second_factor.py)
        values = values_for(records, rule.endpoint, rule.rule)
        address = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, values=values: str(values[m.group(1)]), rule.rule)
        scope = getattr(app.view_functions[rule.endpoint], "record_scope", None)
        if scope is not None and scope.argument not in rule.arguments:  # a new referral names its family
            address += f"?{scope.argument}={values[scope.argument]}"
        person = insider_for(app, rule, records, head_of_service_id=head_of_service.id, administrator_id=admin.id)
        if person not in clients:
            clients[person] = TestClient(app)
            clients[person].sign_in(db.session.get(User, person))
        status = clients[person].get(address).status_code
        assert status < 500, rule.rule
        if status in (403, 404):
            refused.append(f"{rule.rule} answered {status}")
    assert refused == []


def test_the_htmx_configuration_suits_a_strict_content_security_policy(client):
    soup = client.page("/sign-in")
    config = json.loads(soup.select_one('meta[name="htmx-config"]')["content"])
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True
    assert config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0
    assert "style" not in config["attributesToSettle"]
    assert soup.body["hx-history"] == "false"


def test_signed_in_pages_carry_the_csrf_token_for_htmx(client, make_user):
    client.sign_in(make_user())
    soup = client.page("/")
    assert "X-CSRFToken" in json.loads(soup.body["hx-headers"])


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")))
def test_templates_have_no_inline_script_style_or_event_handlers(path):
    source = (ROOT / path).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert not re.search(r"\sstyle=", source), "inline style attribute"
    assert "<style" not in source
    assert not re.search(r"\son[a-z]+=", source), "inline event handler"
    assert "hx-on" not in source
    assert "javascript:" not in source


def test_templates_never_bypass_autoescaping():
    for path in (ROOT / "templates").rglob("*.html"):
        source = path.read_text()
        assert "|safe" not in source.replace(" ", ""), path
        assert "autoescape false" not in source, path


def test_the_layout_has_a_skip_link_and_no_gov_uk_crown(client):
    soup = client.page("/sign-in")
    assert soup.select_one("a.govuk-skip-link")["href"] == "#main-content"
    assert soup.select_one("main#main-content") is not None
    assert soup.select_one(".govuk-header__logotype, .govuk-logo") is None
    assert "GOV.UK" not in soup.get_text()


def test_vendored_assets_are_served_locally(client):
    soup = client.page("/sign-in")
    sources = [tag.get("src") or tag.get("href") for tag in soup.select("script[src], link[href]")]
    assert sources and all(source.startswith("/static/") for source in sources)
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert 'version:"2.0.' in client.get("/static/vendor/htmx/htmx.min.js").text


def test_pages_parse_as_one_html_document(client):
    soup = BeautifulSoup(client.get("/sign-in").data, "html.parser")
    assert len(soup.find_all("html")) == 1
