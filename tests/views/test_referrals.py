"""The front door, as its staff use it: record a clear referral, decide it, tell the referrer."""

import subprocess
from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.clock import now as utcnow
from earlyhelp.extensions import db
from earlyhelp.models import Agency, AuditEvent, DecisionOutcome, Episode, LevelOfNeed, Referral
from tests.factories import make_household, make_referral, make_user, reference
from tests.helpers import TestClient, error_messages, soup_of, text_of


def officer_client(client, **overrides):
    officer = make_user("front_door", team_name="Front door", **overrides)
    client.sign_in(officer)
    return officer


def date_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


def referral_form(family, **overrides):
    today = utcnow().astimezone(LONDON)
    data = {
        "immediate_danger": "no",
        "received_on": date_parts(today.date()),
        "received_time": "00:01",
        "agency": str(reference(Agency, name="Health visitor").id),
        "referrer_name": "Jamie Visitor",
        "referrer_role": "Health visitor",
        "referrer_phone": "01632 960123",
        "referrer_email": "",
        "level": str(reference(LevelOfNeed, number=2).id),
        "worries": "The baby is not gaining weight and mum seems low.",
        "what_has_been_tried": "Weekly weigh-ins and a referral to the GP.",
        "if_nothing_changes": "The baby's health will suffer.",
        "family_knows": "yes",
        "family_agrees": "yes",
        "family_agreement_note": "",
    }
    for index, child in enumerate(family.children):
        data[f"children-{index}-person_id"] = str(child.id)
        data[f"children-{index}-included"] = "yes"
        data[f"children-{index}-impact"] = f"{child.first_name} is affected."
        data[f"children-{index}-reason_not_included"] = ""
    return data | overrides


def test_a_front_door_officer_records_a_complete_referral_and_sees_its_clock(client):
    officer_client(client)
    family = make_household(children=2)
    soup = client.page(f"/referrals/new?family_id={family.id}")
    assert soup.select_one(".app-child-row h3").get_text().startswith(family.children[0].full_name)
    assert "Additional needs that one or more services can meet" in text_of(soup, "main form")

    response = client.post(f"/referrals/new?family_id={family.id}", referral_form(family))
    assert response.status_code == 302
    page = client.page(response.headers["Location"])
    assert "Referral recorded. Decision due" in text_of(page, ".govuk-notification-banner")
    assert "1 working day after the referral received on" in text_of(page, "#decision-clock")
    referral = db.session.scalar(select(Referral).where(Referral.family_id == family.id))
    assert [c.included for c in referral.children] == [True, True]


def test_a_referral_missing_everything_explains_each_thing_to_add(client):
    officer_client(client)
    family = make_household(children=1)
    response = client.post(
        f"/referrals/new?family_id={family.id}",
        {"received_on": ["", "", ""], "children-0-person_id": str(family.children[0].id), "referrer_name": "Kept Name"},
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        "Select yes if any child is in immediate danger",
        "Enter the date the referral was received",
        "Enter the time received",
        "Select the referring agency from the list",
        "Enter a phone number or email address for the referrer",
        "Select the level of need the referrer believes applies",
        "Enter what the referrer is worried about",
        "Enter what has been tried so far",
        "Enter what will happen if nothing changes",
        "Select yes if the family knows about the referral",
        "Select whether the family agrees to the referral",
        "Select yes if this child is part of the referral",
        "Include at least one child in the referral",
    ]
    assert soup.select_one("#referrer_name")["value"] == "Kept Name"
    assert soup.title.get_text().startswith("Error:")


def test_every_child_needs_an_impact_or_a_reason_for_being_left_out(client):
    officer_client(client)
    family = make_household(children=2)
    data = referral_form(family, **{"children-0-impact": "", "children-1-included": "no"})
    messages = error_messages(soup_of(client.post(f"/referrals/new?family_id={family.id}", data)))
    assert messages == ["Describe the impact on this child", "Explain why this child is not part of the referral"]


