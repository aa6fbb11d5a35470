"""An administrator adds people, changes their role and team, and disables them."""

import pytest
from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, User
from tests import factories
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of


def _admin(make_user):
    return make_user("administrator", team_name=None)


def test_only_administrators_can_see_the_users_page(client, make_user):
    practitioner = make_user("practitioner")
    client.sign_in(practitioner)
    response = client.get("admin.users")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.text
    denied = db.session.scalar(
        select(AuditEvent).where(AuditEvent.user_id == practitioner.id, AuditEvent.outcome == "denied")
    )
    assert denied.record_id == "admin.users"
    assert denied.role == "practitioner"


def test_the_users_link_shows_only_for_administrators(client, make_user):
    client.sign_in(make_user("team_manager"))
    assert "Users" not in text_of(client.page("main.home"), "#navigation")
    client.sign_out()
    client.sign_in(_admin(make_user))
    assert "Users" in text_of(client.page("main.home"), "#navigation")


def test_the_users_page_lists_everyone_with_their_role_team_and_status_and_is_audited(client, make_user):
    admin = _admin(make_user)
    dana = make_user("social_worker", team_name="Social care team", name="Dana Disabled", active=False)
    client.sign_in(admin)
    soup = client.page("admin.users")
    rows = {
        " ".join(row.select_one("th").get_text(" ").split()): [
            " ".join(c.get_text(" ").split()) for c in row.select("td")
        ]
        for row in soup.select("#users tbody tr")
    }
    assert rows["Dana Disabled (change role, team or status)"][1:] == ["Social worker", "Social care team", "Disabled"]
    assert rows[f"{admin.name} (change role, team or status)"][1:] == ["Administrator", "No team", "Active"]
    links = [a["href"] for a in soup.select("#users tbody a")]
    assert client.url("admin.edit_user", user_id=dana.id) in links
    listed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "list", AuditEvent.user_id == admin.id))
    assert (listed.record_type, listed.outcome) == ("user", "ok")


def test_an_administrator_adds_a_user_who_can_then_sign_in(client, make_user):
    client.sign_in(_admin(make_user))
    soup = client.page("admin.new_user")
    assert soup.select_one(".govuk-back-link")["href"] == client.url("admin.users")
    role_value = next(o["value"] for o in soup.select("#role option") if o.get_text() == "Social worker")
    team_value = next(o["value"] for o in soup.select("#team option") if o.get_text().startswith("Social care team"))
    response = client.post(
        "admin.new_user",
        {
            "name": "Jo Newstarter",
            "email": "Jo.Newstarter@test.example",
            "role": role_value,
            "team": team_value,
            "password": "a long temporary phrase",
        },
    )
    assert response.headers["Location"] == client.url("admin.users")
    assert "Jo Newstarter has been added." in client.get("admin.users").text
    user = User.by_email("jo.newstarter@test.example")
    assert (user.email, user.role.code, user.team.name) == (
        "jo.newstarter@test.example",
        "social_worker",
        "Social care team",
    )

    newcomer = TestClient(client.app)
    assert newcomer.sign_in("jo.newstarter@test.example", password="a long temporary phrase").status_code == 302


