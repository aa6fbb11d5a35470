"""Signing out, a session ending on the server, and a failed password are in the audit trail; the request
id is the server's own."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import now as utcnow
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, UserSession


def _events(**where):
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.scalars(query).all()


def _session_of(user) -> UserSession:
    return db.session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def test_signing_out_is_recorded_against_the_person(client, make_user):
    user = make_user()
    client.sign_in(user)
    client.sign_out()
    [event] = _events(action="sign_out")
    assert (event.user_id, event.record_id, event.outcome) == (user.id, str(user.id), "ok")


def test_a_session_ended_for_being_idle_is_recorded_once(client, make_user):
    user = make_user()
    client.sign_in(user)
    user_session = _session_of(user)
    user_session.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get("main.home").status_code == 302
    assert client.get("main.home").status_code == 302  # the same cookie again: already ended, not recorded twice
    [event] = _events(action="session_ended")
    assert (event.user_id, event.record_id, event.detail, event.outcome) == (user.id, str(user.id), "inactive", "ok")


def test_a_session_past_its_lifetime_is_recorded_as_expired(client, make_user):
    user = make_user()
    client.sign_in(user)
    user_session = _session_of(user)
    user_session.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("main.home").status_code == 302
    [event] = _events(action="session_ended")
    assert (event.user_id, event.detail) == (user.id, "expired")


def test_a_wrong_password_names_the_account_never_what_was_typed(client, make_user):
    user = make_user(email="known.person@test.example")
    response = client.post("auth.sign_in", {"email": user.email, "password": "Tr0ub4dor&3"}, csrf_from="auth.sign_in")
    assert response.status_code == 200
    [event] = _events(action="sign_in")
    assert (event.record_id, event.outcome, event.detail) == (str(user.id), "denied", "wrong password")
    assert event.user_id is None  # nobody was signed in: whoever typed it may not be the account's owner
    written = " ".join(str(value) for value in vars(event).values())
    assert "Tr0ub4dor" not in written and "known.person" not in written


def test_a_sign_in_with_an_unknown_email_is_recorded_with_no_account(client):
    client.post("auth.sign_in", {"email": "nobody.here@test.example", "password": "guess"}, csrf_from="auth.sign_in")
    [event] = _events(action="sign_in")
    assert (event.record_id, event.user_id, event.outcome) == (None, None, "denied")
    assert "nobody.here" not in event.detail


def test_the_request_id_is_made_by_the_server_not_taken_from_the_request(client, make_user):
    user = make_user()
    client.sign_in(user)
    chosen = "attacker-chosen-id"
    response = client.get("main.notifications_list", headers={"X-Request-Id": chosen})
    assert response.status_code == 200
    [event] = _events(action="list", record_type="notification")
    assert event.request_id != chosen
    assert len(event.request_id) == 32 and int(event.request_id, 16) >= 0
