"""A decision that needs a team manager's sign-off, as the front door and its manager meet it: the decide page
says which do, the referral waits (in the queue, on the manager's My work), the manager agrees or sends it back
with a note the front door reads; a decision the table refuses is refused on the page."""

from datetime import datetime, timedelta

import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.models import DecisionOutcome, LevelOfNeed
from tests.factories import make_household, make_user, reference
from tests.helpers import TestClient, date_parts, error_messages, fresh, soup_of, text_of
from tests.services.test_referrals import referral_received

NOW = datetime(2026, 11, 17, 11, 0, tzinfo=LONDON)  # a Tuesday morning


def front_door(app):
    officer = make_user("front_door", team_name="Front door", name="Frankie Frontdoor")
    manager = make_user("team_manager", team_name="Front door", name="Morgan Thresholdlead")
    clients = []
    for person in (officer, manager):
        client = TestClient(app)
        client.sign_in(person)
        clients.append(client)
    return officer, manager, *clients


def decision(code="no_further_action", level=3, **extra) -> dict:
    made = NOW - timedelta(minutes=10)
    return {
        "outcome": str(reference(DecisionOutcome, code=code).id),
        "decided_level": str(reference(LevelOfNeed, number=level).id),
        "rationale": "School support and a GP review will meet these needs.",
        "lead_practitioner": "",
        "social_worker": "",
        "decided_on": date_parts(made.date()),
        "decided_time": made.time().isoformat("minutes"),
    } | extra


