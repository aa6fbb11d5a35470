"""Putting a referral right at the front door, as its staff do it: amend it (the history on the referral page),
withdraw it, mark it a duplicate; see the family's recent referrals and the service it is open to on the form;
the family page lists every referral with where it stands."""

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import Agency, AuditEvent, Notification, Referral, RestrictedAccess
from earlyhelp.services.referrals import withdraw_referral
from tests.factories import known_to, make_episode, make_household, make_user, reference
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of
from tests.services.test_referrals import decide as decide_now
from tests.services.test_referrals import referral_received
from tests.views.test_referrals import referral_form

NOW = datetime(2026, 11, 17, 11, 0, tzinfo=LONDON)  # a Tuesday morning


def signed_in_officer(client, name="Frankie Frontdoor"):
    officer = make_user("front_door", team_name="Front door", name=name)
    client.sign_in(officer)
    return officer


def amendment(page, **changes) -> dict:
    """The amend form as the page filled it in, with `changes`."""
    data = {}
    for field in page.select("main form input, main form textarea"):
        name = field.get("name")
        if not name or field.get("type") in ("submit",):
            continue
        if field.get("type") == "radio":
            if field.has_attr("checked"):
                data[name] = field["value"]
            continue
        value = field.get_text() if field.name == "textarea" else field.get("value", "")
        if name in data:
            data[name] = [*([data[name]] if isinstance(data[name], str) else data[name]), value]
        else:
            data[name] = value
    for select_box in page.select("main form select"):
        chosen = select_box.select_one("option[selected]")
        data[select_box["name"]] = chosen["value"] if chosen else ""
    return data | changes


