"""Security headers on every kind of response: page, htmx fragment, error page, PDF and static file."""

import pytest

from earlyhelp.security import CONTENT_SECURITY_POLICY
from tests.helpers import url


def assert_security_headers(response, *, cacheable=False):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    if not cacheable:
        assert headers["Cache-Control"] == "no-store"
        assert "HX-Request" in headers.get("Vary", "")


def test_a_signed_in_page_has_the_security_headers(client, make_user):
    client.sign_in(make_user())
    assert_security_headers(client.get("main.home"))


def test_an_htmx_fragment_has_the_security_headers(client, make_user):
    client.sign_in(make_user())
    assert_security_headers(client.get("main.home", headers={"HX-Request": "true"}))


@pytest.mark.parametrize("target", ["/no-such-page", "admin.users"])  # an address typed by hand, and a refused page
def test_error_pages_have_the_security_headers(client, make_user, target):
    client.sign_in(make_user())
    response = client.get(target)
    assert response.status_code in (403, 404)
    assert_security_headers(response)


def test_the_sign_in_page_and_health_check_have_the_security_headers(client):
    assert_security_headers(client.get("auth.sign_in"))
    assert_security_headers(client.get("main.healthz"))


def test_a_pdf_has_the_security_headers(pdf_client):
    response = pdf_client.get("print_check", text="hello")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert_security_headers(response)


def test_static_files_have_the_security_headers_and_may_be_cached(client):
    response = client.get("static", filename="css/app.css")
    assert response.status_code == 200
    assert_security_headers(response, cacheable=True)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_session_cookies_are_http_only_and_same_site_lax(client, make_user):
    response = client.sign_in(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_cookies_are_secure_when_configured_for_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = app.test_client().get(url(app, "auth.sign_in"))
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_hsts_is_sent_over_https(client):
    response = client.get("auth.sign_in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