def test_bad_values_get_specific_messages_and_keep_what_was_typed(client):
    officer_client(client)
    family = make_household(children=1)
    future = utcnow().astimezone(LONDON).date() + timedelta(days=3)
    data = referral_form(
        family,
        received_on=date_parts(future),
        received_time="25:99",
        agency="99999",
        level="abc",
        referrer_email="not an email",
        worries="x" * 5001,
        family_agrees="no",
    )
    soup = soup_of(client.post(f"/referrals/new?family_id={family.id}", data))
    assert error_messages(soup) == [
        "Date received must be today or in the past",
        "Time received must be a real time, like 09:30 or 14:05",
        "Select the referring agency from the list",
        "Enter an email address in the correct format, like name@example.org",
        "Select the level of need the referrer believes applies",
        "The worries must be 5000 characters or fewer",
        "Explain why the family does not agree or was not asked",
    ]
    assert soup.select_one("#referrer_email")["value"] == "not an email"
    assert soup.select_one("#received_time")["value"] == "25:99"


def test_a_date_that_is_not_real_and_a_missing_date_field_are_clear_messages_not_errors(client):
    officer_client(client)
    family = make_household(children=1)
    data = referral_form(family, received_on=["31", "2", "2025"])
    assert "Date received must be a real date" in error_messages(
        soup_of(client.post(f"/referrals/new?family_id={family.id}", data))
    )
    data.pop("received_on")
    response = client.post(f"/referrals/new?family_id={family.id}", data)
    assert response.status_code == 200
    assert "Enter the date the referral was received" in error_messages(soup_of(response))


def test_immediate_danger_puts_what_to_do_now_first(client):
    officer_client(client)
    family = make_household(children=1)
    response = client.post(f"/referrals/new?family_id={family.id}", referral_form(family, immediate_danger="yes"))
    soup = client.page(response.headers["Location"])
    danger, heading = soup.select_one("#immediate-danger"), soup.select_one("main h1")
    assert "call the police on 999 now" in danger.get_text()
    assert danger in heading.find_all_previous()


def test_a_referral_for_an_unknown_family_or_an_unknown_referral_is_not_found(client):
    officer_client(client)
    assert client.get("/referrals/new?family_id=999999").status_code == 404
    assert client.get("/referrals/new").status_code == 404
    assert client.get("/referrals/999999").status_code == 404


def test_the_queue_shows_waiting_referrals_oldest_first_with_their_clocks(client):
    officer = officer_client(client)
    now = utcnow()
    older = make_referral(make_household(1), actor=officer, received_at=now - timedelta(days=9))
    newer = make_referral(make_household(1), actor=officer, received_at=now - timedelta(minutes=5))
    soup = client.page("/referrals")
    rows = soup.select("#referral-queue tbody tr")
    names = [row.select_one("a").get_text() for row in rows]
    assert names.index(f"{older.family.name} referral") < names.index(f"{newer.family.name} referral")
    assert "Overdue by" in rows[names.index(f"{older.family.name} referral")].get_text()


def test_the_queue_filters_in_place_with_htmx_and_without_javascript(client):
    officer = officer_client(client)
    make_referral(make_household(1), actor=officer, agency_name="Police")
    school = make_referral(make_household(1), actor=officer, agency_name="School")
    school_id = reference(Agency, name="School").id
    fragment = client.get(f"/referrals?agency={school_id}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    soup = soup_of(fragment)
    assert soup.select_one("div")["id"] == "referral-queue"
    assert {td.get_text() for td in soup.select("tbody td:nth-of-type(3)")} == {"School"}
    full = client.page(f"/referrals?agency={school_id}")
    assert full.select_one("h1").get_text() == "Front door queue"
    assert school.family.name in text_of(full, "#referral-queue")


def test_practitioners_cannot_use_the_front_door_queue_but_can_read_a_referral(client):
    officer = make_user("front_door", team_name="Front door")
    referral = make_referral(make_household(1), actor=officer)
    client.sign_in(make_user("practitioner"))
    assert client.get("/referrals").status_code == 403
    soup = client.page(f"/referrals/{referral.id}")
    assert soup.select_one("form[action$='/clarity']") is None
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.record_type == "referral", AuditEvent.action == "view", AuditEvent.record_id == str(referral.id)
        )
    )


def _decision(outcome_code, *, lead=None, day=None, time="10:30", **extra):
    day = day or utcnow().astimezone(LONDON).date()
    return {
        "outcome": str(reference(DecisionOutcome, code=outcome_code).id),
        "decided_level": str(reference(LevelOfNeed, number=2).id),
        "rationale": "A coordinated early help plan will meet these needs.",
        "lead_practitioner": str(lead.id) if lead else "",
        "social_worker": "",
        "decided_on": date_parts(day),
        "decided_time": time,
    } | extra


