"""An administrator adds people, changes their role and team, and disables them."""

from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, User
from tests import factories
from tests.helpers import TestClient, error_messages, soup_of, text_of


def test_only_administrators_can_see_the_users_page(client, make_user):
    practitioner = make_user("practitioner")
    client.sign_in(practitioner)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.text
    denied = db.session.scalar(
        select(AuditEvent).where(AuditEvent.user_id == practitioner.id, AuditEvent.outcome == "denied")
    )
    assert denied.record_id == "admin.users"
    assert denied.role == "practitioner"


def test_the_users_link_shows_only_for_administrators(client, make_user):
    client.sign_in(make_user("team_manager"))
    assert "Users" not in text_of(client.page("/"), "#navigation")
    client.sign_out()
    client.sign_in(make_user("administrator", team_name=None))
    assert "Users" in text_of(client.page("/"), "#navigation")


def test_an_administrator_adds_a_user_who_can_then_sign_in(client, make_user):
    client.sign_in(make_user("administrator", team_name=None))
    soup = client.page("/admin/users/new")
    role_value = next(o["value"] for o in soup.select("#role option") if o.get_text() == "Social worker")
    team_value = next(o["value"] for o in soup.select("#team option") if o.get_text().startswith("Social care team"))
    response = client.post(
        "/admin/users/new",
        {
            "name": "Jo Newstarter",
            "email": "Jo.Newstarter@test.example",
            "role": role_value,
            "team": team_value,
            "password": "a long temporary phrase",
        },
    )
    assert response.headers["Location"] == "/admin/users"
    assert "Jo Newstarter has been added." in client.get("/admin/users").text
    user = User.by_email("jo.newstarter@test.example")
    assert (user.role.code, user.team.name) == ("social_worker", "Social care team")

    newcomer = TestClient(client.app)
    assert newcomer.sign_in("jo.newstarter@test.example", password="a long temporary phrase").status_code == 302


def test_adding_a_user_with_mistakes_explains_each_and_keeps_what_was_typed(client, make_user):
    existing = make_user()
    client.sign_in(make_user("administrator", team_name=None))
    response = client.post(
        "/admin/users/new",
        {"name": "Jo Typist", "email": "not-an-email", "role": "9999", "team": "", "password": "short"},
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        "Enter an email address in the correct format, like name@example.org",
        "Select a role from the list",
        "Password must be between 12 and 200 characters",
    ]
    assert soup.select_one("#name")["value"] == "Jo Typist"
    assert soup.select_one("#email")["value"] == "not-an-email"

    role_value = str(factories.role("practitioner").id)
    response = client.post(
        "/admin/users/new",
        {
            "name": "Jo Twin",
            "email": existing.email.upper(),
            "role": role_value,
            "team": "",
            "password": "long enough phrase",
        },
    )
    assert error_messages(soup_of(response)) == ["A user with this email address already exists"]


def test_overlong_text_is_refused_with_its_limit(client, make_user):
    client.sign_in(make_user("administrator", team_name=None))
    response = client.post(
        "/admin/users/new",
        {
            "name": "x" * 121,
            "email": "ok@test.example",
            "role": str(factories.role("practitioner").id),
            "team": "",
            "password": "long enough phrase",
        },
    )
    assert error_messages(soup_of(response)) == ["Full name must be 120 characters or fewer"]


def test_an_administrator_changes_a_role_and_team(client, make_user):
    person = make_user("practitioner")
    client.sign_in(make_user("administrator", team_name=None))
    response = client.post(
        f"/admin/users/{person.id}",
        {
            "role": str(factories.role("team_manager").id),
            "team": str(factories.team("Social care team").id),
            "active": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.role.code, person.team.name, person.active) == ("team_manager", "Social care team", True)


def test_disabling_a_user_ends_their_sessions(client, make_user, app):
    person = make_user("practitioner")
    their_browser = TestClient(app)
    their_browser.sign_in(person)
    client.sign_in(make_user("administrator", team_name=None))
    client.post(f"/admin/users/{person.id}", {"role": str(person.role_id), "team": str(person.team_id)})
    db.session.refresh(person)
    assert person.active is False
    assert their_browser.get("/").status_code == 302
    assert "Disabled" in client.get("/admin/users").text


def test_an_administrator_cannot_disable_themselves(client, make_user):
    admin = make_user("administrator", team_name=None)
    client.sign_in(admin)
    response = client.post(f"/admin/users/{admin.id}", {"role": str(admin.role_id), "team": ""})
    assert error_messages(soup_of(response)) == ["You cannot disable your own account. Ask another administrator"]


def test_an_unknown_user_is_not_found(client, make_user):
    client.sign_in(make_user("administrator", team_name=None))
    assert client.get("/admin/users/999999").status_code == 404
