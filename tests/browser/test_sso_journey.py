"""Single sign-on in a real browser: a practitioner presses the council-account button, says who they are on
the provider's own page (a real OpenID Connect provider, oidc-provider-mock, on a thread), and lands on their
home page signed in as themselves. axe passes on our pages on the way."""

import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import expect

from earlyhelp.extensions import db
from earlyhelp.models import User
from tests import factories
from tests.browser.conftest import check_page

SHOTS = Path(tempfile.gettempdir()) / "sso"  # /tmp/sso/*.png, to look at
SSO_SETTINGS = ("OIDC_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


@pytest.fixture
def sso_on(live_app):
    saved = {name: live_app.config[name] for name in SSO_SETTINGS}
    with run_server_in_thread(port=0, require_nonce=True) as server:
        provider = f"http://localhost:{server.server_port}"
        live_app.config.update(
            OIDC_METADATA_URL=f"{provider}/.well-known/openid-configuration",
            OIDC_CLIENT_ID="earlyhelp-browser",
            OIDC_CLIENT_SECRET="not-a-real-secret",
        )
        try:
            yield provider
        finally:
            live_app.config.update(saved)


def a_practitioner(live_app) -> tuple[int, str]:
    with live_app.app_context():
        user = factories.make_user(email=f"sso.{uuid.uuid4().hex[:6]}@northshire.example", name="Sam Singleton")
        return user.id, user.email


def test_a_practitioner_signs_in_with_their_council_account_and_lands_on_their_home_page(page, live_app, sso_on):
    user_id, email = a_practitioner(live_app)
    response = requests.put(f"{sso_on}/users/sub-sam", json={"email": email.upper()}, timeout=10)
    assert response.status_code == 204

    page.goto("/sign-in")
    button = page.get_by_role("button", name="Sign in with your council account")
    expect(button).to_be_visible()
    check_page(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sign-in-with-sso-button.png"), full_page=True)

    button.click()
    page.wait_for_url(f"{sso_on}/oauth2/authorize*")  # the provider's own page (not ours: no axe here)
    page.get_by_placeholder("sub").fill("sub-sam")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{live_app.config['LIVE_URL']}/")
    expect(page.locator("body")).to_contain_text("Signed in as Sam Singleton")
    check_page(page)
    page.screenshot(path=str(SHOTS / "home-after-sso.png"), full_page=True)
    with live_app.app_context():
        assert db.session.get(User, user_id).oidc_subject == "sub-sam"


def test_someone_without_an_account_reads_that_they_should_ask_an_administrator(page, live_app, sso_on):
    requests.put(f"{sso_on}/users/sub-nobody", json={"email": "nobody@elsewhere.example"}, timeout=10)
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.get_by_placeholder("sub").fill("sub-nobody")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in to this service yet")
    check_page(page)
    page.screenshot(path=str(SHOTS / "sso-refused.png"), full_page=True)
    page.get_by_role("link", name="Go back to the sign-in page").click()
    expect(page.get_by_role("button", name="Sign in with your council account")).to_be_visible()
