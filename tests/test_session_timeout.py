"""Issue 13 parts 3b and 4: the warning before an idle session ends, "stay signed in", and nothing left in
the browser's storage."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import now as utcnow
from earlyhelp.extensions import db
from earlyhelp.models import UserSession
from tests.helpers import fresh, soup_of


def session_of(user) -> UserSession:
    return db.session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def test_signed_in_pages_carry_the_timeout_warning_with_the_configured_minutes(app, client, make_user):
    client.sign_in(make_user())
    dialog = soup_of(client.get("main.home")).select_one("dialog#timeout-warning")

    assert dialog["data-idle-minutes"] == str(app.config["SESSION_IDLE_MINUTES"])
    assert dialog["data-warning-minutes"] == str(app.config["SESSION_WARNING_MINUTES"])
    assert dialog["data-keep-alive-url"] == client.url("auth.keep_alive")
    assert dialog.select_one("[data-timeout-stay]").get_text(strip=True) == "Stay signed in"
    assert dialog.select_one("[aria-live]") is not None


def test_the_sign_in_page_has_no_timeout_warning(client):
    assert soup_of(client.get("auth.sign_in")).select_one("dialog#timeout-warning") is None


def test_staying_signed_in_starts_the_idle_time_again(client, make_user):
    user = make_user()
    client.sign_in(user)
    token = client.csrf_token("main.home")
    earlier = utcnow() - timedelta(minutes=28, seconds=30)
    session_of(user).last_seen_at = earlier
    db.session.commit()
    user_session = session_of(user)

    response = client.http.post(client.url("auth.keep_alive"), headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert fresh(user_session).last_seen_at > earlier + timedelta(minutes=28)


def test_staying_signed_in_needs_the_csrf_token(client, make_user):
    user = make_user()
    client.sign_in(user)
    assert client.http.post(client.url("auth.keep_alive")).status_code == 400


def test_staying_signed_in_after_the_session_ended_does_not_revive_it(client, make_user):
    user = make_user()
    client.sign_in(user)
    token = client.csrf_token("main.home")
    user_session = session_of(user)
    user_session.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()

    response = client.http.post(client.url("auth.keep_alive"), headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert fresh(user_session).ended_reason == "inactive"
    assert client.get("main.home").status_code == 302


def test_every_page_takes_browser_storage_away_before_htmx_loads(client, make_user):
    pages = [soup_of(client.get("auth.sign_in"))]
    client.sign_in(make_user())
    pages.append(soup_of(client.get("main.home")))
    for soup in pages:
        scripts = [script["src"] for script in soup.select("head script")]
        assert scripts.index("/static/js/no-storage.js") < scripts.index("/static/vendor/htmx/htmx.min.js")
        assert soup.body["hx-history"] == "false"
