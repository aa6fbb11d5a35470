"""The front door, as its staff use it: record a clear referral, decide it, tell the referrer."""

from datetime import date, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import Agency, AuditEvent, DecisionOutcome, Episode, LevelOfNeed, Referral
from tests.factories import known_to, make_household, make_referral, make_user, reference
from tests.helpers import TestClient, date_in, date_parts, error_messages, fresh, pdf_text, soup_of, text_of
from tests.services.test_referrals import referral_received


def officer_client(client, **overrides):
    officer = make_user("front_door", team_name="Front door", **overrides)
    client.sign_in(officer)
    return officer


def a_minute_ago() -> datetime:
    """A London moment just past, as the date and time boxes would hold it."""
    return clock.local(clock.now() - timedelta(minutes=1)).replace(second=0, microsecond=0)


def typed_time(moment: datetime) -> str:
    return moment.time().isoformat("minutes")


def referral_form(family, *, received: datetime | None = None, **overrides):
    received = received or a_minute_ago()
    data = {
        "immediate_danger": "no",
        "received_on": date_parts(received.date()),
        "received_time": typed_time(received),
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


def referrals_of(family) -> list[Referral]:
    return db.session.scalars(select(Referral).where(Referral.family_id == family.id)).all()


def test_a_front_door_officer_records_a_complete_referral_and_sees_its_clock(client):
    officer_client(client)
    family = make_household(children=2)
    soup = client.page("referrals.new", family_id=family.id)
    assert soup.select_one(".app-child-row h3").get_text().startswith(family.children[0].full_name)
    assert "Additional needs that one or more services can meet" in text_of(soup, "main form")
    assert soup.select_one(".govuk-back-link")["href"] == client.url("families.show", family_id=family.id)

    response = client.post("referrals.new", referral_form(family), family_id=family.id)
    assert response.status_code == 302
    page = client.page(response.headers["Location"])
    assert "Referral recorded. Decision due" in text_of(page, ".govuk-notification-banner")
    assert "1 working day after the referral received on" in text_of(page, "#decision-clock")
    [referral] = referrals_of(family)
    assert [c.included for c in referral.children] == [True, True]


def test_the_new_referral_form_starts_at_this_london_moment(client):
    with time_machine.travel(datetime(2027, 3, 4, 9, 5, tzinfo=LONDON), tick=False):
        officer_client(client)
        family = make_household(children=1)
        soup = client.page("referrals.new", family_id=family.id)
    assert date_in(soup, "received_on") == date(2027, 3, 4)
    assert soup.select_one("#received_time")["value"] == "09:05"


def test_a_date_typed_as_01_or_as_1_is_the_same_day(client):
    with time_machine.travel(datetime(2026, 3, 9, 12, 0, tzinfo=LONDON), tick=False):
        officer_client(client)
        padded, plain = make_household(children=1), make_household(children=1)
        for family, day in ((padded, ["02", "03", "2026"]), (plain, ["2", "3", "2026"])):
            data = referral_form(
                family,
                received_on=day,
                received_time="09:30",
                late_recording_reason="The referral was left in the duty inbox over half term.",
            )
            assert client.post("referrals.new", data, family_id=family.id).status_code == 302
    for family in (padded, plain):
        [referral] = referrals_of(family)
        assert clock.local(referral.received_at) == datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)


def test_a_referral_received_at_23_59_59_on_31_december_is_received_that_day_and_counted_from_the_next_working_day(
    client,
):
    # 1 January is a bank holiday and 2 and 3 January 2027 are a weekend: the clock starts on Monday 4 January.
    with time_machine.travel(datetime(2026, 12, 31, 23, 59, 59, tzinfo=LONDON), tick=False):
        officer_client(client)
        family = make_household(children=1)
        form = client.page("referrals.new", family_id=family.id)
        assert date_in(form, "received_on") == date(2026, 12, 31)
        assert form.select_one("#received_time")["value"] == "23:59"
        data = referral_form(family, received_on=date_parts(date(2026, 12, 31)), received_time="23:59")
        response = client.post("referrals.new", data, family_id=family.id)
        assert response.status_code == 302, error_messages(soup_of(response))
        page = client.page(response.headers["Location"])
    [referral] = referrals_of(family)
    assert clock.local_date(referral.received_at) == date(2026, 12, 31)
    assert referral.decision_due_on == date(2027, 1, 5)
    assert "Received Thu 31 Dec 2026 at 23:59" in text_of(page, "main")
    assert (
        "Decision due Tue 5 Jan 2027: 1 working day after the referral received on Thu 31 Dec 2026 at 23:59"
        " (out of hours, so counted from Mon 4 Jan 2027)" in text_of(page, "#decision-clock")
    )


