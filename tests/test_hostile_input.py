"""What an attacker's test found, each kept as the request that used to answer 500.

NUL and other control characters in a search, in the sign-in email, in a person's field; ids beyond what the
database holds; a file part where a text field is expected; a body that is not UTF-8. Each now answers as
the service answers any mistake: a message on the field, Not found, or Bad Request. Nothing is stored.
"""

import io
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, or_, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from earlyhelp.extensions import db
from earlyhelp.hostile import ID_MAX
from earlyhelp.models import Family, Person
from tests.factories import make_household
from tests.helpers import error_messages, soup_of
from tests.views.test_families import new_family_form

CONTROLS = "\x00\x01\x1b"


@pytest.fixture
def practitioner(client, make_user):
    user = make_user()
    client.sign_in(user)
    return user


def _families_named(text):
    return db.session.scalar(select(func.count()).select_from(Person).where(Person.last_name.contains(text)))


def _no_control_characters(response):
    body = response.get_data(as_text=True)
    return not any(character in body for character in CONTROLS)


def test_a_nul_in_a_search_is_taken_out_not_a_server_error(client, practitioner):
    make_household()
    response = client.get("families.search", query_string={"name": "Fictional\x00son"})
    assert response.status_code == 200
    assert _no_control_characters(response)
    assert soup_of(response).select_one("#name")["value"] == "Fictionalson"


def test_a_nul_in_the_sign_in_email_is_refused_on_the_field(client, make_user):
    make_user(email="someone@test.example")
    response = client.post(
        "auth.sign_in", {"email": "someone\x00@test.example", "password": "x"}, csrf_from="auth.sign_in"
    )
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == [
        "Email address must not include hidden control characters. They have been taken out: check what is left "
        "and try again"
    ]
    assert _no_control_characters(response)


def test_control_characters_in_a_persons_name_are_refused_and_never_stored(client, practitioner):
    response = client.post("families.new", new_family_form(**{"members-0-last_name": "Null\x00\x01\x1bson"}))
    assert response.status_code == 200
    assert (
        "Last name must not include hidden control characters. They have been taken out: check what is left and "
        "try again"
    ) in error_messages(soup_of(response))
    assert soup_of(response).select_one("#members-0-last_name")["value"] == "Nullson"
    assert _no_control_characters(response)
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.last_name.like("Null%"))) == 0


def test_a_line_break_in_a_one_line_answer_is_a_space_and_a_multi_line_one_keeps_it(client, practitioner):
    response = client.post(
        "families.new",
        new_family_form(**{"members-0-first_name": "Pe\ntra", "address": "12 Imaginary Lane\r\nTesttown\tNorth"}),
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.first_name == "Pe tra")) == 1
    stored = db.session.scalar(select(Family.address).where(Family.address.contains("Testtown")))
    assert stored.replace("\r\n", "\n") == "12 Imaginary Lane\nTesttown\tNorth"


@pytest.mark.parametrize("family_id", ["3000000000", "1" * 23, str(ID_MAX + 1)])
def test_an_id_beyond_what_the_database_holds_is_not_found(client, practitioner, family_id):
    response = client.get(f"/families/{family_id}")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_an_id_beyond_the_database_in_the_query_string_is_not_found(client, make_user):
    client.sign_in(make_user("front_door", team_name="Front door"))
    assert client.get("referrals.new", query_string={"family_id": "3000000000"}).status_code == 404


def test_every_route_with_an_id_matches_ids_the_database_can_hold_and_no_bigger(app):
    """Through routing itself (public API): each <int:...> in every route, blueprints included, stops at ID_MAX."""
    numbered = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert numbered
    adapter = app.url_map.bind("localhost")
    for rule in numbered:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        largest = re.sub(r"<int:\w+>", str(ID_MAX), re.sub(r"<(?!int:)(?:\w+:)?\w+>", "x", rule.rule))
        beyond = re.sub(r"<int:\w+>", str(ID_MAX + 1), re.sub(r"<(?!int:)(?:\w+:)?\w+>", "x", rule.rule))
        assert adapter.match(largest, method=method)[0] == rule.endpoint, rule.rule
        try:
            matched = adapter.match(beyond, method=method)[0]
        except (NotFound, MethodNotAllowed):  # no route, or only another route's (for other methods)
            matched = None
        assert matched != rule.endpoint, rule.rule