@time_machine.travel(NOW, tick=False)
def test_an_officer_amends_a_referral_and_its_page_shows_what_changed_by_whom_when_and_why(client):
    officer = signed_in_officer(client)
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    shown = client.page("referrals.show", referral_id=referral.id)
    assert shown.find("a", string="Amend the referral")["href"] == client.url(
        "referrals.amend", referral_id=referral.id
    )
    page = client.page("referrals.amend", referral_id=referral.id)
    assert page.select_one("#referrer_name")["value"] == "Pat Teacher"
    assert page.select_one("#worries").get_text() == "Attendance has dropped to 60% and the children arrive hungry."
    police = str(reference(Agency, name="Police").id)
    data = amendment(page, agency=police, reason="n/a")
    soup = soup_of(client.post("referrals.amend", data, referral_id=referral.id))
    assert error_messages(soup) == [
        "Explain why the referral is being changed in a sentence of at least 10 characters: say what happened or"
        " what was decided, not \u201cn/a\u201d"
    ]
    assert soup.select_one("#agency option[selected]")["value"] == police  # what was typed is kept
    data["reason"] = "The referral came from the police, not the school."
    response = client.post("referrals.amend", data, referral_id=referral.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    page = client.page(response.headers["Location"])
    assert "Referral changed" in text_of(page, ".govuk-notification-banner")
    history = text_of(page, "#referral-history")
    assert "Tue 17 Nov 2026 at 11:00 Frankie Frontdoor" in history
    assert "Amended Referring agency: School \u2192 became Police" in history
    assert "The referral came from the police, not the school." in history
    assert fresh(referral).agency.name == "Police"


@time_machine.travel(NOW, tick=False)
def test_an_amendment_with_nothing_changed_or_from_an_older_copy_is_refused_keeping_what_was_typed(app):
    first, second = TestClient(app), TestClient(app)
    frankie = signed_in_officer(first)
    signed_in_officer(second, "Sasha Second")
    referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    page_one, page_two = (client.page("referrals.amend", referral_id=referral.id) for client in (first, second))
    soup = soup_of(
        first.post("referrals.amend", amendment(page_one, reason="Checking it again today."), referral_id=referral.id)
    )
    assert error_messages(soup)[0].startswith("Nothing has changed")
    changed = amendment(page_one, referrer_name="Pat Head", reason="The referrer's name was spelt wrongly.")
    assert first.post("referrals.amend", changed, referral_id=referral.id).status_code == 302
    theirs = amendment(page_two, referrer_phone="01632 960222", reason="The referrer gave a new phone number.")
    soup = soup_of(second.post("referrals.amend", theirs, referral_id=referral.id))
    assert error_messages(soup)[0].startswith(
        "Frankie Frontdoor saved this referral on 17 November 2026 at 11:00, after you opened this page: they changed"
        " the referrer's name."
    )
    assert soup.select_one("#referrer_phone")["value"] == "01632 960222"
    assert soup.select_one("#version")["value"] == str(fresh(referral).version)
    assert fresh(referral).referrer_phone == "01632 960000"


@time_machine.travel(NOW, tick=False)
def test_someone_who_may_not_change_the_family_cannot_amend_withdraw_or_mark_a_duplicate(app):
    officer = make_user("front_door", team_name="Front door")
    family = make_household(1)
    referral = referral_received(family, actor=officer, received_at=NOW - timedelta(hours=1))
    # A team manager whose team holds the family may change it, but is not the front door; a head of service
    # reads every family and changes none.
    manager = make_user("team_manager", team_name="Early help team")
    known_to(family, manager)
    for person in (manager, make_user("head_of_service", team_name=None)):
        client = TestClient(app)
        client.sign_in(person)
        for endpoint in ("referrals.amend", "referrals.withdraw", "referrals.mark_duplicate"):
            assert client.get(endpoint, referral_id=referral.id).status_code == 403, endpoint
            data = {"reason": "An outsider's careful reason.", "referrer_name": "Changed"}
            assert client.post(endpoint, data, referral_id=referral.id).status_code == 403, endpoint
    # A front door officer not named on a restricted family does not know it is there.
    stranger = TestClient(app)
    stranger.sign_in(make_user("front_door", team_name="Front door"))
    family.restricted, family.restricted_reason = True, "A member of staff is related to this family."
    db.session.add(RestrictedAccess(family_id=family.id, user_id=officer.id, named_by_id=manager.id))
    db.session.commit()
    assert stranger.get("referrals.amend", referral_id=referral.id).status_code == 404
    assert fresh(referral).status == "awaiting_decision" and fresh(referral).version == 1
    denied = db.session.scalars(
        select(AuditEvent.outcome).where(AuditEvent.record_id == str(referral.id), AuditEvent.outcome == "denied")
    ).all()
    # Three pages, GET and POST, for the manager (the head of service is turned away by role, before any record
    # is opened), and the stranger's one.
    assert len(denied) == 7


@time_machine.travel(NOW, tick=False)
def test_a_withdrawn_referral_leaves_the_queue_says_why_and_prints_no_letter(client):
    officer = signed_in_officer(client)
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    page = client.page("referrals.withdraw", referral_id=referral.id)
    assert "no letter is sent" in text_of(page, "main")
    assert error_messages(soup_of(client.post("referrals.withdraw", {"reason": "none"}, referral_id=referral.id)))[
        0
    ].startswith("Explain why the referral is being withdrawn in a sentence")
    response = client.post(
        "referrals.withdraw", {"reason": "The school referred the wrong family."}, referral_id=referral.id
    )
    shown = client.page(response.headers["Location"])
    assert text_of(shown, "#referral-status") == "Withdrawn"
    assert "Withdrawn by Frankie Frontdoor on Tue 17 Nov 2026 at 11:00" in text_of(shown, "#put-aside")
    assert shown.find("a", string="Record the decision") is None
    assert referral.family.name not in text_of(client.page("referrals.queue"), "#referral-queue")
    assert referral.family.name in text_of(client.page("referrals.queue", status="withdrawn"), "#referral-queue")
    letter = client.get("referrals.feedback_letter", referral_id=referral.id)
    assert letter.mimetype == "text/html"
    assert error_messages(soup_of(letter)) == [
        "This referral was withdrawn: there is no decision, so no letter to the referrer"
    ]
    assert client.get("referrals.decide", referral_id=referral.id).status_code == 302
    assert client.get("referrals.withdraw", referral_id=referral.id).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_a_duplicate_points_to_the_referral_it_repeats_and_each_shows_the_other(client):
    officer = signed_in_officer(client)
    family = make_household(1)
    original = referral_received(family, actor=officer, received_at=NOW - timedelta(hours=2))
    again = referral_received(family, actor=officer, received_at=NOW - timedelta(hours=1))
    page = client.page("referrals.mark_duplicate", referral_id=again.id)
    assert page.select_one(".govuk-radios label").get_text(" ", strip=True) == (
        f"From School, received {clock.moment(original.received_at)} (awaiting decision)"
    )
    soup = soup_of(client.post("referrals.mark_duplicate", {"reason": "The same form twice."}, referral_id=again.id))
    assert error_messages(soup) == ["Select the referral about this family that this one repeats"]
    data = {"original": str(original.id), "reason": "The school sent the same form twice."}
    response = client.post("referrals.mark_duplicate", data, referral_id=again.id)
    shown = client.page(response.headers["Location"])
    assert text_of(shown, "#referral-status") == "Duplicate"
    assert "it repeats the referral From School, received" in text_of(shown, "#put-aside")
    assert shown.select_one("#linked-referrals a")["href"] == client.url("referrals.show", referral_id=original.id)
    other = client.page("referrals.show", referral_id=original.id)
    assert "A duplicate of this referral" in text_of(other, "#linked-referrals")
    assert other.select_one("#linked-referrals a")["href"] == client.url("referrals.show", referral_id=again.id)


@time_machine.travel(NOW, tick=False)
def test_a_family_with_no_other_referral_has_nothing_to_be_a_duplicate_of(client):
    officer = signed_in_officer(client)
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    page = client.page("referrals.mark_duplicate", referral_id=referral.id)
    assert "There is no other referral about this family" in text_of(page, "#no-other-referral")


@time_machine.travel(NOW, tick=False)
def test_the_form_shows_the_familys_referrals_of_the_last_7_days_and_links_the_new_one_to_the_one_chosen(client):
    officer = signed_in_officer(client)
    family = make_household(1)
    referral_received(family, actor=officer, received_at=NOW - timedelta(days=8))
    earlier = referral_received(family, actor=officer, received_at=NOW - timedelta(hours=3))
    page = client.page("referrals.new", family_id=family.id)
    assert "1 other referral about this family was received in the last 7 days." in text_of(page, "#recent-referrals")
    options = [label.get_text(" ", strip=True) for label in page.select("#linked_to ~ label, .govuk-radios__label")]
    assert f"Yes, the referral from School received {clock.moment(earlier.received_at)}" in options
    assert page.select_one(f"input[name=linked_to][value='{earlier.id}']") is not None
    response = client.post("referrals.new", referral_form(family, linked_to=str(earlier.id)), family_id=family.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    shown = client.page(response.headers["Location"])
    assert shown.select_one("#linked-referrals a")["href"] == client.url("referrals.show", referral_id=earlier.id)
    linked = db.session.scalar(select(Referral).where(Referral.linked_to_id == earlier.id))
    assert linked is not None
    back = client.page("referrals.show", referral_id=earlier.id)
    assert back.select_one("#linked-referrals a")["href"] == client.url("referrals.show", referral_id=linked.id)


@time_machine.travel(NOW, tick=False)
def test_a_police_referral_about_a_family_open_to_early_help_names_the_lead_links_it_and_tells_them(app):
    client = TestClient(app)
    signed_in_officer(client)
    lead = make_user("practitioner", name="Robin Quillfeather")
    family = make_household(1)
    make_episode(family, lead=lead)
    form = client.page("referrals.new", family_id=family.id)
    assert "Early help, Early help team: lead Robin Quillfeather" in text_of(form, "#open-involvement")
    police = str(reference(Agency, name="Police").id)
    response = client.post("referrals.new", referral_form(family, agency=police), family_id=family.id)
    shown = client.page(response.headers["Location"])
    assert "Robin Quillfeather, who was told about this referral" in text_of(shown, "#linked-involvement")
    told = TestClient(app)
    told.sign_in(lead)
    notices = told.page("main.notifications_list")
    assert f"New referral about {family.reference}, open to Early help with you as lead: from Police" in text_of(
        notices, "main"
    )
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == lead.id)).all()
    referral_id = db.session.scalar(select(Referral.id).where(Referral.family_id == family.id))
    assert notice.link == client.url("referrals.show", referral_id=referral_id)