def test_adding_a_user_with_mistakes_explains_each_and_keeps_what_was_typed(client, make_user):
    client.sign_in(_admin(make_user))
    response = client.post(
        "admin.new_user",
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


def test_an_email_address_already_in_use_is_refused_on_its_field_and_the_refusal_is_audited(client, make_user):
    existing = make_user()
    admin = _admin(make_user)
    client.sign_in(admin)
    response = client.post(
        "admin.new_user",
        {
            "name": "Jo Twin",
            "email": existing.email.upper(),
            "role": str(factories.role("practitioner").id),
            "team": str(factories.team().id),
            "password": "long enough phrase",
        },
    )
    soup = soup_of(response)
    assert error_messages(soup) == ["A user with this email address already exists"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#email"
    assert soup.select_one("#name")["value"] == "Jo Twin"
    assert db.session.scalar(select(User).where(User.name == "Jo Twin")) is None
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create", AuditEvent.user_id == admin.id))
    assert (refused.record_type, refused.outcome) == ("user", "refused")


def test_overlong_text_is_refused_with_its_limit(client, make_user):
    client.sign_in(_admin(make_user))
    response = client.post(
        "admin.new_user",
        {
            "name": "x" * 121,
            "email": "ok@test.example",
            "role": str(factories.role("practitioner").id),
            "team": "",
            "password": "long enough phrase",
        },
    )
    assert error_messages(soup_of(response)) == ["Full name must be 120 characters or fewer"]


def test_an_unknown_team_is_refused_with_its_own_message(client, make_user):
    person = make_user("practitioner")
    client.sign_in(_admin(make_user))
    response = client.post(
        "admin.edit_user", {"role": str(person.role_id), "team": "99999", "active": "y"}, user_id=person.id
    )
    assert error_messages(soup_of(response)) == ["Select a team from the list"]


def test_an_administrator_changes_a_role_and_team(client, make_user):
    person = make_user("practitioner")
    client.sign_in(_admin(make_user))
    soup = client.page("admin.edit_user", user_id=person.id)
    assert soup.select_one(".govuk-back-link")["href"] == client.url("admin.users")
    response = client.post(
        "admin.edit_user",
        {
            "role": str(factories.role("team_manager").id),
            "team": str(factories.team("Social care team").id),
            "active": "y",
        },
        user_id=person.id,
    )
    assert response.status_code == 302
    person = fresh(person)
    assert (person.role.code, person.team.name, person.active) == ("team_manager", "Social care team", True)
    assert f"Changes to {person.name} have been saved." in client.get("admin.users").text
    changed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.record_id == str(person.id))
    )
    assert (changed.outcome, changed.detail) == (
        "ok",
        "role: Early help practitioner -> Team manager; team: Early help team -> Social care team",
    )


def test_disabling_a_user_ends_their_sessions(client, make_user, app):
    person = make_user("practitioner")
    their_browser = TestClient(app)
    their_browser.sign_in(person)
    client.sign_in(_admin(make_user))
    client.post("admin.edit_user", {"role": str(person.role_id), "team": str(person.team_id)}, user_id=person.id)
    assert fresh(person).active is False
    assert their_browser.get("main.home").status_code == 302
    assert "Disabled" in client.get("admin.users").text


def test_an_administrator_cannot_disable_themselves_and_the_refusal_is_audited(client, make_user):
    admin = _admin(make_user)
    client.sign_in(admin)
    response = client.post("admin.edit_user", {"role": str(admin.role_id), "team": ""}, user_id=admin.id)
    soup = soup_of(response)
    assert error_messages(soup) == ["You cannot disable your own account. Ask another administrator"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#active"
    assert fresh(admin).active is True
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.user_id == admin.id))
    assert (refused.record_id, refused.outcome) == (str(admin.id), "refused")


def test_opening_a_user_is_audited(client, make_user):
    person = make_user("practitioner")
    admin = _admin(make_user)
    client.sign_in(admin)
    client.page("admin.edit_user", user_id=person.id)
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.user_id == admin.id))
    assert (viewed.record_type, viewed.record_id) == ("user", str(person.id))


def test_an_unknown_user_is_not_found(client, make_user):
    client.sign_in(_admin(make_user))
    assert client.get("admin.edit_user", user_id=999999).status_code == 404
    assert client.get("/admin/users/99999999999999999999").status_code == 404  # typed by hand, too big for the database


def test_giving_someone_a_case_role_is_audited_with_what_it_was_and_is(client, make_user):
    admin = _admin(make_user)
    person = make_user("administrator", team_name=None)
    client.sign_in(admin)
    client.post(
        "admin.edit_user",
        {
            "role": str(factories.role("social_worker").id),
            "team": str(factories.team("Social care team").id),
            "active": "y",
        },
        user_id=person.id,
    )
    changed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.record_id == str(person.id))
    )
    assert changed.detail == "role: Administrator -> Social worker; team: none -> Social care team"
    assert changed.user_id == admin.id


def test_saving_only_the_status_says_nothing_about_role_or_team(client, make_user):
    person = make_user("practitioner")
    client.sign_in(_admin(make_user))
    client.post("admin.edit_user", {"role": str(person.role_id), "team": str(person.team_id)}, user_id=person.id)
    changed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.record_id == str(person.id))
    )
    assert (changed.outcome, changed.detail) == ("ok", "")


