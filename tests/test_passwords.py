"""Local passwords: throttling that never locks the owner out, the same work for every account, temporary
passwords changed first, an administrator ending someone's sessions, and LOCAL_PASSWORDS=false."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
import werkzeug.security
from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, SignInAttempt, User, UserSession
from earlyhelp.services import accounts
from tests.factories import PASSWORD
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of

MOMENT = datetime(2027, 3, 9, 10, 0, tzinfo=UTC)
TEMPORARY = "temporary passphrase 1"
OWN = "my very own passphrase"


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _attempt(client, email, password, address="10.0.0.1"):
    return client.post(
        "auth.sign_in", {"email": email, "password": password}, csrf_from="auth.sign_in", **_from(address)
    )


def _open_sessions(user) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


def _admin(make_user):
    return make_user("administrator", team_name=None)


# Throttling


@time_machine.travel(MOMENT, tick=False)
def test_an_attackers_failures_never_stop_the_owner_signing_in_from_a_fresh_address(client, make_user):
    owner = make_user()
    for _ in range(12):
        _attempt(client, owner.email, "guess", address="203.0.113.9")
    assert "You have entered a wrong email address or password too many times" in (
        _attempt(client, owner.email, PASSWORD, "203.0.113.9").text
    )
    response = _attempt(client, owner.email, PASSWORD, address="10.0.0.7")
    assert response.status_code == 302
    assert _open_sessions(owner) == 1


@time_machine.travel(MOMENT, tick=False)
def test_failures_behind_one_address_delay_the_next_attempt_but_never_lock_a_correct_password_out(
    client, make_user, app
):
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        colleague = make_user()
        for n in range(3):
            _attempt(client, f"nobody{n}@test.example", "guess", address="192.0.2.1")
        response = _attempt(client, colleague.email, PASSWORD, address="192.0.2.1")
        assert error_messages(soup_of(response)) == [
            "There have been several failed attempts, so you must wait between tries. Wait 2 seconds, then try "
            "again. Each failed try makes the wait longer. If you have forgotten your password, ask your service "
            "administrator to reset it."
        ]
        assert soup_of(response).select_one("#email")["value"] == colleague.email
        assert soup_of(response).select_one("#password").get("value") in (None, "")
        with time_machine.travel(MOMENT + timedelta(seconds=2), tick=False):
            assert _attempt(client, colleague.email, PASSWORD, address="192.0.2.1").status_code == 302
    finally:
        app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 1000


def test_the_delay_doubles_with_each_failure_and_is_capped(client, make_user, app):
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 3
    app.config["SIGN_IN_THROTTLE_MINUTES"] = 120
    colleague = make_user()
    try:
        with time_machine.travel(MOMENT, tick=False) as traveller:
            waits = []
            for n in range(10):
                _attempt(client, f"nobody{n}@test.example", "guess", address="192.0.2.1")
                response = _attempt(client, colleague.email, PASSWORD, address="192.0.2.1")
                if response.status_code == 302:
                    waits.append(None)
                    client.sign_out()
                else:
                    [error] = error_messages(soup_of(response))
                    waits.append(error.split(". ")[1])
                traveller.shift(timedelta(seconds=121))
        assert waits == [None, None] + [f"Wait {s} seconds, then try again" for s in (2, 4, 8, 16, 32, 64, 120, 120)]
    finally:
        app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 1000
        app.config["SIGN_IN_THROTTLE_MINUTES"] = 15


@time_machine.travel(MOMENT, tick=False)
def test_an_attempt_refused_for_waiting_is_not_checked_and_does_not_lengthen_the_wait(client, make_user, app):
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for n in range(3):
            _attempt(client, f"nobody{n}@test.example", "guess", address="192.0.2.1")
        for _ in range(5):
            _attempt(client, "nobody9@test.example", "guess", address="192.0.2.1")
        assert db.session.scalar(select(func.count(SignInAttempt.id))) == 3
        denied = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "sign_in")).all()
        assert denied.count("too many failed attempts") == 5
    finally:
        app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 1000


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check, counted by wrapping Werkzeug's function (the work itself still happens)."""
    calls = []
    original = werkzeug.security.check_password_hash

    def counting(password_hash, password):
        calls.append(password_hash)
        return original(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return calls


@time_machine.travel(MOMENT, tick=False)
def test_unknown_disabled_and_active_accounts_each_cost_exactly_one_hash_check(client, make_user, hash_checks):
    active = make_user()
    disabled = make_user(active=False)
    cases = [
        ("nobody@test.example", PASSWORD),
        (disabled.email, PASSWORD),
        (disabled.email, "wrong"),
        (active.email, "wrong"),
        (active.email, PASSWORD),
    ]
    for email, password in cases:
        before = len(hash_checks)
        _attempt(client, email, password, address="10.0.0.3")
        client.sign_out() if email == active.email and password == PASSWORD else None
        assert len(hash_checks) - before == 1, email
    # An attempt refused unchecked (locked or waiting) is not checked against the real hash, but costs the
    # same one check.
    for _ in range(5):
        _attempt(client, active.email, "wrong", address="10.0.0.4")
    before = len(hash_checks)
    assert "failed attempts" in _attempt(client, active.email, PASSWORD, address="10.0.0.4").text
    assert len(hash_checks) - before == 1
    assert hash_checks[-1] != active.password_hash


@time_machine.travel(MOMENT, tick=False)
def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(client, make_user):
    disabled = make_user(active=False)
    response = _attempt(client, disabled.email, PASSWORD)
    assert error_messages(soup_of(response)) == ["Enter a correct email address and password"]


@time_machine.travel(MOMENT, tick=False)
def test_guessing_the_current_password_is_throttled_and_every_wrong_guess_is_audited(client, make_user):
    user = make_user()
    client.sign_in(user)
    form = {"current_password": "guess", "new_password": OWN, "confirm_password": OWN}
    messages = [error_messages(soup_of(client.post("auth.change_password", form))) for _ in range(5)]
    assert messages[:2] == [["Your current password is not correct"]] * 2
    assert messages[2:] == [
        ["Your current password is not correct. You have 2 more tries before you must wait 15 minutes."],
        ["Your current password is not correct. You have 1 more try before you must wait 15 minutes."],
        ["Your current password is not correct. Wait 15 minutes before you try again."],
    ]
    response = client.post("auth.change_password", {**form, "current_password": PASSWORD})
    assert error_messages(soup_of(response))[0].startswith("You have entered a wrong current password too many")
    assert fresh(user).check_password(PASSWORD)
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "check_current_password", AuditEvent.outcome == "denied", AuditEvent.user_id == user.id
        )
    ).all()
    assert details == ["wrong password"] * 5 + ["too many failed attempts"]
    kinds = db.session.scalars(select(SignInAttempt.kind).where(SignInAttempt.succeeded.is_(False))).all()
    assert kinds == ["current_password"] * 5


