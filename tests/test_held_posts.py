"""Issue 13 part 4: a save that arrives after the session ended keeps what was typed, for its owner only."""

import json
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from earlyhelp.clock import LONDON
from earlyhelp.clock import now as utcnow
from earlyhelp.extensions import db
from earlyhelp.models import HeldPost, UserSession
from earlyhelp.models.case_notes import CaseNote, CaseNoteType
from tests.factories import PASSWORD, make_episode, make_household, make_user, reference
from tests.helpers import date_parts, soup_of, text_of

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)
TYPED = "Home visit. Mum said Dad has not been back since Friday.\nAsh is sleeping better."


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def robin(app):
    return make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")


@pytest.fixture
def family(app, robin):
    family = make_household(children=2)
    make_episode(family, lead=robin)
    return family


def note_form(csrf_token: str) -> dict:
    return {
        "csrf_token": csrf_token,
        "type": str(reference(CaseNoteType, code="visit").id),
        "happened_on": date_parts(date(2026, 12, 1)),
        "happened_time": "09:30",
        "who_was_involved": "Mum, Ash and Bo",
        "about": ["family"],
        "text": TYPED,
        "significant": "yes",
        "late_recording_reason": "",
    }


def session_of(user) -> UserSession:
    return db.session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def let_the_session_end(user, frozen) -> None:
    session_of(user).last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()


def save_after_the_session_ended(client, family, robin, frozen, **headers):
    client.sign_in(robin)
    token = client.csrf_token(f"/families/{family.id}/case-notes/new")
    let_the_session_end(robin, frozen)
    return client.http.post(f"/families/{family.id}/case-notes/new", data=note_form(token), headers=headers)


def kept_address(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]


def notes_of(family) -> int:
    return db.session.scalar(select(func.count(CaseNote.id)).where(CaseNote.family_id == family.id))


def test_a_note_saved_after_the_session_ended_is_kept_and_saved_after_signing_in_again(client, family, robin, frozen):
    response = save_after_the_session_ended(client, family, robin, frozen)

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
    sign_in_page = client.get(response.headers["Location"]).text
    assert "You were signed out before your changes were saved. What you typed has been kept" in sign_in_page
    assert notes_of(family) == 0
    signed_in = client.post(
        client.url("auth.sign_in") + "?next=" + kept_address(response),
        {"email": robin.email, "password": PASSWORD},
        csrf_from="auth.sign_in",
    )
    assert signed_in.headers["Location"] == kept_address(response)
    kept = soup_of(client.get(kept_address(response)))
    assert "Mum said Dad has not been back since Friday." in text_of(kept, "#kept-fields")
    assert "Ash is sleeping better." in text_of(kept, "#kept-fields")
    assert "Happened on 1/12/2026" in text_of(kept, "#kept-fields")  # the date as one, not three boxes

    form = kept.select_one("form[action$='" + kept_address(response) + "']")
    fields = [(i["name"], i.get("value", "")) for i in form.select("input[type=hidden]")]
    fields = MultiDict(fields)
    again = client.http.post(form["action"], data=fields)
    assert again.status_code == 307 and again.headers["Location"].endswith(f"/families/{family.id}/case-notes/new")
    saved = client.http.post(again.headers["Location"], data=fields)
    assert saved.status_code == 302, saved.text
    assert db.session.scalar(select(CaseNote.text).where(CaseNote.family_id == family.id)) == TYPED
    assert client.get(kept_address(response)).status_code == 404  # offered once


def test_the_password_and_csrf_token_are_never_kept(client, family, robin, frozen):
    save_after_the_session_ended(client, family, robin, frozen)

    held = db.session.scalar(select(HeldPost))
    names = [name for name, _ in json.loads(held.fields)]
    assert "csrf_token" not in names and "text" in names
    assert held.user_id == robin.id


def test_someone_else_signing_in_never_sees_what_was_kept(client, app, family, robin, frozen):
    response = save_after_the_session_ended(client, family, robin, frozen)
    other = make_user("practitioner", team_name="Early help team", name="Sam Other")
    db.session.commit()
    client.sign_in(other)

    page = client.get(kept_address(response))
    assert page.status_code == 404
    assert "Friday" not in page.text


def test_a_kept_post_is_gone_after_the_held_minutes_and_deleted_with_the_next(client, app, family, robin, frozen):
    response = save_after_the_session_ended(client, family, robin, frozen)
    frozen.shift(timedelta(minutes=app.config["HELD_POST_MINUTES"] + 1))
    client.sign_in(robin)
    assert client.get(kept_address(response)).status_code == 404

    save_after_the_session_ended(client, family, robin, frozen)
    assert db.session.scalar(select(func.count(HeldPost.id))) == 1


def test_an_htmx_save_after_the_session_ended_is_kept_and_redirected_by_header(client, family, robin, frozen):
    response = save_after_the_session_ended(client, family, robin, frozen, **{"HX-Request": "true"})

    assert response.status_code == 204
    assert urlsplit(response.headers["HX-Redirect"]).path == "/sign-in"
    assert db.session.scalar(select(func.count(HeldPost.id))) == 1


def test_throwing_a_kept_post_away_means_it_is_not_offered_again(client, family, robin, frozen):
    response = save_after_the_session_ended(client, family, robin, frozen)
    client.sign_in(robin)
    token = kept_address(response).rsplit("/", 1)[1]

    thrown = client.post("auth.discard_kept", token=token, csrf_from=kept_address(response))
    assert thrown.status_code == 302
    assert client.get(kept_address(response)).status_code == 404
    assert notes_of(family) == 0


