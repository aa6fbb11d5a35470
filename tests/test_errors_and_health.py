"""Error pages never show a stack trace, and the health check tells the truth about the database."""

import pytest
from flask import Flask

from earlyhelp import create_app
from earlyhelp.access import signed_in
from tests import factories
from tests.helpers import TestClient, fresh_database, make_app, text_of, url


def test_an_unknown_page_is_a_styled_404(client, make_user):
    client.sign_in(make_user())
    soup = client.page("/families/does-not-exist", expected_status=404)  # typed by hand
    assert text_of(soup, "h1") == "Page not found"
    assert soup.select_one(".govuk-service-navigation") is not None


def test_the_wrong_method_is_a_styled_405(client, make_user):
    client.sign_in(make_user())
    response = client.get("auth.sign_out")
    assert response.status_code == 405
    assert "Sorry, that action is not available here" in response.text
    assert response.headers["Allow"]


def test_an_oversized_request_is_a_styled_413(client):
    response = client.post(
        "auth.sign_in", {"email": "x" * (3 * 1024 * 1024), "password": "x"}, csrf_from="auth.sign_in"
    )
    assert response.status_code == 413
    assert "The file or form is too large" in response.text


def test_a_malformed_request_is_a_styled_400(client):
    response = client.http.post(
        client.url("auth.sign_in"), data="%%%", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_the_health_check_answers_when_the_database_does(client):
    response = client.get("main.healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_the_health_check_is_503_when_the_database_does_not_answer(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    response = app.test_client().get(url(app, "main.healthz"))
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.fixture(scope="module")
def broken_app():
    """An app whose one extra route fails, and whose database then disappears."""
    with fresh_database("errors") as url:
        app = make_app(url)

        @signed_in
        def explode():
            raise RuntimeError("secret detail that must not reach the page")

        app.add_url_rule("/explode", "explode", explode)
        yield app


def test_an_unexpected_error_is_a_plain_500_page_with_no_detail(broken_app: Flask):
    with broken_app.app_context():
        factories.make_user(email="explorer@test.example")
    client = TestClient(broken_app)
    client.sign_in("explorer@test.example")
    response = client.get("explode")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert response.headers["Content-Security-Policy"]


def test_the_500_page_renders_without_the_database(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = "a-session-token"
    response = client.get(url(app, "main.home"))  # checking the session needs the database, which is unreachable
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
