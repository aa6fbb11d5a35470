"""Breaking the glass: opening a family with no working relationship, for a stated reason and a limited
time, seen by the family's team manager. All names are fictional."""

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, BreakGlass, Notification, RestrictedAccess
from tests.factories import make_episode, make_household
from tests.helpers import error_messages, soup_of, text_of

NOW = datetime(2026, 3, 10, 9, 15, tzinfo=LONDON)
REASON = "Mum rang the duty line about a school place"


def held_by_social_care(make_user):
    """A family the social care team works with, its lead and its manager; nobody in early help knows it."""
    family = make_household(children=2)
    lead = make_user("social_worker", team_name="Social care team", name="Rowan Carewell")
    manager = make_user("team_manager", team_name="Social care team", name="Indigo Managerly")
    make_episode(family, service_code="social_care", lead=lead)
    return family, lead, manager


def break_glass(client, family, reason=REASON):
    return client.post("families.break_glass", {"reason": reason}, family_id=family.id)


def test_the_page_says_what_is_recorded_who_will_see_it_and_for_how_long(client, make_user):
    family, _, _ = held_by_social_care(make_user)
    client.sign_in(make_user())
    assert client.get("families.show", family_id=family.id).status_code == 404
    soup = client.page("families.break_glass", family_id=family.id)
    assert text_of(soup, "h1") == "Open this record by breaking the glass"
    assert "Known to Social care team, lead Rowan Carewell" in text_of(soup, "main")
    assert soup.select_one("label[for=reason]").get_text(strip=True) == "Why do you need to open this record?"
    warning = text_of(soup, ".govuk-warning-text")
    assert (
        "recorded" in warning
        and "The family's team manager (or, if no team holds the family, the head of service) is told" in warning
    )
    assert "for 24 hours" in warning
    # Nothing about the children before the glass is broken.
    for child in family.children:
        assert child.first_name not in soup.get_text()
    assert family.address not in soup.get_text()


def test_a_reason_is_required_and_must_say_enough(client, make_user):
    family, _, _ = held_by_social_care(make_user)
    user = make_user()
    client.sign_in(user)

    missing = soup_of(break_glass(client, family, reason="  "))
    assert error_messages(missing) == ["Explain why you need to open this record"]
    assert missing.title.get_text().startswith("Error:")

    short = break_glass(client, family, reason="Need to 9")  # 9 characters
    assert short.status_code == 200
    soup = soup_of(short)
    assert error_messages(soup) == [
        "Explain why you need to open this record in a sentence of at least 10 characters: say what happened"
        " or what was decided, not \u201cn/a\u201d"
    ]
    assert "at least 10 characters" in text_of(soup, "#reason-error")
    assert soup.select_one("#reason").get_text() == "Need to 9"
    assert db.session.scalars(select(BreakGlass)).all() == []
    assert client.get("families.show", family_id=family.id).status_code == 404


def test_breaking_the_glass_opens_the_family_with_a_banner_until_it_ends(client, make_user, app):
    family, _, manager = held_by_social_care(make_user)
    user = make_user(name="Sky Outsider")
    with time_machine.travel(NOW, tick=False):
        client.sign_in(user)
        response = break_glass(client, family)
        assert response.headers["Location"] == client.url("families.show", family_id=family.id)
        page = client.page("families.show", family_id=family.id)
        assert text_of(page, "#break-glass-banner") == (
            "Important You opened this record by breaking the glass at Tue 10 Mar 2026 at 09:15."
            " Your access ends at Wed 11 Mar 2026 at 09:15."
        )
        assert family.children[0].full_name in page.get_text()

    [glass] = db.session.scalars(select(BreakGlass)).all()
    assert (glass.user_id, glass.family_id, glass.reason) == (user.id, family.id, REASON)
    assert glass.expires_at - glass.at == timedelta(hours=app.config["BREAK_GLASS_HOURS"])
    [event] = db.session.scalars(select(AuditEvent).filter_by(action="break_glass", user_id=user.id)).all()
    assert (event.record_type, event.record_id, event.family_id, event.outcome) == (
        "family",
        str(family.id),
        family.id,
        "ok",
    )
    assert REASON not in str(vars(event))

    # The family's team manager is told, and the notice leads to the family.
    [notice] = db.session.scalars(select(Notification).filter_by(user_id=manager.id)).all()
    assert notice.message == f"Sky Outsider opened {family.reference} by breaking the glass"
    assert (notice.link, notice.family_id) == (client.url("families.show", family_id=family.id), family.id)

    with time_machine.travel(NOW + timedelta(hours=23, minutes=59), tick=False):
        client.sign_in(user)  # a session ends long before the glass does
        assert client.get("families.show", family_id=family.id).status_code == 200
    with time_machine.travel(NOW + timedelta(hours=24), tick=False):
        client.sign_in(user)
        assert client.get("families.show", family_id=family.id).status_code == 404
        assert client.get("families.break_glass", family_id=family.id).status_code == 200  # may break it again


def test_the_banner_is_only_for_access_by_break_glass_alone(client, make_user):
    family, lead, _ = held_by_social_care(make_user)
    db.session.add(BreakGlass(user_id=lead.id, family_id=family.id, reason=REASON, expires_at=NOW + timedelta(days=1)))
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        client.sign_in(lead)
        assert client.page("families.show", family_id=family.id).select_one("#break-glass-banner") is None


def test_a_restricted_family_cannot_be_opened_by_breaking_the_glass(client, make_user):
    family, lead, _ = held_by_social_care(make_user)
    family.restricted = True
    db.session.add(RestrictedAccess(family_id=family.id, user_id=lead.id, named_by_id=lead.id))
    db.session.commit()
    client.sign_in(make_user())
    assert client.get("families.break_glass", family_id=family.id).status_code == 404
    assert break_glass(client, family).status_code == 404
    assert db.session.scalars(select(BreakGlass)).all() == []
    denied = db.session.scalars(select(AuditEvent).filter_by(outcome="denied", family_id=family.id)).all()
    assert len(denied) == 2


def test_someone_who_already_works_with_the_family_goes_straight_to_it(client, make_user):
    family, lead, _ = held_by_social_care(make_user)
    client.sign_in(lead)
    response = client.get("families.break_glass", family_id=family.id)
    assert response.headers["Location"] == client.url("families.show", family_id=family.id)


def test_a_head_of_service_never_needs_to_break_the_glass(client, make_user):
    family, _, _ = held_by_social_care(make_user)
    client.sign_in(make_user("head_of_service", team_name=None))
    assert client.get("families.show", family_id=family.id).status_code == 200
    response = client.get("families.break_glass", family_id=family.id)
    assert response.headers["Location"] == client.url("families.show", family_id=family.id)
    assert break_glass(client, family).headers["Location"] == client.url("families.show", family_id=family.id)
    assert db.session.scalars(select(BreakGlass)).all() == []


def test_an_administrator_may_not_break_the_glass(client, make_user):
    family, _, _ = held_by_social_care(make_user)
    client.sign_in(make_user("administrator", team_name=None))
    assert client.get("families.break_glass", family_id=family.id).status_code == 403
    assert break_glass(client, family).status_code == 403
    assert db.session.scalars(select(BreakGlass)).all() == []


def test_an_unknown_family_is_not_found(client, make_user):
    client.sign_in(make_user())
    assert client.get("families.break_glass", family_id=999999).status_code == 404
