"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock, on a thread of its own).

Our app is driven with the Flask test client; the person's part at the provider (choosing who they are on
its authorize page) is done with requests, as a browser would post it. Authlib in our app really fetches the
provider's metadata and keys, exchanges the code and checks the signed ID token.
"""

import base64
import hashlib
import json
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oidc_provider_mock import run_server_in_thread
from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, User, UserSession
from tests.helpers import fresh, soup_of, text_of

SSO_SETTINGS = ("OIDC_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread(port=0, require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(app, provider):
    saved = {name: app.config[name] for name in SSO_SETTINGS}
    app.config.update(
        OIDC_METADATA_URL=f"{provider}/.well-known/openid-configuration",
        OIDC_CLIENT_ID="earlyhelp-test",
        OIDC_CLIENT_SECRET="not-a-real-secret",
    )
    yield provider
    app.config.update(saved)


def person_at_provider(provider: str, sub: str, **claims) -> None:
    """Who the provider says this subject is (the claims in its ID token)."""
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204


def start(client, next_page: str | None = None) -> str:
    """Press the button: our app sends the browser to the provider's authorize page."""
    response = client.http.get(client.url("auth.sso_start", **({"next": next_page} if next_page else {})))
    assert response.status_code == 302
    return response.headers["Location"]


def at_provider(authorize_url: str, **form) -> str:
    """The person's answer on the provider's page; where the provider sends the browser back to."""
    response = requests.post(authorize_url, data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def sign_in_by_sso(client, sub: str, next_page: str | None = None):
    return client.http.get(at_provider(start(client, next_page), sub=sub))


def _events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id)).all()


def _sessions(user):
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()


def signed_in_as(client) -> str:
    return text_of(client.page("main.home"), "body")


def test_without_a_metadata_url_there_is_no_button_and_the_routes_are_not_found(client):
    page = client.page("auth.sign_in")
    assert page.select_one("#sso-sign-in") is None
    assert client.get("auth.sso_start").status_code == 404
    assert client.get("auth.sso_callback").status_code == 404


def test_the_button_is_a_link_to_the_provider_with_pkce_state_and_nonce(sso, client):
    button = client.page("auth.sign_in").select_one("a#sso-sign-in")
    assert "Sign in with your council account" in button.get_text()
    assert button["href"] == "/sign-in/sso"
    location = start(client)
    assert location.startswith(f"{sso}/oauth2/authorize")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["response_type"] == ["code"]
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert query["redirect_uri"] == ["http://localhost/sign-in/sso/callback"]


def test_a_first_sign_in_matches_by_email_whatever_its_case_and_keeps_the_subject(sso, client, make_user):
    user = make_user(email="Ada.Lovelace@northshire.example", name="Ada Lovelace")
    person_at_provider(sso, "sub-ada", email="ADA.LOVELACE@northshire.example")
    response = sign_in_by_sso(client, "sub-ada")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Signed in as Ada Lovelace" in signed_in_as(client)
    assert fresh(user).oidc_subject == "sub-ada"
    [event] = _events()
    assert (event.outcome, event.user_id, event.record_id) == ("ok", user.id, str(user.id))
    assert event.detail == "single sign-on; subject linked by email"
    assert len(_sessions(user)) == 1


def test_a_later_sign_in_matches_by_subject_even_after_the_email_changed(sso, client, make_user):
    user = make_user(email="grace@northshire.example", name="Grace Hopper", oidc_subject="sub-grace")
    person_at_provider(sso, "sub-grace", email="grace.hopper@new-name.example")
    assert sign_in_by_sso(client, "sub-grace").status_code == 302
    assert "Signed in as Grace Hopper" in signed_in_as(client)
    [event] = _events()
    assert (event.outcome, event.user_id, event.detail) == ("ok", user.id, "single sign-on")