def test_the_app_bounds_ids_without_reaching_into_werkzeug_internals():
    source = (Path(__file__).resolve().parents[1] / "earlyhelp" / "hostile.py").read_text()
    assert "_converters" not in source


def _with_a_file(data: dict, name: str) -> dict:
    return {**data, name: (io.BytesIO(b"not text"), "x.txt")}


def test_a_file_where_a_name_is_expected_is_as_if_nothing_was_sent(client, practitioner):
    data = _with_a_file(new_family_form(), "members-0-first_name")
    data["csrf_token"] = client.csrf_token()
    response = client.http.post(client.url("families.new"), data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert any(message.startswith("Enter") and "first name" in message for message in error_messages(soup_of(response)))


def test_a_file_where_a_password_is_expected_is_as_if_nothing_was_sent(client, practitioner):
    data = {"current_password": "x", "new_password": "a long enough password", "confirm_password": "same"}
    data = _with_a_file(data, "new_password")
    data["csrf_token"] = client.csrf_token()
    response = client.http.post(client.url("auth.change_password"), data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Enter a new password" in error_messages(soup_of(response))


def test_a_form_body_that_is_not_utf8_is_a_bad_request(client, practitioner):
    token = client.csrf_token()
    body = f"csrf_token={token}&address=%FF%FE&postcode=AB1".encode()
    response = client.http.post(client.url("families.new"), data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Sorry, there is a problem with that request" in response.text


def test_a_multipart_body_that_is_not_utf8_is_a_bad_request(client, practitioner):
    token = client.csrf_token()
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="address"\r\n\r\n'
        ).encode()
        + b"\xff\xfe\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.http.post(
        client.url("families.new"), data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "Sorry, there is a problem with that request" in response.text


def test_a_query_string_that_is_not_utf8_is_no_server_error(client, practitioner):
    response = client.http.get("/families?name=%FF%FEab&postcode=%C0")
    assert response.status_code == 200


def test_no_form_value_reaches_the_log(client, practitioner, caplog):
    marker = "Zyxwvutsrq"
    with caplog.at_level(logging.DEBUG):
        client.post("families.new", new_family_form(**{"members-0-last_name": f"{marker}\x00"}))
        client.post("families.new", new_family_form(**{"members-0-last_name": marker * 300}))
    assert marker not in caplog.text
    assert _families_named(marker) == 0


def test_a_json_body_is_not_read_as_a_form(client, practitioner):
    token = client.csrf_token()
    response = client.http.post(
        client.url("families.new"),
        json={"address": {"nested": 1}, "postcode": 7, "members-0-first_name": ["a", "b"]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Family).where(or_(Family.postcode == "7"))) == 0


def test_a_day_too_big_for_a_date_is_not_a_real_date(client, practitioner):
    response = client.post("families.new", new_family_form(**{"members-0-date_of_birth": ["99999999999", "1", "2000"]}))
    assert response.status_code == 200
    assert any("must be a real date" in message for message in error_messages(soup_of(response)))


def test_a_control_character_stored_before_forms_refused_them_is_never_printed(client):
    """Rows written before forms refused control characters may still hold them: pages leave them out."""
    from tests.factories_access import quick_user

    family = make_household()
    child = family.children[0]
    child.first_name = "Ash\x01\x1bley"
    db.session.commit()
    client.sign_in(quick_user("head_of_service", team_name=None))
    response = client.get("families.show", family_id=family.id)
    assert response.status_code == 200
    assert _no_control_characters(response)
    assert "Ashley" in response.text
