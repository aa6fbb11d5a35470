"""Decisions that match the need: the table of decisions and levels (data, seeded by migration 0011) allows a
decision, asks for a team manager's sign-off, or refuses it saying why. A decision waiting for sign-off keeps its
clock running and waits to be told to the referrer; the manager agrees (decided) or not (back to the front door)."""

import threading
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import DecisionOutcome, Episode, LevelOfNeed, Notification, Referral, User
from earlyhelp.models.reference import DecisionRule
from earlyhelp.services.referrals import (
    decision_clock,
    feedback_letter,
    queue,
    record_feedback,
    referral_page,
    sign_off_decision,
    waiting_for_sign_off,
)
from tests.factories import make_household, make_user, reference
from tests.helpers import app_on_fresh_database
from tests.services.test_referrals import decide, london, referral_received

MONDAY = london(2026, 11, 16, 10, 0)


@pytest.fixture(autouse=True)
def still():
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        yield


def front_door():
    officer = make_user("front_door", team_name="Front door", name="Frankie Frontdoor")
    manager = make_user("team_manager", team_name="Front door", name="Morgan Thresholdlead")
    return officer, manager


def pending(officer, *, code="no_further_action", level_number=3):
    referral = referral_received(make_household(1), actor=officer, received_at=MONDAY)
    decide(referral, code, actor=officer, decided_at=MONDAY + timedelta(minutes=30), level_number=level_number)
    return referral


def test_the_seeded_table_asks_for_sign_off_for_no_further_action_or_advice_at_levels_3_and_4(app):
    rules = db.session.scalars(select(DecisionRule).where(DecisionRule.fit == "sign_off")).all()
    assert sorted((rule.outcome.code, rule.level.number) for rule in rules) == [
        ("information_and_advice", 3),
        ("information_and_advice", 4),
        ("no_further_action", 3),
        ("no_further_action", 4),
        ("universal_services", 3),
    ]
    # Every combination of the seeded outcomes and levels has a row: a council edits it, it does not add to it.
    assert db.session.scalar(select(db.func.count(DecisionRule.id))) == 6 * 4


def test_no_further_action_at_level_3_waits_for_sign_off_with_its_clock_running_and_the_referrer_not_told(app):
    officer, manager = front_door()
    referral = pending(officer)
    assert referral.status == "pending_sign_off"
    assert decision_clock(referral, today=date(2026, 11, 18)).state == "overdue"
    with pytest.raises(Refused, match=r"^The decision is waiting for a team manager's sign-off: record that"):
        record_feedback(referral, method="phone", told_on=date(2026, 11, 16), actor=officer)
    with pytest.raises(Refused, match=r"^The decision is waiting for a team manager's sign-off: print the letter"):
        feedback_letter(referral)
    assert referral in db.session.scalars(queue(officer)).all()
    assert referral in db.session.scalars(queue(officer, status="pending_sign_off")).all()
    assert waiting_for_sign_off(manager) == [referral]
    assert waiting_for_sign_off(officer) == []
    assert referral_page(referral).sign_off_reason == (
        "No further action at Level 3 (Targeted or complex) needs a team manager's sign-off: Level 3 is complex or"
        " several needs, which usually need a coordinated response"
    )
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == manager.id)).all()
    assert notice.message.startswith(f"A decision for {referral.family.reference} needs your sign-off")


def test_a_decision_the_table_refuses_is_refused_saying_why(app):
    officer, _ = front_door()
    referral = referral_received(make_household(1), actor=officer, received_at=MONDAY)
    with pytest.raises(
        Refused, match=r"^Early help cannot be the decision at Level 4 \(Specialist\): early help is"
    ) as refused:
        decide(referral, "early_help", actor=officer, level_number=4, lead=make_user("practitioner"))
    assert refused.value.field == "outcome"
    assert db.session.get(Referral, referral.id).status == "awaiting_decision"


def test_the_table_is_data_a_council_can_change(app):
    officer, _ = front_door()
    rule = db.session.scalar(
        select(DecisionRule).where(
            DecisionRule.outcome_id == reference(DecisionOutcome, code="universal_services").id,
            DecisionRule.level_id == reference(LevelOfNeed, number=2).id,
        )
    )
    rule.fit, rule.why = "refused", "our threshold document says level 2 needs early help"
    db.session.commit()
    referral = referral_received(make_household(1), actor=officer, received_at=MONDAY)
    with pytest.raises(Refused, match="our threshold document says level 2 needs early help"):
        decide(referral, "universal_services", actor=officer)


def test_a_manager_who_agrees_completes_the_decision_and_its_clock_stops_at_the_sign_off(app):
    officer, manager = front_door()
    referral = pending(officer)
    with time_machine.travel(london(2026, 11, 18, 9, 0), tick=False):
        sign_off_decision(referral.id, agree=True, reason="The school's support plan meets these needs.", actor=manager)
    referral = db.session.get(Referral, referral.id)
    assert (referral.status, referral.signed_off_by_id, referral.sign_off_reason) == (
        "decided",
        manager.id,
        "The school's support plan meets these needs.",
    )
    # Due Tuesday 17th; decided on Monday, but complete only when signed off on Wednesday.
    assert decision_clock(referral).summary == "Done late, by 1 working day"
    assert [change.kind for change in referral_page(referral).changes] == ["signed_off"]
    [told] = db.session.scalars(select(Notification.message).where(Notification.user_id == officer.id)).all()
    assert told.startswith("Morgan Thresholdlead signed off your decision")
    with time_machine.travel(london(2026, 11, 18, 9, 30), tick=False):
        with pytest.raises(Refused, match=r"cannot be before the decision \(Wed 18 Nov 2026\)"):
            record_feedback(referral, method="phone", told_on=date(2026, 11, 17), actor=officer)
        record_feedback(referral, method="phone", told_on=date(2026, 11, 18), actor=officer)
    assert feedback_letter(referral)["referral"] is referral