def test_an_email_belonging_to_an_account_linked_to_another_subject_does_not_take_it_over(sso, client, make_user):
    user = make_user(email="alan@northshire.example", oidc_subject="sub-alan-original")
    person_at_provider(sso, "sub-someone-else", email="alan@northshire.example")
    response = sign_in_by_sso(client, "sub-someone-else")
    assert response.status_code == 403
    assert "Ask your team manager or the service administrator" in text_of(soup_of(response), "main")
    assert client.get("main.home").status_code == 302  # not signed in
    assert fresh(user).oidc_subject == "sub-alan-original"
    assert _sessions(user) == []
    [event] = _events()
    assert (event.outcome, event.user_id, event.record_id) == ("denied", None, str(user.id))
    assert event.detail == "single sign-on: account linked to another single sign-on identity"


def test_a_person_with_no_account_is_told_to_ask_an_administrator(sso, client):
    person_at_provider(sso, "sub-stranger", email="stranger@elsewhere.example")
    response = sign_in_by_sso(client, "sub-stranger")
    assert response.status_code == 403
    page = soup_of(response)
    assert text_of(page, "h1") == "You cannot sign in to this service yet"
    assert "Ask your team manager or the service administrator to give you access" in text_of(page, "main")
    assert client.get("main.home").status_code == 302
    assert db.session.scalar(select(User).where(User.oidc_subject == "sub-stranger")) is None
    [event] = _events()
    assert (event.outcome, event.user_id, event.record_id) == ("denied", None, None)
    assert event.detail == "single sign-on: no account for this person"


def test_a_disabled_account_is_refused_whether_matched_by_subject_or_email(sso, client, make_user):
    by_subject = make_user(email="old.one@northshire.example", oidc_subject="sub-old", active=False)
    by_email = make_user(email="left@northshire.example", active=False)
    person_at_provider(sso, "sub-old", email="old.one@northshire.example")
    person_at_provider(sso, "sub-left", email="left@northshire.example")
    for sub in ("sub-old", "sub-left"):
        response = sign_in_by_sso(client, sub)
        assert response.status_code == 403
        assert "Your account in this service has been disabled" in text_of(soup_of(response), "main")
        assert client.get("main.home").status_code == 302
    assert _sessions(by_subject) == _sessions(by_email) == []
    assert fresh(by_email).oidc_subject is None  # a refused sign-in links nothing
    assert [(e.outcome, e.record_id, e.detail) for e in _events()] == [
        ("denied", str(by_subject.id), "single sign-on: account disabled"),
        ("denied", str(by_email.id), "single sign-on: account disabled"),
    ]


def test_a_state_that_is_not_ours_is_refused_with_a_page_not_an_error(sso, client, make_user):
    make_user(email="eve.target@northshire.example")
    person_at_provider(sso, "sub-eve", email="eve.target@northshire.example")
    # A code and state from someone else's round trip, sent to this browser (login CSRF).
    other = type(client)(client.app)
    callback = at_provider(start(other), sub="sub-eve")
    start(client)  # this browser has a round trip of its own, with another state
    response = client.http.get(callback)
    assert response.status_code == 400
    assert text_of(soup_of(response), "h1") == "You have not been signed in"
    assert client.get("main.home").status_code == 302
    [event] = _events()
    assert (event.outcome, event.user_id, event.detail) == ("denied", None, "single sign-on: mismatching_state")


def test_the_same_answer_used_twice_is_refused(sso, client, make_user):
    make_user(email="twice@northshire.example")
    person_at_provider(sso, "sub-twice", email="twice@northshire.example")
    callback = at_provider(start(client), sub="sub-twice")
    assert client.http.get(callback).status_code == 302
    client.sign_out()
    assert client.http.get(callback).status_code == 400


def test_saying_no_at_the_provider_is_a_clear_page(sso, client):
    response = client.http.get(at_provider(start(client), action="deny"))
    assert response.status_code == 403
    assert text_of(soup_of(response), "h1") == "You have not been signed in"
    assert "Try signing in again" in text_of(soup_of(response), "main")
    [event] = _events()
    assert (event.outcome, event.detail) == ("denied", "single sign-on: provider said access_denied")