def pending_referral(officer, officer_client):
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    response = officer_client.post("referrals.decide", decision(), referral_id=referral.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    return referral, response


@time_machine.travel(NOW, tick=False)
def test_no_further_action_at_level_3_waits_for_the_manager_and_the_referrer_is_not_told_yet(app):
    officer, manager, officer_client, manager_client = front_door(app)
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    decide_page = officer_client.page("referrals.decide", referral_id=referral.id)
    assert "No further action at Level 3 (Targeted or complex)" in text_of(decide_page, "#outcome-hint")
    response = officer_client.post("referrals.decide", decision(), referral_id=referral.id)
    page = officer_client.page(response.headers["Location"])
    assert "needs a team manager's sign-off before the referrer is told" in text_of(page, ".govuk-notification-banner")
    assert text_of(page, "#referral-status") == "Pending sign-off"
    assert "No further action at Level 3 (Targeted or complex) needs a team manager's sign-off" in text_of(
        page, "#sign-off-needed"
    )
    assert "The clock keeps running until the decision is signed off." in text_of(page, "#decision-clock")
    assert page.select_one("form[action$='/feedback']") is None
    assert page.find("a", string="Sign off the decision") is None  # not for the officer
    letter = officer_client.get("referrals.feedback_letter", referral_id=referral.id)
    assert error_messages(soup_of(letter))[0].startswith("The decision is waiting for a team manager's sign-off")
    queue = officer_client.page("referrals.queue")
    row = next(tr for tr in queue.select("#referral-queue tbody tr") if referral.family.name in tr.get_text())
    assert "Pending sign-off" in row.get_text() and "No further action" in row.get_text()
    home = officer_client.page("main.home")
    assert text_of(home, "#referrals-pending-sign-off") == "1 decision waiting for a manager's sign-off"
    work = manager_client.page("main.home")
    link = work.select_one("#decisions-to-sign-off a")
    assert link.get_text() == f"Sign off: no further action for {referral.family.reference}"
    assert link["href"] == manager_client.url("referrals.sign_off", referral_id=referral.id)


@time_machine.travel(NOW, tick=False)
def test_the_manager_agrees_with_a_reason_and_the_front_door_can_tell_the_referrer(app):
    officer, manager, officer_client, manager_client = front_door(app)
    referral, _ = pending_referral(officer, officer_client)
    page = manager_client.page("referrals.sign_off", referral_id=referral.id)
    assert "School support and a GP review will meet these needs." in text_of(page, "#decision")
    soup = soup_of(
        manager_client.post("referrals.sign_off", {"answer": "agree", "reason": "n/a"}, referral_id=referral.id)
    )
    assert error_messages(soup)[0].startswith("Explain why you agree with this decision in a sentence")
    assert soup.select_one("#reason").get_text() == "n/a"
    assert error_messages(
        soup_of(manager_client.post("referrals.sign_off", {"reason": "x"}, referral_id=referral.id))
    ) == ["Select yes if you agree with this decision"]
    data = {"answer": "agree", "reason": "The school's plan and the GP review are enough."}
    response = manager_client.post("referrals.sign_off", data, referral_id=referral.id)
    shown = manager_client.page(response.headers["Location"])
    assert "Decision signed off: No further action" in text_of(shown, ".govuk-notification-banner")
    assert text_of(shown, "#referral-status") == "Decided"
    assert "Morgan Thresholdlead, Tue 17 Nov 2026 at 11:00 The school's plan and the GP review are enough." in text_of(
        shown, "#decision"
    )
    officer_page = officer_client.page("referrals.show", referral_id=referral.id)
    assert officer_page.select_one("form[action$='/feedback']") is not None
    assert "Done on time" in text_of(officer_page, "#decision-clock")
    assert manager_client.page("main.home").select_one("#decisions-to-sign-off") is None
    assert manager_client.get("referrals.sign_off", referral_id=referral.id).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_the_manager_sends_it_back_and_the_front_door_reads_why(app):
    officer, manager, officer_client, manager_client = front_door(app)
    referral, _ = pending_referral(officer, officer_client)
    data = {"answer": "disagree", "reason": "Mum's low mood needs an early help assessment first."}
    response = manager_client.post("referrals.sign_off", data, referral_id=referral.id)
    assert "Decision sent back to the front door" in text_of(manager_client.page(response.headers["Location"]), "main")
    page = officer_client.page("referrals.show", referral_id=referral.id)
    assert text_of(page, "#referral-status") == "Awaiting decision"
    assert (
        "Morgan Thresholdlead did not sign off the last decision, on Tue 17 Nov 2026 at 11:00: Mum's low mood needs an"
        " early help assessment first." in text_of(page, "#sent-back")
    )
    history = text_of(page, "#referral-history")
    assert "Decision not signed off" in history and "Decision: No further action" in history
    assert page.find("a", string="Record the decision") is not None


@time_machine.travel(NOW, tick=False)
def test_two_managers_signing_off_at_once_the_second_is_told_what_the_first_did_and_keeps_their_words(app):
    officer, manager, officer_client, first = front_door(app)
    second = TestClient(app)
    second.sign_in(make_user("team_manager", team_name="Front door", name="Sam Secondlead"))
    referral, _ = pending_referral(officer, officer_client)
    first.page("referrals.sign_off", referral_id=referral.id)
    second.page("referrals.sign_off", referral_id=referral.id)
    first.post(
        "referrals.sign_off", {"answer": "agree", "reason": "The plan is enough for now."}, referral_id=referral.id
    )
    response = second.post(
        "referrals.sign_off", {"answer": "disagree", "reason": "My own careful words"}, referral_id=referral.id
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["This decision was signed off by Morgan Thresholdlead on 17 November 2026 at 11:00"]
    # Nothing left to sign: no form to send again, and their words kept on the page to copy.
    assert soup.select_one("#unsaved-reason").get_text() == "My own careful words"
    assert soup.select_one("form #reason") is None
    assert "no longer waiting for sign-off" in soup.select_one("#sign-off-needed").get_text()
    assert fresh(referral).status == "decided"


@time_machine.travel(NOW, tick=False)
def test_only_a_team_manager_of_the_front_door_may_sign_off(app):
    officer, manager, officer_client, _ = front_door(app)
    referral, _ = pending_referral(officer, officer_client)
    assert officer_client.get("referrals.sign_off", referral_id=referral.id).status_code == 403
    elsewhere = TestClient(app)
    elsewhere.sign_in(make_user("team_manager", team_name="Early help team"))
    assert elsewhere.get("referrals.sign_off", referral_id=referral.id).status_code == 404
    data = {"answer": "agree", "reason": "The plan is enough for now."}
    assert elsewhere.post("referrals.sign_off", data, referral_id=referral.id).status_code == 404
    assert fresh(referral).status == "pending_sign_off"


@time_machine.travel(NOW, tick=False)
def test_a_decision_the_table_refuses_is_refused_on_the_decision_saying_why(app):
    officer, _, officer_client, _ = front_door(app)
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=1))
    lead = make_user("practitioner")
    data = decision("early_help", level=4, lead_practitioner=str(lead.id), rationale="My careful reasons here.")
    soup = soup_of(officer_client.post("referrals.decide", data, referral_id=referral.id))
    assert error_messages(soup) == [
        "Early help cannot be the decision at Level 4 (Specialist): early help is voluntary support, and at Level 4 a"
        " child may be suffering significant harm. Choose a social care assessment or a strategy discussion, or"
        " decide a lower level of need"
    ]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#outcome"
    assert soup.select_one("#rationale").get_text() == "My careful reasons here."
    assert fresh(referral).status == "awaiting_decision"