def test_an_early_help_decision_opens_an_episode_and_the_referrer_can_be_told(client):
    officer = officer_client(client)
    lead = make_user("practitioner", name="Lee Lead")
    now_london = utcnow().astimezone(LONDON)
    referral = make_referral(make_household(1), actor=officer, received_at=utcnow() - timedelta(minutes=30))
    response = client.post(
        f"/referrals/{referral.id}/decide", _decision("early_help", lead=lead, time=now_london.strftime("%H:%M"))
    )
    assert response.status_code == 302, error_messages(soup_of(response))
    soup = client.page(f"/referrals/{referral.id}")
    assert "Early help" in text_of(soup, "#decision")
    assert "Done on time" in text_of(soup, "#decision-clock")
    episode = db.session.scalar(select(Episode).where(Episode.family_id == referral.family_id))
    assert episode.lead_id == lead.id

    letter = client.get(f"/referrals/{referral.id}/feedback-letter.pdf")
    assert letter.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=letter.data, capture_output=True, check=True).stdout.decode()
    assert "Your referral: our decision" in text
    assert "A coordinated early help plan will meet these needs." in text
    assert "Pat Teacher" in text

    response = client.post(
        f"/referrals/{referral.id}/feedback", {"method": "phone", "fed_back_on": date_parts(now_london.date())}
    )
    assert response.status_code == 302
    assert "Phone call" in text_of(client.page(f"/referrals/{referral.id}"), "#feedback-status")


def test_a_late_decision_asks_for_the_reason(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, received_at=utcnow() - timedelta(days=10))
    soup = client.page(f"/referrals/{referral.id}/decide")
    assert soup.select_one("#late_reason") is not None
    assert "Overdue by" in soup.get_text()
    response = client.post(f"/referrals/{referral.id}/decide", _decision("no_further_action", time="00:00"))
    assert error_messages(soup_of(response))[0].startswith("The decision was due on")


def test_a_decision_with_mistakes_keeps_what_was_typed(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, received_at=utcnow() - timedelta(minutes=5))
    data = _decision("early_help", rationale="", decided_time="soon") | {"outcome": "nope"}
    soup = soup_of(client.post(f"/referrals/{referral.id}/decide", data))
    assert error_messages(soup) == [
        "Select a decision",
        "Enter the reasons for this decision",
        "Time of decision must be a real time, like 09:30 or 14:05",
    ]
    assert soup.select_one("#decided_time")["value"] == "soon"


def test_when_two_people_decide_at_once_the_second_sees_who_decided_and_keeps_their_words(app):
    first, second = TestClient(app), TestClient(app)
    officer = make_user("front_door", team_name="Front door", name="Frankie First")
    first.sign_in(officer)
    second.sign_in(make_user("team_manager", team_name="Front door"))
    referral = make_referral(make_household(1), actor=officer, received_at=utcnow() - timedelta(minutes=5))
    first.page(f"/referrals/{referral.id}/decide")
    second.page(f"/referrals/{referral.id}/decide")
    time_now = utcnow().astimezone(LONDON).strftime("%H:%M")
    assert (
        first.post(f"/referrals/{referral.id}/decide", _decision("no_further_action", time=time_now)).status_code == 302
    )
    response = second.post(
        f"/referrals/{referral.id}/decide",
        _decision("universal_services", time=time_now, rationale="My own careful words"),
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup)[0].startswith("This referral was decided by Frankie First on")
    assert soup.select_one("#rationale").get_text() == "My own careful words"
    db.session.refresh(referral)
    assert referral.outcome.code == "no_further_action"


def test_rating_clarity_feeds_the_agency_quality_page(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, agency_name="Housing")
    assert error_messages(soup_of(client.post(f"/referrals/{referral.id}/clarity", {"clarity": "maybe"}))) == [
        "Select whether the level of concern was clear"
    ]
    client.post(f"/referrals/{referral.id}/clarity", {"clarity": "partly", "clarity_note": "Level not stated"})
    soup = client.page("/referrals/quality")
    row = next(tr for tr in soup.select("#quality tbody tr") if tr.th.get_text() == "Housing")
    assert "0 / 1 / 0" in row.get_text()
