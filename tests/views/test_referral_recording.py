"""The referral page says when each step happened and when it was written down; a step written down late asks
why on its form, and a wrong day for the feedback can be corrected, keeping what it said before."""

from datetime import date, datetime, timedelta

import time_machine

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.models import DecisionOutcome, LevelOfNeed
from tests.factories import make_household, make_user, reference
from tests.helpers import date_in, date_parts, error_messages, fresh, soup_of, text_of
from tests.services.test_referrals import referral_received

# Tuesday 1 December 2026, three months after the referral came in on Tuesday 1 September.
TODAY = datetime(2026, 12, 1, 11, 0, tzinfo=LONDON)
SEPTEMBER = datetime(2026, 9, 1, 9, 30, tzinfo=LONDON)


def signed_in_officer(client):
    officer = make_user("front_door", team_name="Front door", name="Frankie Frontdoor")
    client.sign_in(officer)
    return officer


def decision(at: datetime, **extra) -> dict:
    return {
        "outcome": str(reference(DecisionOutcome, code="information_and_advice").id),
        "decided_level": str(reference(LevelOfNeed, number=2).id),
        "rationale": "Advice about attendance support is enough for now.",
        "lead_practitioner": "",
        "social_worker": "",
        "decided_on": date_parts(at.date()),
        "decided_time": at.time().isoformat("minutes"),
    } | extra