@pytest.mark.parametrize(
    ("change", "message", "field"),
    [
        ({"role": "social_worker"}, "You cannot change your own role. Ask another administrator", "role"),
        ({"team": "Social care team"}, "You cannot change your own team. Ask another administrator", "team"),
    ],
    ids=["role", "team"],
)
def test_an_administrator_cannot_change_their_own_role_or_team(client, make_user, change, message, field):
    admin = _admin(make_user)
    client.sign_in(admin)
    form = {"role": str(admin.role_id), "team": "", "active": "y"}
    if "role" in change:
        form["role"] = str(factories.role(change["role"]).id)
    if "team" in change:
        form["team"] = str(factories.team(change["team"]).id)
    soup = soup_of(client.post("admin.edit_user", form, user_id=admin.id))
    assert error_messages(soup) == [message]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == f"#{field}"
    admin = fresh(admin)
    assert (admin.role.code, admin.team_id) == ("administrator", None)
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.user_id == admin.id))
    assert refused.outcome == "refused"


def test_my_own_page_shows_my_role_and_team_without_offering_to_change_them(client, make_user):
    admin = _admin(make_user)
    client.sign_in(admin)
    soup = client.page("admin.edit_user", user_id=admin.id)
    assert soup.select("select#role, select#team") == []
    assert "Administrator" in text_of(soup, "#own-role-and-team") and "No team" in text_of(soup, "#own-role-and-team")
    response = client.post(
        "admin.edit_user",
        {
            "role": soup.select_one("input[name=role]")["value"],
            "team": soup.select_one("input[name=team]")["value"],
            "active": "y",
        },
        user_id=admin.id,
    )
    assert response.status_code == 302


def test_a_head_of_service_is_added_without_a_team_and_the_role_is_audited(client, make_user):
    client.sign_in(_admin(make_user))
    response = client.post(
        "admin.new_user",
        {
            "name": "Hana Overseer",
            "email": "hana.overseer@test.example",
            "role": str(factories.role("head_of_service").id),
            "team": "",
            "password": "a long temporary phrase",
        },
    )
    assert response.status_code == 302
    hana = User.by_email("hana.overseer@test.example")
    assert (hana.role.code, hana.team) == ("head_of_service", None)
    created = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "create", AuditEvent.record_id == str(hana.id))
    )
    assert created.detail == "role: none -> Head of service; team: none -> none"


def test_a_worker_needs_a_team_and_a_head_of_service_has_none(client, make_user):
    client.sign_in(_admin(make_user))
    form = {"name": "Jo Teamless", "email": "jo.teamless@test.example", "password": "long enough phrase"}
    no_team = client.post("admin.new_user", form | {"role": str(factories.role("practitioner").id), "team": ""})
    assert error_messages(soup_of(no_team)) == [
        "Choose a team: the early help practitioner role sees the families its team works with"
    ]
    in_a_team = client.post(
        "admin.new_user",
        form | {"role": str(factories.role("head_of_service").id), "team": str(factories.team().id)},
    )
    assert error_messages(soup_of(in_a_team)) == ["Choose no team: the head of service role does not belong to a team"]
    assert User.by_email("jo.teamless@test.example") is None


@pytest.mark.parametrize(
    ("endpoint", "question", "button"),
    [
        ("admin.end_sessions", "Sign Pat Phoneless out everywhere?", "Sign them out everywhere"),
        ("admin.remove_second_factor", "Remove Pat Phoneless's sign-in code?", "Remove their sign-in code"),
    ],
)
def test_each_are_you_sure_page_names_the_person_asks_once_and_offers_cancel(
    client, make_user, endpoint, question, button
):
    person = make_user(name="Pat Phoneless", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.sign_in(_admin(make_user))
    page = client.page(endpoint, user_id=person.id)

    main = page.select_one("main")
    assert text_of(main, ".govuk-caption-l") == person.email
    assert [" ".join(h.get_text().split()) for h in main.select("h1")] == [question]
    [submit] = main.select("form[method=post] button, form[method=post] input[type=submit]")
    assert (" ".join(submit.get_text().split()) or submit.get("value")) == button
    assert "govuk-button--warning" in submit["class"]
    cancel = main.find("a", string="Cancel")
    assert cancel["href"] == client.url("admin.edit_user", user_id=person.id)