@time_machine.travel(NOW, tick=False)
def test_the_family_page_lists_every_referral_with_where_it_stands(client):
    officer = signed_in_officer(client)
    family = make_household(1)
    at = NOW - timedelta(hours=5)
    decided = referral_received(family, actor=officer, received_at=at)
    decide_now(decided, "information_and_advice", actor=officer, decided_at=at + timedelta(minutes=30))
    pending = referral_received(family, actor=officer, received_at=at + timedelta(hours=1))
    decide_now(
        pending, "no_further_action", actor=officer, decided_at=at + timedelta(hours=1, minutes=30), level_number=3
    )
    withdrawn = referral_received(family, actor=officer, received_at=at + timedelta(hours=2))
    withdraw_referral(withdrawn.id, reason="The referrer sent it by mistake.", actor=officer)
    waiting = referral_received(family, actor=officer, received_at=at + timedelta(hours=3))
    page = client.page("families.show", family_id=family.id)
    rows = [" ".join(li.get_text(" ").split()) for li in page.select("#family-referrals > li")]
    assert len(rows) == 4
    assert rows[0].startswith("School, received Tue 17 Nov 2026 Awaiting decision Decision due")
    assert rows[1] == "School, received Tue 17 Nov 2026 Withdrawn No decision: withdrawn Tue 17 Nov 2026"
    assert (
        rows[2]
        == "School, received Tue 17 Nov 2026 Pending sign-off No further action, waiting for a manager's sign-off"
    )
    assert rows[3] == "School, received Tue 17 Nov 2026 Decided Information and advice"
    links = [li.a["href"] for li in page.select("#family-referrals > li")]
    assert links == [client.url("referrals.show", referral_id=r.id) for r in (waiting, withdrawn, pending, decided)]