def test_a_referral_recorded_as_received_later_today_is_refused_on_the_time_and_keeps_what_was_typed(client):
    with time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=LONDON), tick=False):
        officer_client(client)
        family = make_household(children=1)
        data = referral_form(
            family, received_on=["10", "6", "2026"], received_time="10:05", referrer_name="Kept Referrer"
        )
        response = client.post("referrals.new", data, family_id=family.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["Time received must be now or in the past"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#received_time"
    assert "Time received must be now or in the past" in text_of(soup, "#received_time-error")
    assert soup.select_one("#received_time")["value"] == "10:05"
    assert [i["value"] for i in soup.select("#received_on input")] == ["10", "6", "2026"]
    assert soup.select_one("#referrer_name")["value"] == "Kept Referrer"
    assert referrals_of(family) == []
    refused = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "record_referral", AuditEvent.record_id == str(family.id))
    )
    assert (refused.outcome, refused.family_id) == ("refused", family.id)


def test_a_referral_received_on_a_later_day_is_refused_on_the_date(client):
    officer_client(client)
    family = make_household(children=1)
    tomorrow = clock.today() + timedelta(days=1)
    data = referral_form(family, received_on=date_parts(tomorrow), received_time="00:00")
    soup = soup_of(client.post("referrals.new", data, family_id=family.id))
    assert error_messages(soup) == ["Date received must be today or in the past"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#received_on-day"
    assert date_in(soup, "received_on") == tomorrow


def test_a_referral_missing_everything_explains_each_thing_to_add(client):
    officer_client(client)
    family = make_household(children=1)
    response = client.post(
        "referrals.new",
        {"received_on": ["", "", ""], "children-0-person_id": str(family.children[0].id), "referrer_name": "Kept Name"},
        family_id=family.id,
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
        f"Select yes if {family.children[0].first_name} is part of the referral",
        "Include at least one child in the referral",
    ]
    assert soup.select_one("#referrer_name")["value"] == "Kept Name"
    assert soup.title.get_text().startswith("Error:")


def test_every_child_needs_an_impact_or_a_reason_for_being_left_out(client):
    officer_client(client)
    family = make_household(children=2)
    data = referral_form(family, **{"children-0-impact": "", "children-1-included": "no"})
    messages = error_messages(soup_of(client.post("referrals.new", data, family_id=family.id)))
    second = family.children[1].first_name
    assert messages == ["Describe the impact on this child", f"Explain why {second} is not part of the referral"]


def test_n_a_is_not_a_reason_for_leaving_a_child_out(client):
    officer_client(client)
    family = make_household(children=2)
    second = family.children[1].first_name
    for typed in ("n/a", "None.", "see above", "Too young"):
        data = referral_form(family, **{"children-1-included": "no", "children-1-reason_not_included": typed})
        soup = soup_of(client.post("referrals.new", data, family_id=family.id))
        assert error_messages(soup) == [
            f"Explain why {second} is not part of the referral in a sentence of at least 10 characters: say what"
            " happened or what was decided, not \u201cn/a\u201d"
        ], typed
        assert soup.select_one("#children-1-reason_not_included").get_text() == typed
    data = referral_form(
        family, **{"children-1-included": "no", "children-1-reason_not_included": "Lives with her father in Leeds."}
    )
    assert client.post("referrals.new", data, family_id=family.id).status_code == 302


def test_bad_values_get_specific_messages_and_keep_what_was_typed(client):
    officer_client(client)
    family = make_household(children=1)
    data = referral_form(
        family,
        received_time="25:99",
        agency="99999",
        level="abc",
        referrer_email="not an email",
        worries="x" * 5001,
        family_agrees="no",
    )
    soup = soup_of(client.post("referrals.new", data, family_id=family.id))
    assert error_messages(soup) == [
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
        soup_of(client.post("referrals.new", data, family_id=family.id))
    )
    data.pop("received_on")
    response = client.post("referrals.new", data, family_id=family.id)
    assert response.status_code == 200
    assert "Enter the date the referral was received" in error_messages(soup_of(response))


def test_when_the_household_changes_while_writing_every_child_is_listed_again(client):
    officer_client(client)
    family = make_household(children=1)
    data = referral_form(family)
    newcomer = make_household(children=1).children[0]
    newcomer.family_id = family.id
    db.session.commit()
    response = client.post("referrals.new", data, family_id=family.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert "The children in the household changed" in text_of(soup, ".govuk-error-summary")
    assert len(soup.select(".app-child-row")) == 2
    assert referrals_of(family) == []


def test_immediate_danger_puts_what_to_do_now_first(client):
    officer_client(client)
    family = make_household(children=1)
    response = client.post("referrals.new", referral_form(family, immediate_danger="yes"), family_id=family.id)
    soup = client.page(response.headers["Location"])
    danger, heading = soup.select_one("#immediate-danger"), soup.select_one("main h1")
    assert "call the police on 999 now" in danger.get_text()
    assert danger in heading.find_all_previous()


def test_a_referral_for_an_unknown_family_or_an_unknown_referral_is_not_found(client):
    officer_client(client)
    assert client.get("referrals.new", family_id=999999).status_code == 404
    assert client.get("referrals.new").status_code == 404
    assert client.get("referrals.show", referral_id=999999).status_code == 404
    # Hand-typed addresses: not a number, and a number too big for the database.
    assert client.get("/referrals/new?family_id=abc").status_code == 404
    assert client.get("/referrals/99999999999999999999").status_code == 404


def test_the_queue_shows_waiting_referrals_oldest_first_with_their_clocks(client):
    officer = officer_client(client)
    now = clock.now()
    older = referral_received(make_household(1), actor=officer, received_at=now - timedelta(days=9))
    newer = make_referral(make_household(1), actor=officer, received_at=now - timedelta(minutes=5))
    soup = client.page("referrals.queue")
    rows = soup.select("#referral-queue tbody tr")
    names = [row.select_one("a").get_text() for row in rows]
    assert names.index(f"{older.family.name} referral") < names.index(f"{newer.family.name} referral")
    assert "Overdue by" in rows[names.index(f"{older.family.name} referral")].get_text()


def test_the_queue_is_paged_and_each_page_keeps_the_filters(client):
    officer = officer_client(client)
    school = reference(Agency, name="School")
    for _ in range(26):
        make_referral(make_household(1), actor=officer, agency_name="School")
    first = client.page("referrals.queue", agency=school.id)
    assert len(first.select("#referral-queue tbody tr")) == 25
    link = first.select_one("#referral-queue .govuk-pagination__next a")
    assert link["href"] == client.url("referrals.queue", agency=school.id, page=2)
    assert (link["hx-get"], link["hx-target"]) == (link["href"], "#referral-queue")
    second = client.page("referrals.queue", agency=school.id, page=2)
    assert len(second.select("#referral-queue tbody tr")) >= 1
    assert second.select_one("#referral-queue .govuk-pagination__next") is None


def test_the_queue_filters_in_place_with_htmx_and_without_javascript(client):
    officer = officer_client(client)
    make_referral(make_household(1), actor=officer, agency_name="Police")
    school = make_referral(make_household(1), actor=officer, agency_name="School")
    school_id = reference(Agency, name="School").id
    fragment = client.get("referrals.queue", agency=school_id, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    soup = soup_of(fragment)
    assert soup.select_one("div")["id"] == "referral-queue"
    assert {td.get_text() for td in soup.select("tbody td:nth-of-type(3)")} == {"School"}
    full = client.page("referrals.queue", agency=school_id)
    assert full.select_one("h1").get_text() == "Front door queue"
    assert school.family.name in text_of(full, "#referral-queue")


def test_the_queue_lists_decided_referrals_when_asked_and_ignores_unknown_filters(client):
    officer = officer_client(client)
    waiting = make_referral(make_household(1), actor=officer)
    decided = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(hours=1))
    decide(client, decided, "no_further_action")
    soup = client.page("referrals.queue", status="decided", agency="nonsense", level="99999")
    assert decided.family.name in text_of(soup, "#referral-queue")
    assert waiting.family.name not in text_of(soup, "#referral-queue")
    assert "No further action" in text_of(soup, "#referral-queue")
    assert waiting.family.name in text_of(client.page("referrals.queue", status="anything"), "#referral-queue")


def test_practitioners_cannot_use_the_front_door_queue_but_can_read_a_referral(client):
    officer = make_user("front_door", team_name="Front door")
    referral = make_referral(family := make_household(1), actor=officer)
    practitioner = make_user("practitioner")
    known_to(family, practitioner)  # the practitioner's team holds the family
    client.sign_in(practitioner)
    assert client.get("referrals.queue").status_code == 403
    soup = client.page("referrals.show", referral_id=referral.id)
    assert soup.select_one("form[action$='/clarity']") is None
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.record_type == "referral", AuditEvent.action == "view", AuditEvent.record_id == str(referral.id)
        )
    )