def test_a_save_after_the_account_was_disabled_is_not_kept(client, family, robin, frozen):
    client.sign_in(robin)
    token = client.csrf_token(f"/families/{family.id}/case-notes/new")
    ended = session_of(robin)
    ended.ended_at, ended.ended_reason = utcnow(), "account disabled"
    db.session.commit()

    response = client.http.post(f"/families/{family.id}/case-notes/new", data=note_form(token))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(HeldPost.id))) == 0


def test_a_save_refused_for_an_old_csrf_token_while_signed_in_is_kept(client, family, robin, frozen):
    client.sign_in(robin)
    old_token = client.csrf_token(f"/families/{family.id}/case-notes/new")
    client.sign_out()
    client.sign_in(robin)  # signed in again, as in another tab: the old page's token no longer works

    response = client.http.post(f"/families/{family.id}/case-notes/new", data=note_form(old_token))
    assert response.status_code == 302
    kept = client.get(response.headers["Location"])
    assert "Your page was out of date" in kept.text
    assert "Mum said Dad has not been back since Friday." in kept.text
    assert notes_of(family) == 0


def test_signing_out_after_the_session_ended_keeps_nothing_and_says_nothing_was_kept(client, robin, frozen):
    client.sign_in(robin)
    token = client.csrf_token("main.home")
    let_the_session_end(robin, frozen)

    response = client.http.post(client.url("auth.sign_out"), data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(HeldPost.id))) == 0
    assert "What you typed has been kept" not in client.get(response.headers["Location"]).text


def signed_in_again_with_a_kept_note(client, family, robin, frozen) -> str:
    response = save_after_the_session_ended(client, family, robin, frozen)
    client.sign_in(robin)
    return kept_address(response)


def test_the_kept_page_says_which_form_which_family_and_when_save_was_pressed(client, family, robin, frozen):
    address = signed_in_again_with_a_kept_note(client, family, robin, frozen)

    kept = soup_of(client.get(address))
    about = text_of(kept, "#kept-about")
    assert "Form Write a case note" in about
    assert f"Family {family.name} ({family.reference})" in about
    assert "Save pressed Tue 1 Dec 2026 at 14:00" in about
    assert f"Write a case note for {family.name}" in text_of(kept, ".govuk-caption-l")
    assert "You pressed save at Tue 1 Dec 2026 at 14:00, but your session had already ended" in text_of(
        kept, "#kept-summary"
    )
    put_back = kept.select_one("#put-back")
    assert put_back.get_text(strip=True) == "Put it back in the form"
    assert put_back["href"] == f"/families/{family.id}/case-notes/new#kept-{address.rsplit('/', 1)[1]}"
    assert text_of(kept, "#throw-away") == "Throw it away"


def test_putting_it_back_in_the_form_gives_the_page_what_was_typed_once(client, family, robin, frozen):
    address = signed_in_again_with_a_kept_note(client, family, robin, frozen)
    token = address.rsplit("/", 1)[1]

    put_back = client.post("auth.put_back_kept", token=token, csrf_from=f"/families/{family.id}/case-notes/new")
    assert put_back.status_code == 200
    assert put_back.json["path"] == f"/families/{family.id}/case-notes/new"
    assert ["text", TYPED] in put_back.json["fields"]
    assert not any(name == "csrf_token" for name, _ in put_back.json["fields"])
    assert notes_of(family) == 0  # back in the form, not saved: the person checks it and saves it
    again = client.post("auth.put_back_kept", token=token, csrf_from=f"/families/{family.id}/case-notes/new")
    assert again.status_code == 404
    assert client.get(address).status_code == 404


def test_my_work_points_to_a_kept_post_until_it_is_thrown_away(client, family, robin, frozen):
    address = signed_in_again_with_a_kept_note(client, family, robin, frozen)

    home = soup_of(client.get("main.home"))
    link = home.select_one("#kept-posts a")
    assert link["href"] == address
    assert link.get_text(" ", strip=True) == f"Write a case note for {family.name} ({family.reference})"
    assert "You were signed out before this was saved" in text_of(home, "#kept-posts")
    assert "save pressed Tue 1 Dec 2026 at 14:00" in text_of(home, "#kept-posts")

    client.post("auth.discard_kept", token=address.rsplit("/", 1)[1], csrf_from=address)
    assert soup_of(client.get("main.home")).select_one("#kept-posts") is None


def test_my_work_never_shows_someone_else_their_colleagues_kept_post(client, family, robin, frozen):
    save_after_the_session_ended(client, family, robin, frozen)
    manager = make_user("team_manager", team_name="Early help team", name="Morgan Other")
    db.session.commit()
    client.sign_in(manager)

    assert soup_of(client.get("main.home")).select_one("#kept-posts") is None
    assert soup_of(client.get("main.home", who="team")).select_one("#kept-posts") is None


def test_my_work_stops_pointing_to_a_kept_post_once_it_is_no_longer_kept(client, app, family, robin, frozen):
    save_after_the_session_ended(client, family, robin, frozen)
    frozen.shift(timedelta(minutes=app.config["HELD_POST_MINUTES"] + 1))
    client.sign_in(robin)

    assert soup_of(client.get("main.home")).select_one("#kept-posts") is None


# Posts that are never kept: signing in and out, and the kept page's own buttons.
NOT_A_FORM = {
    "auth.sign_in",
    "auth.sign_out",
    "auth.second_factor",
    "auth.set_up_second_factor",
    "auth.keep_alive",
    "auth.send_kept",
    "auth.put_back_kept",
    "auth.discard_kept",
}


def test_every_form_whose_post_can_be_kept_has_a_name_on_the_kept_page(app):
    from earlyhelp.services.held_posts import FORM_NAMES

    unnamed = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in NOT_A_FORM and rule.endpoint not in FORM_NAMES
    )
    assert unnamed == [], "add each to FORM_NAMES in earlyhelp/services/held_posts.py"