@time_machine.travel(TODAY, tick=False)
def test_a_decision_entered_three_months_late_asks_why_then_says_when_it_was_recorded(client):
    officer = signed_in_officer(client)
    referral = referral_received(make_household(1), actor=officer, received_at=SEPTEMBER)
    page = client.page("referrals.decide", referral_id=referral.id)
    assert page.select_one("#late_recording_reason") is None  # asked only once the service says it is needed
    made = SEPTEMBER + timedelta(hours=3)
    data = decision(made, late_reason="The police checks took three months to come back.")
    response = client.post("referrals.decide", data, referral_id=referral.id)
    soup = soup_of(response)
    assert error_messages(soup) == ["Explain why this decision is being recorded 3 months after it happened"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#late_recording_reason"
    assert soup.select_one("#late_recording_reason") is not None
    assert soup.select_one("#rationale").get_text() == "Advice about attendance support is enough for now."
    data["late_recording_reason"] = "n/a"
    soup = soup_of(client.post("referrals.decide", data, referral_id=referral.id))
    assert error_messages(soup)[0].startswith(
        "Explain why this decision is being recorded 3 months after it happened in"
    )
    assert soup.select_one("#late_recording_reason").get_text() == "n/a"
    data["late_recording_reason"] = "The decision was made at the meeting; the notes were lost until today."
    assert client.post("referrals.decide", data, referral_id=referral.id).status_code == 302
    shown = client.page("referrals.show", referral_id=referral.id)
    decided = text_of(shown, "#decision")
    assert "Tue 1 Sep 2026 at 12:30" in decided
    assert "recorded on Tue 1 Dec 2026 (3 months after)" in decided
    assert "The decision was made at the meeting; the notes were lost until today." in decided
    # Measured from when it was decided, not when it was typed: late, by the working days it really took.
    assert "Done on time" in text_of(shown, "#decision-clock")


@time_machine.travel(TODAY, tick=False)
def test_a_referral_entered_late_shows_when_it_arrived_and_when_it_was_recorded(client):
    officer = signed_in_officer(client)
    family = make_household(1)
    from tests.views.test_referrals import referral_form

    data = referral_form(family, received=SEPTEMBER)
    soup = soup_of(client.post("referrals.new", data, family_id=family.id))
    assert error_messages(soup) == ["Explain why this referral is being recorded 3 months after it happened"]
    data["late_recording_reason"] = "It was found in the post room during the move."
    response = client.post("referrals.new", data, family_id=family.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    told = text_of(client.page(response.headers["Location"]), "#what-they-told-us")
    assert "Tue 1 Sep 2026 at 09:30" in told
    assert (
        "recorded on Tue 1 Dec 2026 (3 months after). Why it was recorded late: It was found in the post room during the move."
        in told
    )
    del officer


def _decided(client, officer, at):
    referral = referral_received(make_household(1), actor=officer, received_at=at - timedelta(hours=1))
    response = client.post("referrals.decide", decision(at), referral_id=referral.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    return referral


def test_feedback_recorded_late_asks_why_and_the_page_says_so(client):
    with time_machine.travel(TODAY - timedelta(days=7), tick=False):
        officer = signed_in_officer(client)
        referral = _decided(client, officer, clock.local(clock.now()) - timedelta(hours=1))
    with time_machine.travel(TODAY, tick=False):
        client.sign_in(officer)  # a new day, a new session
        told = {"method": "email", "fed_back_on": date_parts(date(2026, 11, 24))}
        soup = soup_of(client.post("referrals.record_feedback", told, referral_id=referral.id))
        assert error_messages(soup) == ["Explain why telling the referrer is being recorded 7 days after it happened"]
        assert soup.select_one("#late_recording_reason") is not None
        assert date_in(soup, "fed_back_on") == date(2026, 11, 24)
        told["late_recording_reason"] = "The email was sent from a colleague's account."
        assert client.post("referrals.record_feedback", told, referral_id=referral.id).status_code == 302
        status = text_of(client.page("referrals.show", referral_id=referral.id), "#feedback-status")
    assert status.startswith("Email, Tue 24 Nov 2026")
    assert (
        "recorded on Tue 1 Dec 2026 (7 days after). Why it was recorded late: The email was sent from a colleague's account."
        in status
    )


@time_machine.travel(TODAY, tick=False)
def test_a_wrong_day_for_the_feedback_is_corrected_and_the_history_keeps_what_it_was(client):
    officer = signed_in_officer(client)
    referral = _decided(client, officer, TODAY - timedelta(hours=1))
    client.post(
        "referrals.record_feedback",
        {"method": "phone", "fed_back_on": date_parts(TODAY.date())},
        referral_id=referral.id,
    )
    page = client.page("referrals.show", referral_id=referral.id)
    assert page.select_one("form[action$='/feedback']") is None  # recorded: put right through the correction
    link = page.find("a", string="Correct the feedback to the referrer")
    assert link["href"] == client.url("referrals.correct_feedback", referral_id=referral.id)
    form = client.page("referrals.correct_feedback", referral_id=referral.id)
    assert date_in(form, "fed_back_on") == TODAY.date()
    assert form.select_one("input[name=method][value=phone]").has_attr("checked")
    yesterday = date_parts(TODAY.date() - timedelta(days=1))
    wrong = {"method": "email", "fed_back_on": yesterday, "reason": "It was an email the day before."}
    soup = soup_of(client.post("referrals.correct_feedback", wrong, referral_id=referral.id))
    assert error_messages(soup) == [
        "The date the referrer was told (Mon 30 Nov 2026) cannot be before the decision (Tue 1 Dec 2026)"
    ]
    assert soup.select_one("#reason").get_text() == "It was an email the day before."
    same = {"method": "phone", "fed_back_on": date_parts(TODAY.date()), "reason": "Checking it again today."}
    assert error_messages(soup_of(client.post("referrals.correct_feedback", same, referral_id=referral.id)))[
        0
    ].startswith("Change the date or how the referrer was told")
    right = {"method": "email", "fed_back_on": date_parts(TODAY.date()), "reason": "n/a"}
    assert error_messages(soup_of(client.post("referrals.correct_feedback", right, referral_id=referral.id)))[
        0
    ].startswith("Explain why the feedback is being corrected in a sentence")
    right["reason"] = "It was an email, not a call: the sent copy is on file."
    assert client.post("referrals.correct_feedback", right, referral_id=referral.id).status_code == 302
    page = client.page("referrals.show", referral_id=referral.id)
    assert text_of(page, "#feedback-status").startswith("Email, Tue 1 Dec 2026")
    history = text_of(page, "#referral-history")
    assert "Feedback corrected" in history and "Frankie Frontdoor" in history
    assert "How the referrer was told: Phone call" in history and "became Email" in history
    assert "It was an email, not a call: the sent copy is on file." in history
    assert fresh(referral).feedback_method == "email"


@time_machine.travel(TODAY, tick=False)
def test_the_correction_page_sends_you_back_when_there_is_nothing_to_correct(client):
    officer = signed_in_officer(client)
    referral = _decided(client, officer, TODAY - timedelta(hours=1))
    response = client.get("referrals.correct_feedback", referral_id=referral.id)
    assert response.headers["Location"] == client.url("referrals.show", referral_id=referral.id)