def _decision(outcome_code, *, lead=None, social_worker=None, at=None, **extra):
    at = at or a_minute_ago()
    return {
        "outcome": str(reference(DecisionOutcome, code=outcome_code).id),
        "decided_level": str(reference(LevelOfNeed, number=2).id),
        "rationale": "A coordinated early help plan will meet these needs.",
        "lead_practitioner": str(lead.id) if lead else "",
        "social_worker": str(social_worker.id) if social_worker else "",
        "decided_on": date_parts(at.date()),
        "decided_time": typed_time(at),
    } | extra


def decide(client, referral, outcome_code, **values):
    response = client.post("referrals.decide", _decision(outcome_code, **values), referral_id=referral.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    return response


def test_an_early_help_decision_opens_an_episode_and_the_referrer_can_be_told(client):
    officer = officer_client(client)
    lead = make_user("practitioner", name="Lee Lead")
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=30))
    decide(client, referral, "early_help", lead=lead, at=clock.local(clock.now()))
    soup = client.page("referrals.show", referral_id=referral.id)
    assert "Early help" in text_of(soup, "#decision")
    assert "Done on time" in text_of(soup, "#decision-clock")
    episode = db.session.scalar(select(Episode).where(Episode.family_id == referral.family_id))
    assert episode.lead_id == lead.id

    text = pdf_text(client.get("referrals.feedback_letter", referral_id=referral.id), layout=False)
    assert "Your referral: our decision" in text
    assert "A coordinated early help plan will meet these needs." in text
    assert "Pat Teacher" in text

    response = client.post(
        "referrals.record_feedback",
        {"method": "phone", "fed_back_on": date_parts(clock.today())},
        referral_id=referral.id,
    )
    assert response.status_code == 302
    assert "Phone call" in text_of(client.page("referrals.show", referral_id=referral.id), "#feedback-status")