# Temporary passwords


def _create_through_admin(client, make_user, email="new.person@test.example"):
    admin = _admin(make_user)
    client.sign_in(admin)
    soup = client.page("admin.new_user")
    role = next(o["value"] for o in soup.select("#role option") if o.get_text() == "Social worker")
    team = next(o["value"] for o in soup.select("#team option") if o.get_text().startswith("Social care team"))
    response = client.post(
        "admin.new_user",
        {"name": "New Person", "email": email, "role": role, "team": team, "password": TEMPORARY},
    )
    assert response.status_code == 302, error_messages(soup_of(response))
    client.sign_out()
    return db.session.scalar(select(User).where(User.email == email))


def test_a_first_sign_in_with_an_administrators_password_must_choose_its_own_before_anything_else(client, make_user):
    person = _create_through_admin(client, make_user)
    assert person.must_change_password
    response = client.sign_in(person, password=TEMPORARY)
    for endpoint in ("main.home", "admin.users", "auth.account_second_factor"):
        response = client.get(endpoint)
        assert response.headers["Location"] == client.url("auth.change_password"), endpoint
    htmx = client.get("main.home", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == client.url("auth.change_password")
    soup = client.page("auth.change_password")
    assert text_of(soup, "h1") == "Choose your own password"
    same = client.post(
        "auth.change_password",
        {"current_password": TEMPORARY, "new_password": TEMPORARY, "confirm_password": TEMPORARY},
    )
    assert error_messages(soup_of(same)) == ["Choose a new password that is different from your current one"]
    done = client.post(
        "auth.change_password", {"current_password": TEMPORARY, "new_password": OWN, "confirm_password": OWN}
    )
    assert done.headers["Location"] == client.url("main.home")
    assert client.get("main.home").status_code == 200
    assert not fresh(person).must_change_password


def test_choosing_the_first_password_says_what_happened_in_words_for_a_first_day(client, make_user):
    person = _create_through_admin(client, make_user)
    client.sign_in(person, password=TEMPORARY)
    client.post("auth.change_password", {"current_password": TEMPORARY, "new_password": OWN, "confirm_password": OWN})

    said = text_of(client.page("main.home"), ".govuk-notification-banner")
    assert "Your password is set. From now on, sign in with your email address and this password." in said
    assert "The temporary password no longer works." in said
    assert "signed out" not in said


def test_changing_a_password_later_says_other_browsers_were_signed_out_and_this_one_was_not(client, make_user):
    user = make_user()
    client.sign_in(user)
    client.post("auth.change_password", {"current_password": PASSWORD, "new_password": OWN, "confirm_password": OWN})

    said = text_of(client.page("main.home"), ".govuk-notification-banner")
    assert "If you were signed in on another computer or browser, you have been signed out there" in said
    assert "You are still signed in here." in said


def test_an_administrator_resets_a_password_signing_the_person_out_and_forcing_a_change(app, make_user):
    admin_client, person_client = TestClient(app), TestClient(app)
    admin = _admin(make_user)
    person = make_user()
    person_client.sign_in(person)
    admin_client.sign_in(admin)
    assert "Reset" in text_of(admin_client.page("admin.edit_user", user_id=person.id), "#reset-password-link")
    short = admin_client.post("admin.reset_password", {"password": "short"}, user_id=person.id)
    assert error_messages(soup_of(short)) == ["Password must be between 12 and 200 characters"]
    response = admin_client.post("admin.reset_password", {"password": TEMPORARY}, user_id=person.id)
    assert response.headers["Location"] == admin_client.url("admin.edit_user", user_id=person.id)
    assert person_client.get("main.home").status_code == 302
    assert "An administrator reset your password" in person_client.get("auth.sign_in").text
    person_client.sign_in(person, password=TEMPORARY)
    assert person_client.get("main.home").headers["Location"] == person_client.url("auth.change_password")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reset_password"))
    assert (event.user_id, event.record_id, event.outcome) == (admin.id, str(person.id), "ok")


# Ending someone's sessions


def test_an_administrator_signs_someone_out_everywhere_and_they_are_told_why(app, make_user):
    admin_client, laptop, phone = TestClient(app), TestClient(app), TestClient(app)
    admin = _admin(make_user)
    person = make_user(name="Pat Person")
    laptop.sign_in(person)
    phone.sign_in(person)
    admin_client.sign_in(admin)
    assert "Yes, in 2 places" in text_of(admin_client.page("admin.edit_user", user_id=person.id), "#signing-in")
    confirm = admin_client.page("admin.end_sessions", user_id=person.id)
    assert text_of(confirm, "h1") == "Sign Pat Person out everywhere?"
    response = admin_client.post("admin.end_sessions", {}, user_id=person.id)
    assert response.headers["Location"] == admin_client.url("admin.edit_user", user_id=person.id)
    assert (
        "Pat Person has been signed out everywhere (2 sessions ended)."
        in admin_client.get("admin.edit_user", user_id=person.id).text
    )
    for device in (laptop, phone):
        assert device.get("main.home").status_code == 302
        assert "An administrator signed you out on every device" in text_of(
            device.page("auth.sign_in"), "#session-ended"
        )
    assert _open_sessions(person) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "end_sessions"))
    assert (event.user_id, event.record_id, event.detail) == (admin.id, str(person.id), "sessions ended: 2")
    assert admin_client.get("main.home").status_code == 200


