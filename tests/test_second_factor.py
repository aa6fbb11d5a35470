"""The optional second factor: an authenticator app's code (TOTP) after the password, before any session."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, SignInAttempt, UserSession
from tests.factories import PASSWORD
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of

MOMENT = datetime(2027, 3, 9, 10, 0, 10, tzinfo=UTC)
SECRET = pyotp.random_base32()


def _code(secret=SECRET, at=MOMENT) -> str:
    return pyotp.TOTP(secret).at(at)


def _wrong(secret=SECRET, at=MOMENT) -> str:
    """A code that is none of this step's or its neighbours' (those are accepted for a clock a little out)."""
    totp, step = pyotp.TOTP(secret), pyotp.TOTP(secret).timecode(at)
    right = {totp.generate_otp(step + n) for n in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def _sessions(user) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


def _password(client, user):
    return client.post("auth.sign_in", {"email": user.email, "password": PASSWORD}, csrf_from="auth.sign_in")


def _with_factor(make_user, **overrides):
    return make_user(totp_secret=SECRET, **overrides)


@time_machine.travel(MOMENT, tick=False)
def test_a_person_sets_up_a_second_factor_by_scanning_a_code_and_confirming_it(client, make_user):
    user = make_user()
    client.sign_in(user)
    soup = client.page("auth.account_second_factor")
    assert soup.select_one("#totp-qr")["src"].startswith("data:image/svg+xml")
    secret = text_of(soup, "#totp-secret").replace(" ", "")
    assert (
        client.page("auth.account_second_factor").select_one("#totp-secret").get_text(strip=True).replace(" ", "")
        == secret
    )  # the same secret until it is confirmed
    wrong = client.post("auth.account_second_factor", {"code": _wrong(secret)})
    assert error_messages(soup_of(wrong)) == [
        "That code is not right. Enter the 6-digit code your authenticator app shows now: codes change every 30 "
        "seconds, so use the one on the screen, not an older one."
    ]
    assert fresh(user).totp_secret is None
    empty = client.post("auth.account_second_factor", {"code": ""})
    assert error_messages(soup_of(empty)) == ["Enter the 6-digit code from your authenticator app"]
    done = client.post("auth.account_second_factor", {"code": _code(secret)})
    assert done.headers["Location"] == client.url("main.home")
    assert fresh(user).totp_secret == secret
    assert "Sign-in codes are on for your account" in client.get("auth.account_second_factor").text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "set_up_second_factor")).user_id == user.id


@time_machine.travel(MOMENT, tick=False)
def test_no_session_starts_until_the_code_has_passed_too(client, make_user):
    user = _with_factor(make_user)
    response = _password(client, user)
    assert response.headers["Location"] == client.url("auth.second_factor")
    assert _sessions(user) == 0
    assert client.get("main.home").status_code == 302
    typed = f"{_wrong()[:3]} {_wrong()[3:]}"
    wrong = client.post("auth.second_factor", {"code": typed}, csrf_from="auth.second_factor")
    assert error_messages(soup_of(wrong)) == [
        "That code is not right. Enter the 6-digit code your authenticator app shows now: codes change every 30 "
        "seconds, so use the one on the screen, not an older one."
    ]
    assert soup_of(wrong).select_one("#code")["value"] == typed
    assert _sessions(user) == 0
    done = client.post("auth.second_factor", {"code": _code()}, csrf_from="auth.second_factor")
    assert done.headers["Location"] == client.url("main.home")
    assert _sessions(user) == 1
    assert client.get("main.home").status_code == 200


@time_machine.travel(MOMENT, tick=False)
def test_a_code_works_only_once(app, make_user):
    user = _with_factor(make_user)
    first, second = TestClient(app), TestClient(app)
    _password(first, user)
    assert first.post("auth.second_factor", {"code": _code()}, csrf_from="auth.second_factor").status_code == 302
    _password(second, user)
    replay = second.post("auth.second_factor", {"code": _code()}, csrf_from="auth.second_factor")
    assert error_messages(soup_of(replay)) == [
        "That code has already been used: each code works once. Wait for your authenticator app to show a new code "
        "(codes change every 30 seconds), then enter it."
    ]
    assert _sessions(user) == 1
    with time_machine.travel(MOMENT + timedelta(seconds=30), tick=False):
        assert (
            second.post(
                "auth.second_factor", {"code": _code(at=MOMENT + timedelta(seconds=30))}, csrf_from="auth.second_factor"
            ).status_code
            == 302
        )


def test_a_pending_sign_in_expires_after_five_minutes(client, make_user):
    user = _with_factor(make_user)
    with time_machine.travel(MOMENT, tick=False):
        _password(client, user)
    later = MOMENT + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        response = client.get("auth.second_factor")
        assert response.headers["Location"] == client.url("auth.sign_in")
        assert "Your sign-in took too long to finish. Sign in again." in client.get("auth.sign_in").text
    assert _sessions(user) == 0


@time_machine.travel(MOMENT, tick=False)
def test_a_code_that_is_not_6_digits_is_told_so(client, make_user):
    user = _with_factor(make_user)
    _password(client, user)
    for typed in ("12345", "1234567", "12a456"):
        response = client.post("auth.second_factor", {"code": typed}, csrf_from="auth.second_factor")
        assert error_messages(soup_of(response))[0].startswith(
            "Enter the 6 digits your authenticator app shows, for example 123456"
        ), typed
    assert _sessions(user) == 0


@time_machine.travel(MOMENT, tick=False)
def test_guessing_codes_is_throttled(client, make_user):
    user = _with_factor(make_user)
    _password(client, user)
    for _ in range(5):
        client.post("auth.second_factor", {"code": _wrong()}, csrf_from="auth.second_factor")
    response = client.post("auth.second_factor", {"code": _code()}, csrf_from="auth.second_factor")
    assert error_messages(soup_of(response)) == [
        "You have entered a wrong code too many times, so you cannot try again on this computer for now. Wait 15 "
        "minutes, then try again. If the codes from your authenticator app do not work, ask your service "
        "administrator to remove your sign-in code. You can then set it up again."
    ]
    assert _sessions(user) == 0
    kinds = db.session.scalars(select(SignInAttempt.kind).where(SignInAttempt.succeeded.is_(False))).all()
    assert kinds == ["second_factor"] * 5


@pytest.fixture
def required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    yield
    app.config["REQUIRE_SECOND_FACTOR"] = False


@time_machine.travel(MOMENT, tick=False)
def test_when_a_second_factor_is_required_everyone_without_one_sets_it_up_before_their_session(
    client, make_user, required
):
    user = make_user()
    response = _password(client, user)
    assert response.headers["Location"] == client.url("auth.set_up_second_factor")
    soup = client.page("auth.set_up_second_factor")
    assert soup.select_one("#second-factor-required")
    secret = text_of(soup, "#totp-secret").replace(" ", "")
    assert _sessions(user) == 0
    assert (
        client.post(
            "auth.set_up_second_factor", {"code": _code(secret)}, csrf_from="auth.set_up_second_factor"
        ).status_code
        == 302
    )
    assert _sessions(user) == 1
    assert fresh(user).totp_secret == secret


def test_an_administrator_removes_a_second_factor_and_it_is_audited(client, make_user):
    admin = make_user("administrator", team_name=None)
    user = _with_factor(make_user, name="Lost Phone")
    client.sign_in(admin)
    assert client.page("admin.edit_user", user_id=user.id).select_one("#remove-second-factor-link")
    assert text_of(client.page("admin.remove_second_factor", user_id=user.id), "h1") == (
        "Remove Lost Phone's sign-in code?"
    )
    response = client.post("admin.remove_second_factor", {}, user_id=user.id)
    assert response.headers["Location"] == client.url("admin.edit_user", user_id=user.id)
    assert fresh(user).totp_secret is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "remove_second_factor"))
    assert (event.user_id, event.record_id, event.outcome) == (admin.id, str(user.id), "ok")
    again = client.post("admin.remove_second_factor", {}, user_id=user.id)
    assert error_messages(soup_of(again)) == ["Lost Phone has no sign-in code to remove"]


# One name for one thing: the header's "Sign-in code" link, and every page about it, call it a sign-in code.


@time_machine.travel(MOMENT, tick=False)
def test_the_sign_in_code_link_leads_to_pages_called_sign_in_code(client, make_user):
    user = make_user()
    client.sign_in(user)
    home = client.page("main.home")
    link = next(a for a in home.select("a") if a.get_text(strip=True) == "Sign-in code")
    set_up = soup_of(client.http.get(link["href"]))
    assert text_of(set_up, "h1") == "Set up your sign-in code"
    assert text_of(set_up, "title").startswith("Set up your sign-in code")
    secret = text_of(set_up, "#totp-secret").replace(" ", "")
    client.post("auth.account_second_factor", {"code": _code(secret)}, csrf_from="auth.account_second_factor")
    on = client.page("auth.account_second_factor")
    assert text_of(on, "h1") == "Your sign-in code"
    assert "second factor" not in on.get_text().lower()
    assert "second factor" not in set_up.get_text().lower()


def test_an_administrator_reads_sign_in_code_too(client, make_user):
    admin = make_user("administrator", team_name=None)
    user = _with_factor(make_user, name="Lost Phone")
    client.sign_in(admin)
    edit = client.page("admin.edit_user", user_id=user.id)
    assert text_of(edit, "#remove-second-factor-link") == "Remove Lost Phone's sign-in code"
    assert "Sign-in code On (authenticator app)" in text_of(edit, "#signing-in")
    for page in (edit, client.page("admin.remove_second_factor", user_id=user.id)):
        assert "second factor" not in page.select_one("main").get_text().lower()


# Removing someone's sign-in code says what happens next, and it does.


def _remove_as_admin(client, make_user, app=None):
    admin = make_user("administrator", team_name=None)
    user = _with_factor(make_user, name="Lost Phone")
    client.sign_in(admin)
    if app is not None:  # the council requires codes from now on (the administrator signed in before)
        app.config["REQUIRE_SECOND_FACTOR"] = True
    client.post("admin.remove_second_factor", {}, user_id=user.id)
    message = text_of(client.page("admin.edit_user", user_id=user.id), ".govuk-notification-banner")
    client.sign_out()
    return user, message


@time_machine.travel(MOMENT, tick=False)
def test_when_the_council_requires_codes_removing_one_means_setting_up_a_new_one_at_the_next_sign_in(
    client, make_user, app
):
    try:
        user, message = _remove_as_admin(client, make_user, app)
        response = _password(client, user)
        set_up = client.page("auth.set_up_second_factor")
    finally:
        app.config["REQUIRE_SECOND_FACTOR"] = False
    assert (
        "Lost Phone's sign-in code has been removed. The next time they sign in, after their password, they will "
        "be asked to set up a new one" in message
    )
    assert response.headers["Location"] == client.url("auth.set_up_second_factor")
    assert text_of(set_up, "h1") == "Set up your sign-in code"
    assert _sessions(user) == 0


@time_machine.travel(MOMENT, tick=False)
def test_when_codes_are_optional_removing_one_says_they_sign_in_with_their_password_alone(client, make_user):
    user, message = _remove_as_admin(client, make_user)
    assert "From now on they sign in with their password alone" in message
    assert "asked to set up" not in message
    assert _password(client, user).headers["Location"] == client.url("main.home")


# The code step of a sign-in stays the code step until it succeeds, is cancelled or runs out of time.


@time_machine.travel(MOMENT, tick=False)
def test_going_to_any_page_at_the_code_step_keeps_the_same_sign_in_at_the_code_step(client, make_user):
    user = _with_factor(make_user)
    _password(client, user)

    home = client.get("main.home")
    assert home.headers["Location"].startswith(client.url("auth.sign_in"))
    sign_in = client.get(home.headers["Location"])
    assert sign_in.headers["Location"] == client.url("auth.second_factor")
    page = client.page("auth.second_factor")
    assert text_of(page, "h1") == "Enter your sign-in code"
    assert client.post("auth.second_factor", {"code": _code()}, csrf_from="auth.second_factor").status_code == 302
    assert _sessions(user) == 1


@time_machine.travel(MOMENT, tick=False)
def test_cancelling_at_the_code_step_goes_back_to_the_password(client, make_user):
    user = _with_factor(make_user)
    _password(client, user)

    form = client.page("auth.second_factor").select_one("form:has(#cancel-sign-in)")
    assert form["action"] == client.url("auth.sign_in")
    cancelled = client.post("auth.sign_in", {"cancel_sign_in": "yes"}, csrf_from="auth.second_factor")
    assert cancelled.headers["Location"] == client.url("auth.sign_in")
    page = client.page("auth.sign_in")
    assert "You have not been signed in" in page.get_text()
    assert page.select_one("#password") is not None
    assert client.get("auth.second_factor").headers["Location"] == client.url("auth.sign_in")
    assert _sessions(user) == 0


def test_a_code_step_that_ran_out_of_time_goes_back_to_the_password_and_says_why(client, make_user):
    user = _with_factor(make_user)
    with time_machine.travel(MOMENT, tick=False):
        _password(client, user)
    with time_machine.travel(MOMENT + timedelta(minutes=6), tick=False):
        page = client.page("auth.sign_in")
        assert page.select_one("#password") is not None
        assert "Your sign-in took too long to finish. Sign in again." in page.get_text()