def test_an_early_help_decision_without_a_lead_is_refused_on_the_lead_and_keeps_what_was_typed(client):
    officer = officer_client(client)
    make_user("practitioner", name="Lee Lead")
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=30))
    data = _decision("early_help", rationale="My careful reasons")
    response = client.post("referrals.decide", data, referral_id=referral.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["Select the lead practitioner who will work with the family"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#lead_practitioner"
    assert soup.select_one("#rationale").get_text() == "My careful reasons"
    assert not fresh(referral).is_decided


def test_a_social_worker_named_for_early_help_is_not_taken_as_its_lead(client):
    officer = officer_client(client)
    social_worker = make_user("social_worker", team_name="Social care team")
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=30))
    # The social worker box is for a social care decision: an early help decision still needs a lead practitioner.
    response = client.post(
        "referrals.decide", _decision("early_help", social_worker=social_worker), referral_id=referral.id
    )
    assert error_messages(soup_of(response)) == ["Select the lead practitioner who will work with the family"]
    decide(client, referral, "social_care_assessment", social_worker=social_worker)
    episode = db.session.scalar(select(Episode).where(Episode.family_id == referral.family_id))
    assert (episode.service.code, episode.lead_id) == ("social_care", social_worker.id)


def test_a_late_decision_asks_for_the_reason(client):
    officer = officer_client(client)
    referral = referral_received(make_household(1), actor=officer, received_at=clock.now() - timedelta(days=10))
    soup = client.page("referrals.decide", referral_id=referral.id)
    assert soup.select_one("#late_reason") is not None
    assert "Overdue by" in soup.get_text()
    response = client.post("referrals.decide", _decision("no_further_action"), referral_id=referral.id)
    assert error_messages(soup_of(response))[0].startswith("Explain why the decision was late (it was due on")


def test_a_decision_with_mistakes_keeps_what_was_typed(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=5))
    data = _decision("early_help", rationale="", decided_time="soon") | {"outcome": "nope"}
    soup = soup_of(client.post("referrals.decide", data, referral_id=referral.id))
    assert error_messages(soup) == [
        "Select a decision",
        "Explain the reasons for this decision",
        "Time of decision must be a real time, like 09:30 or 14:05",
    ]
    assert soup.select_one("#decided_time")["value"] == "soon"


def test_a_decided_referral_sends_the_decide_page_back_to_the_referral(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=5))
    decide(client, referral, "no_further_action")
    response = client.get("referrals.decide", referral_id=referral.id)
    assert response.headers["Location"] == client.url("referrals.show", referral_id=referral.id)