def test_a_manager_who_disagrees_sends_it_back_with_a_note_and_the_decision_stays_in_the_history(app):
    officer, manager = front_door()
    referral = pending(officer)
    sign_off_decision(
        referral.id, agree=False, reason="Mum's low mood needs an early help assessment first.", actor=manager
    )
    referral = db.session.get(Referral, referral.id)
    assert (referral.status, referral.outcome_id, referral.decided_at, referral.returned_by_id) == (
        "awaiting_decision",
        None,
        None,
        manager.id,
    )
    assert referral.returned_reason == "Mum's low mood needs an early help assessment first."
    [change] = referral_page(referral).changes
    assert change.kind == "returned"
    assert change.details[0] == ["Decision", "No further action", ""]
    assert change.details[1] == ["Level of need decided", "Level 3: Targeted or complex", ""]
    assert decision_clock(referral).state in ("due", "due_today", "overdue")
    # Decided again, it is in the queue once more with a fresh clock of its own deadline.
    decide(referral, "early_help", actor=officer, level_number=3, lead=make_user("practitioner"), decided_at=None)
    assert db.session.get(Referral, referral.id).status == "decided"


def test_only_a_front_door_manager_other_than_the_decider_signs_off_with_a_reason(app):
    officer, manager = front_door()
    referral = pending(officer)
    elsewhere = make_user("team_manager", team_name="Early help team", name="Ellis Elsewhere")
    with pytest.raises(Refused, match=r"^Only a team manager of the front door can sign off"):
        sign_off_decision(referral.id, agree=True, reason="It looks right to me.", actor=elsewhere)
    with pytest.raises(Refused, match=r"^Only a team manager of the front door can sign off"):
        sign_off_decision(referral.id, agree=True, reason="It looks right to me.", actor=officer)
    with pytest.raises(Refused, match=r"^Explain why you agree with this decision in a sentence") as refused:
        sign_off_decision(referral.id, agree=True, reason="n/a", actor=manager)
    assert refused.value.field == "reason"
    own = pending(manager)
    with pytest.raises(Refused, match=r"^You recorded this decision"):
        sign_off_decision(own.id, agree=True, reason="It looks right to me.", actor=manager)
    assert db.session.get(Referral, referral.id).status == "pending_sign_off"


def test_a_sign_off_that_opens_early_help_opens_it_then_with_the_lead_named_in_the_decision(app):
    officer, manager = front_door()
    rule = db.session.scalar(
        select(DecisionRule).where(
            DecisionRule.outcome_id == reference(DecisionOutcome, code="early_help").id,
            DecisionRule.level_id == reference(LevelOfNeed, number=3).id,
        )
    )
    rule.fit = "sign_off"
    db.session.commit()
    lead = make_user("practitioner", name="Robin Quillfeather")
    referral = referral_received(make_household(1), actor=officer, received_at=MONDAY)
    decide(referral, "early_help", actor=officer, level_number=3, lead=lead)
    assert db.session.scalars(select(Episode).where(Episode.family_id == referral.family_id)).all() == []
    sign_off_decision(referral.id, agree=True, reason="A coordinated plan will meet these needs.", actor=manager)
    [episode] = db.session.scalars(select(Episode).where(Episode.family_id == referral.family_id)).all()
    assert (episode.lead_id, episode.started_on) == (lead.id, date(2026, 11, 16))


# Two managers at once need real, separate connections: an app with its own database, on the engine under test.


def test_two_managers_signing_off_at_once_exactly_one_wins():
    with app_on_fresh_database("sign-off-race") as app:
        with app.app_context(), time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
            officer, first = front_door()
            second = make_user("team_manager", team_name="Front door", name="Sam Secondlead")
            ids = pending(officer).id, first.id, second.id
            db.session.remove()
        barrier = threading.Barrier(2)
        results = [None, None]

        def run(index, manager_id, agree):
            with app.app_context():
                barrier.wait()
                try:
                    manager = db.session.get(User, manager_id)
                    results[index] = sign_off_decision(
                        ids[0], agree=agree, reason="Having read the referral and the reasons.", actor=manager
                    ).status
                except Refused as refused:
                    db.session.rollback()
                    results[index] = refused
                finally:
                    db.session.remove()

        threads = [
            threading.Thread(target=run, args=(0, ids[1], True)),
            threading.Thread(target=run, args=(1, ids[2], False)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r for r in results if isinstance(r, str)]
        [loser] = [r for r in results if isinstance(r, Refused)]
        assert len(winners) == 1, results
        if winners[0] == "decided":
            assert str(loser).startswith("This decision was signed off by Morgan Thresholdlead on")
        else:
            assert str(loser).startswith("Sam Secondlead did not agree with this decision on")
        with app.app_context():
            assert db.session.get(Referral, ids[0]).status == winners[0]