def test_only_administrators_can_end_someone_elses_sessions(client, make_user):
    person = make_user()
    client.sign_in(make_user("team_manager"))
    assert client.post("admin.end_sessions", {}, user_id=person.id).status_code == 403


# Signing out


def test_signing_out_tells_the_browser_to_clear_the_site_and_nothing_else_does(client, make_user):
    client.sign_in(make_user())
    assert "Clear-Site-Data" not in client.get("main.home").headers
    response = client.sign_out()
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "Clear-Site-Data" not in client.get("auth.sign_in", signed_out=1).headers


# LOCAL_PASSWORDS=false


@pytest.fixture
def no_local_passwords(app):
    app.config["LOCAL_PASSWORDS"] = False
    yield
    app.config["LOCAL_PASSWORDS"] = True


def test_without_local_passwords_there_is_no_password_form_and_a_posted_password_is_refused(
    app, client, make_user, no_local_passwords
):
    user = make_user()
    soup = client.page("auth.sign_in")
    assert soup.select_one("#password") is None
    app.config["WTF_CSRF_ENABLED"] = False  # the page has no form to take a token from
    try:
        response = client.http.post(client.url("auth.sign_in"), data={"email": user.email, "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 403
    assert error_messages(soup_of(response)) == [
        "This service does not use passwords. Sign in with your council account"
    ]
    assert _open_sessions(user) == 0


def test_without_local_passwords_nobody_changes_or_is_given_a_password(app, make_user):
    admin = _admin(make_user)
    person = make_user()
    client = TestClient(app)
    client.sign_in(admin)
    app.config["LOCAL_PASSWORDS"] = False
    try:
        assert client.get("auth.change_password").status_code == 404
        assert client.get("admin.reset_password", user_id=person.id).status_code == 404
        assert client.page("admin.new_user").select_one("#password") is None
        assert client.page("admin.edit_user", user_id=person.id).select_one("#reset-password-link") is None
    finally:
        app.config["LOCAL_PASSWORDS"] = True