def test_when_two_people_decide_at_once_the_second_sees_who_decided_and_keeps_their_words(app):
    first, second = TestClient(app), TestClient(app)
    officer = make_user("front_door", team_name="Front door", name="Frankie First")
    first.sign_in(officer)
    second.sign_in(make_user("team_manager", team_name="Front door"))
    referral = make_referral(make_household(1), actor=officer, received_at=clock.now() - timedelta(minutes=5))
    first.page("referrals.decide", referral_id=referral.id)
    second.page("referrals.decide", referral_id=referral.id)
    decide(first, referral, "no_further_action")
    response = second.post(
        "referrals.decide",
        _decision("universal_services", rationale="My own careful words"),
        referral_id=referral.id,
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup)[0].startswith("This referral was decided by Frankie First on")
    assert soup.select_one("#rationale").get_text() == "My own careful words"
    assert fresh(referral).outcome.code == "no_further_action"


def test_feedback_before_a_decision_is_refused_on_the_page_not_recorded(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer)
    response = client.post(
        "referrals.record_feedback",
        {"method": "phone", "fed_back_on": date_parts(clock.today())},
        referral_id=referral.id,
    )
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == ["Record the decision before recording feedback to the referrer"]
    assert fresh(referral).fed_back_on is None
    letter = client.get("referrals.feedback_letter", referral_id=referral.id)
    assert (letter.status_code, letter.mimetype) == (200, "text/html")
    assert error_messages(soup_of(letter)) == ["Record the decision before printing the feedback letter"]
    outcomes = db.session.scalars(
        select(AuditEvent.outcome).where(
            AuditEvent.record_id == str(referral.id), AuditEvent.action.in_(["feedback", "print"])
        )
    ).all()
    assert sorted(outcomes) == ["refused", "refused"]


def test_the_referrer_cannot_have_been_told_before_the_decision_nor_in_the_future(client):
    officer = officer_client(client)
    referral = referral_received(make_household(1), actor=officer, received_at=clock.now() - timedelta(days=3))
    decide(
        client,
        referral,
        "no_further_action",
        late_reason="Waiting for the school",
        late_recording_reason="Written up after the duty meeting today.",
    )
    earlier = clock.today() - timedelta(days=4)
    response = client.post(
        "referrals.record_feedback", {"method": "email", "fed_back_on": date_parts(earlier)}, referral_id=referral.id
    )
    soup = soup_of(response)
    assert error_messages(soup) == [
        f"The date the referrer was told ({clock.day(earlier)}) cannot be before the decision"
        f" ({clock.day(fresh(referral).decided_at)})"
    ]
    assert date_in(soup, "fed_back_on") == earlier
    later = clock.today() + timedelta(days=1)
    response = client.post(
        "referrals.record_feedback", {"method": "email", "fed_back_on": date_parts(later)}, referral_id=referral.id
    )
    assert error_messages(soup_of(response)) == ["Date the referrer was told must be today or in the past"]
    assert fresh(referral).fed_back_on is None


def test_rating_clarity_feeds_the_agency_quality_page(client):
    officer = officer_client(client)
    referral = make_referral(make_household(1), actor=officer, agency_name="Housing")
    assert error_messages(
        soup_of(client.post("referrals.rate_clarity", {"clarity": "maybe"}, referral_id=referral.id))
    ) == ["Select whether the level of concern was clear"]
    client.post(
        "referrals.rate_clarity", {"clarity": "partly", "clarity_note": "Level not stated"}, referral_id=referral.id
    )
    soup = client.page("referrals.quality")
    row = next(tr for tr in soup.select("#quality tbody tr") if tr.th.get_text() == "Housing")
    assert "0 / 1 / 0" in row.get_text()


def test_the_quality_page_counts_a_referral_in_its_london_month(client):
    # 00:30 on 1 July 2027 in London is 23:30 on 30 June in UTC.
    with time_machine.travel(datetime(2027, 7, 20, 12, 0, tzinfo=LONDON), tick=False):
        officer = officer_client(client)
        received = clock.at_london(date(2027, 7, 1), time(0, 30))
        referral = referral_received(make_household(1), actor=officer, agency_name="Police", received_at=received)
        client.post("referrals.rate_clarity", {"clarity": "yes"}, referral_id=referral.id)
        soup = client.page("referrals.quality")
    assert [th.get_text() for th in soup.select("#quality thead th")] == ["Agency", "2027-07"]