def test_a_callback_with_no_round_trip_at_all_is_a_clear_page(sso, client):
    response = client.http.get("/sign-in/sso/callback?code=made-up&state=made-up")
    assert response.status_code == 400
    assert text_of(soup_of(response), "h1") == "You have not been signed in"


def test_the_page_asked_for_is_where_the_person_lands(sso, client, make_user):
    make_user(email="next@northshire.example")
    person_at_provider(sso, "sub-next", email="next@northshire.example")
    login_page = client.page("auth.sign_in", next="/families")
    assert login_page.select_one("a#sso-sign-in")["href"] == "/sign-in/sso?next=/families"
    response = sign_in_by_sso(client, "sub-next", next_page="/families")
    assert response.headers["Location"] == "/families"


def test_a_next_page_on_another_site_is_not_followed(sso, client, make_user):
    make_user(email="phish@northshire.example")
    person_at_provider(sso, "sub-phish", email="phish@northshire.example")
    response = sign_in_by_sso(client, "sub-phish", next_page="//evil.example/")
    assert response.headers["Location"] == "/"


def test_the_session_cookie_is_a_new_one_after_single_sign_on(sso, client, make_user):
    user = make_user(email="fixation@northshire.example")
    person_at_provider(sso, "sub-fixation", email="fixation@northshire.example")
    with client.http.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"
    sign_in_by_sso(client, "sub-fixation")
    with client.http.session_transaction() as cookie:
        assert "planted" not in cookie
        [user_session] = _sessions(user)
        assert cookie["sid"] == user_session.token


def test_an_account_that_must_change_its_password_is_not_asked_to_after_single_sign_on(sso, client, make_user):
    make_user(email="temp@northshire.example", name="Temp Orary", must_change_password=True)
    person_at_provider(sso, "sub-temp", email="temp@northshire.example")
    sign_in_by_sso(client, "sub-temp")
    assert client.get("main.home").status_code == 200


def test_an_email_the_provider_says_is_not_verified_is_not_matched(sso, client, make_user):
    user = make_user(email="unverified@northshire.example")
    person_at_provider(sso, "sub-unverified", email="unverified@northshire.example", email_verified=False)
    assert sign_in_by_sso(client, "sub-unverified").status_code == 403
    assert fresh(user).oidc_subject is None
    [event] = _events()
    assert event.detail == "single sign-on: email not verified by the provider"


def test_entra_claims_match_by_oid_and_preferred_username(sso, app, client, make_user):
    saved = app.config["OIDC_SUBJECT_CLAIM"], app.config["OIDC_EMAIL_CLAIM"]
    app.config.update(OIDC_SUBJECT_CLAIM="oid", OIDC_EMAIL_CLAIM="preferred_username")
    try:
        user = make_user(email="entra.person@northshire.example", name="Entra Person")
        person_at_provider(
            sso,
            "pairwise-sub-1",
            oid="00000000-aaaa-bbbb-cccc-000000000001",
            preferred_username="Entra.Person@northshire.example",
        )
        assert sign_in_by_sso(client, "pairwise-sub-1").status_code == 302
        assert fresh(user).oidc_subject == "00000000-aaaa-bbbb-cccc-000000000001"
    finally:
        app.config.update(OIDC_SUBJECT_CLAIM=saved[0], OIDC_EMAIL_CLAIM=saved[1])


def test_without_local_passwords_the_button_is_the_only_way_in(sso, app, client):
    app.config["LOCAL_PASSWORDS"] = False
    try:
        page = client.page("auth.sign_in")
    finally:
        app.config["LOCAL_PASSWORDS"] = True
    assert page.select_one("a#sso-sign-in") is not None
    assert page.select_one("input[type=password]") is None
    assert "Or sign in with the email address and password" not in text_of(page, "main")


