"""After sign-in (or any "go back") a person is only ever sent to a page on this site.

Browsers read a backslash as a slash, drop tabs and newlines from addresses, and some proxies decode
percent-escapes before they route, so every one of these ways of writing another site must fall back.
"""

import pytest

from earlyhelp.web import safe_next
from tests.factories import PASSWORD
from tests.helpers import url

OFF_SITE = [
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "/%5Cevil.example/x",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/%09/evil.example",
    " //evil.example",
    "",
    None,
    "/" + "a" * 2999,  # 3,000 characters: longer than any page of ours
    "/%252F%252Fevil.example",  # encoded twice
    "/%0d%0a/evil.example",  # a header break, encoded
    "/\r\n/evil.example",
    "/\x00/evil.example",
]

ON_SITE = ["/families?q=Ann%20Smith", "/referrals/3"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_address_off_this_site_falls_back_to_the_home_page(app, target):
    with app.test_request_context():
        assert safe_next(target) == url(app, "main.home")


@pytest.mark.parametrize("target", ON_SITE)
def test_a_page_on_this_site_is_kept_as_it_is(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def test_the_fallback_can_be_another_page(app):
    with app.test_request_context():
        assert safe_next("//evil.example", "auth.change_password") == url(app, "auth.change_password")


def _sign_in_with_next(client, user, target):
    query = {} if target is None else {"next": target}
    return client.post(
        "auth.sign_in", {"email": user.email, "password": PASSWORD}, csrf_from="auth.sign_in", query_string=query
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_with_an_off_site_next_goes_to_the_home_page(client, make_user, target):
    response = _sign_in_with_next(client, make_user(), target)
    assert response.status_code == 302
    assert response.headers["Location"] == client.url("main.home")


@pytest.mark.parametrize("target", ON_SITE)
def test_signing_in_with_a_next_page_on_this_site_goes_there(client, make_user, target):
    response = _sign_in_with_next(client, make_user(), target)
    assert response.status_code == 302
    assert response.headers["Location"] == target
