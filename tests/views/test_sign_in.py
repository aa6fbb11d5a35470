"""Signing in and out, and sessions that end on the server."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import now as utcnow
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, SignInAttempt, UserSession
from tests.factories import PASSWORD
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of


def _session_of(user) -> UserSession:
    return db.session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def test_a_person_who_is_not_signed_in_is_sent_to_sign_in(client):
    response = client.get("admin.users")
    assert response.status_code == 302
    assert response.headers["Location"] == client.url("auth.sign_in", next=client.url("admin.users"))


def test_signing_in_shows_the_home_page_with_who_is_signed_in(client, make_user):
    user = make_user(name="Robin Example")
    response = client.sign_in(user)
    assert response.headers["Location"] == client.url("main.home")
    soup = client.page("main.home")
    assert text_of(soup, "h1") == "My work"
    assert "Signed in as Robin Example" in text_of(soup, ".app-account-bar")


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(client, make_user):
    user = make_user()
    credentials = {"email": user.email, "password": PASSWORD}
    response = client.post(
        "auth.sign_in", credentials, csrf_from="auth.sign_in", next=client.url("auth.change_password")
    )
    assert response.headers["Location"] == client.url("auth.change_password")
    client.sign_out()
    response = client.post("auth.sign_in", credentials, csrf_from="auth.sign_in", next="//evil.example/")
    assert response.headers["Location"] == client.url("main.home")


def test_email_addresses_are_matched_without_regard_to_case(client, make_user):
    make_user(email="mixed.case@test.example")
    assert client.sign_in("  Mixed.Case@TEST.example ").status_code == 302
    assert client.get("main.home").status_code == 200


def test_a_wrong_password_gets_a_clear_message_and_keeps_the_email(client, make_user):
    user = make_user()
    response = client.post("auth.sign_in", {"email": user.email, "password": "wrong"}, csrf_from="auth.sign_in")
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["Enter a correct email address and password"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#password"
    assert soup.select_one("#email")["value"] == user.email
    assert soup.title.get_text().startswith("Error: ")


def test_empty_fields_get_specific_messages(client):
    response = client.post("auth.sign_in", {"email": "", "password": ""}, csrf_from="auth.sign_in")
    soup = soup_of(response)
    assert error_messages(soup) == ["Enter your email address", "Enter your password"]


def _fail(client, email, times):
    for _ in range(times):
        client.post("auth.sign_in", {"email": email, "password": "wrong"}, csrf_from="auth.sign_in")


def test_repeated_failures_for_one_account_from_one_address_lock_that_pair_even_with_the_right_password(
    client, make_user
):
    user = make_user()
    _fail(client, user.email, 5)
    response = client.post("auth.sign_in", {"email": user.email, "password": PASSWORD}, csrf_from="auth.sign_in")
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == [
        "You have entered a wrong email address or password too many times, so you cannot try again on this "
        "computer for now. Wait 15 minutes, then try again. If you have forgotten your password, ask your service "
        "administrator to reset it."
    ]
    assert soup_of(response).select_one("#email")["value"] == user.email
    assert client.get("main.home").status_code == 302


def test_a_wrong_password_warns_when_one_or_two_tries_are_left_before_a_wait(client, make_user):
    user = make_user()
    said = []
    for _ in range(5):
        response = client.post("auth.sign_in", {"email": user.email, "password": "wrong"}, csrf_from="auth.sign_in")
        said += error_messages(soup_of(response))
    assert said == [
        "Enter a correct email address and password",
        "Enter a correct email address and password",
        "Enter a correct email address and password. You have 2 more tries before you must wait 15 minutes.",
        "Enter a correct email address and password. You have 1 more try before you must wait 15 minutes.",
        "Enter a correct email address and password. Wait 15 minutes before you try again.",
    ]


def test_the_warning_is_the_same_for_an_address_with_no_account(client):
    for _ in range(3):
        response = client.post(
            "auth.sign_in", {"email": "nobody@test.example", "password": "wrong"}, csrf_from="auth.sign_in"
        )
    assert error_messages(soup_of(response)) == [
        "Enter a correct email address and password. You have 2 more tries before you must wait 15 minutes."
    ]


def test_the_lock_on_an_account_and_address_ends_after_the_window(client, make_user):
    user = make_user()
    _fail(client, user.email, 5)
    old = utcnow() - timedelta(minutes=16)
    for attempt in db.session.scalars(select(SignInAttempt).where(SignInAttempt.email == user.email)):
        attempt.at = old
    db.session.commit()
    assert client.sign_in(user).status_code == 302


def test_sign_in_attempts_and_signing_out_are_audited(client, make_user):
    user = make_user()
    _fail(client, user.email, 1)
    client.sign_in(user)
    client.sign_out()
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.outcome)
        .where(AuditEvent.record_type == "user", AuditEvent.record_id == str(user.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(event) for event in events] == [("sign_in", "denied"), ("sign_in", "ok"), ("sign_out", "ok")]


def test_after_signing_out_the_old_session_cookie_is_refused(client, make_user):
    user = make_user()
    client.sign_in(user)
    old_cookie = client.http.get_cookie("earlyhelp_session").value
    response = client.sign_out()
    assert response.headers["Location"] == client.url("auth.sign_in", signed_out=1)
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "You have signed out." in client.get("auth.sign_in", signed_out=1).text

    client.http.set_cookie("earlyhelp_session", old_cookie)
    assert client.get("main.home").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_the_next_request(client, make_user):
    user = make_user()
    client.sign_in(user)
    user.active = False
    db.session.commit()
    assert client.get("main.home").status_code == 302
    assert "Your account has been disabled" in client.get("auth.sign_in").text


def test_a_disabled_account_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = client.post("auth.sign_in", {"email": user.email, "password": PASSWORD}, csrf_from="auth.sign_in")
    assert error_messages(soup_of(response)) == ["Enter a correct email address and password"]


def test_an_inactive_session_ends_after_the_idle_timeout(client, make_user):
    user = make_user()
    client.sign_in(user)
    user_session = _session_of(user)
    user_session.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get("main.home").status_code == 302
    assert fresh(user_session).ended_reason == "inactive"
    assert "You were signed out because you had not done anything for a while" in client.get("auth.sign_in").text


def test_reading_a_page_after_a_minute_keeps_the_session_alive(client, make_user):
    user = make_user()
    client.sign_in(user)
    user_session = _session_of(user)
    earlier = utcnow() - timedelta(minutes=20)
    user_session.last_seen_at = earlier
    db.session.commit()
    assert client.get("main.home").status_code == 200
    assert fresh(user_session).last_seen_at > earlier + timedelta(minutes=19)
    assert fresh(user_session).ended_at is None


def test_a_session_ends_at_its_absolute_lifetime_however_active(client, make_user):
    user = make_user()
    client.sign_in(user)
    user_session = _session_of(user)
    user_session.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("main.home").status_code == 302
    assert fresh(user_session).ended_reason == "expired"


def test_changing_the_password_ends_every_other_session_but_keeps_this_one(app, make_user):
    user = make_user()
    here, elsewhere = TestClient(app), TestClient(app)
    here.sign_in(user)
    elsewhere.sign_in(user)
    response = here.post(
        "auth.change_password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("main.home").status_code == 200
    assert elsewhere.get("main.home").status_code == 302
    here.sign_out()
    assert here.sign_in(user, password="a brand new passphrase").status_code == 302


def test_changing_the_password_explains_each_mistake(client, make_user):
    user = make_user()
    client.sign_in(user)
    response = client.post(
        "auth.change_password", {"current_password": "nope", "new_password": "short", "confirm_password": "other"}
    )
    assert error_messages(soup_of(response)) == [
        "Password must be between 12 and 200 characters",
        "The passwords do not match. Enter the same new password twice",
    ]
    response = client.post(
        "auth.change_password",
        {
            "current_password": "nope",
            "new_password": "long enough passphrase",
            "confirm_password": "long enough passphrase",
        },
    )
    soup = soup_of(response)
    assert error_messages(soup) == ["Your current password is not correct"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#current_password"
    assert fresh(user).check_password(PASSWORD)
    refused = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "check_current_password", AuditEvent.record_id == str(user.id))
    )
    assert (refused.outcome, refused.user_id, refused.detail) == ("denied", user.id, "wrong password")


def test_htmx_requests_without_a_session_are_redirected_by_header(client):
    response = client.get("main.home", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith(client.url("auth.sign_in"))