def test_an_error_the_provider_names_is_audited_without_what_else_the_address_said(sso, client):
    start(client)
    response = client.http.get("/sign-in/sso/callback?error=access_denied%0A%3Cscript%3E&state=x")
    assert response.status_code == 403
    [event] = _events()
    assert event.detail == "single sign-on: provider said an unknown error"


# What our app sends to the provider and gets back, seen on the wire: requests' own Session.send, wrapped so each
# request is kept and a response from the provider can be changed, as a network attacker could (the provider
# mock neither checks PKCE nor ever signs badly, so the test looks at the traffic itself).


@pytest.fixture
def wire(monkeypatch):
    seen = SimpleNamespace(requests=[], change=None)
    real_send = requests.Session.send

    def send(session, prepared, **kwargs):
        seen.requests.append(prepared)
        response = real_send(session, prepared, **kwargs)
        if seen.change is not None and urlsplit(prepared.url).path.endswith("/token"):
            seen.change(response)
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    return seen


def _token_requests(wire) -> list:
    return [r for r in wire.requests if r.method == "POST" and urlsplit(r.url).path.endswith("/token")]


def test_the_pkce_verifier_is_sent_with_the_code_and_matches_the_challenge(sso, client, make_user, wire):
    make_user(email="pkce.person@northshire.example", name="Pat Pkce")
    person_at_provider(sso, "sub-pkce", email="pkce.person@northshire.example")
    authorize = start(client)
    challenge = parse_qs(urlsplit(authorize).query)["code_challenge"][0]

    assert client.http.get(at_provider(authorize, sub="sub-pkce")).status_code == 302
    [token_request] = _token_requests(wire)
    body = parse_qs(token_request.body if isinstance(token_request.body, str) else token_request.body.decode())
    [verifier] = body["code_verifier"]
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == challenge
    assert "Pat Pkce" in signed_in_as(client)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_an_id_token_whose_claims_were_changed_after_signing_is_refused(sso, client, make_user, wire):
    victim = make_user(email="victim@northshire.example", name="Val Victim")
    make_user(email="mallory@northshire.example", name="Mallory")
    person_at_provider(sso, "sub-mallory", email="mallory@northshire.example")

    def claim_to_be_the_victim(response):
        token = response.json()
        header, payload, signature = token["id_token"].split(".")
        claims = json.loads(_unb64(payload))
        claims["email"], claims["sub"] = victim.email, "sub-victim"
        token["id_token"] = ".".join([header, _b64(json.dumps(claims).encode()), signature])
        response._content = json.dumps(token).encode()

    wire.change = claim_to_be_the_victim
    response = sign_in_by_sso(client, "sub-mallory")

    assert response.status_code == 400
    assert text_of(soup_of(response), "h1") == "You have not been signed in"
    assert client.get("main.home").status_code == 302
    assert _sessions(victim) == [] and fresh(victim).oidc_subject is None
    [event] = _events()
    assert event.outcome == "denied" and event.user_id is None
    assert event.detail.startswith("single sign-on: ID token not accepted")


def test_an_id_token_signed_with_a_key_that_is_not_the_providers_is_refused(sso, client, make_user, wire):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    victim = make_user(email="victim2@northshire.example", name="Vic Victim")
    person_at_provider(sso, "sub-someone", email="someone@northshire.example")
    forged_key = RSAKey.generate_key(2048)

    def forge(response):
        token = response.json()
        header, payload, _ = token["id_token"].split(".")
        claims = json.loads(_unb64(payload)) | {"email": victim.email, "sub": "sub-victim2"}
        kid = json.loads(_unb64(header)).get("kid")
        token["id_token"] = jwt.encode({"alg": "RS256", **({"kid": kid} if kid else {})}, claims, forged_key)
        response._content = json.dumps(token).encode()

    wire.change = forge
    response = sign_in_by_sso(client, "sub-someone")

    assert response.status_code == 400
    assert text_of(soup_of(response), "h1") == "You have not been signed in"
    assert _sessions(victim) == []
    [event] = _events()
    assert event.detail.startswith("single sign-on: ID token not accepted")
