"""The front door's rules, without the app or the database."""

from datetime import date, time, timedelta

import pytest

from earlyhelp.clock import at_london
from earlyhelp.domain.referrals import (
    DecisionFit,
    ProposedDecision,
    ProposedLead,
    changes_between,
    check_can_put_right,
    check_decision,
    check_duplicate,
    check_feedback,
    check_feedback_correction,
    check_fit,
    check_lead,
    check_letter,
    check_receipt,
    check_received_before_recorded,
    check_sign_off,
    sign_off_explanation,
    where_it_stands,
)
from earlyhelp.domain.refusals import Refused

NOW = at_london(date(2026, 12, 31), time(23, 59, 59))
PRACTITIONER = ProposedLead(name="Lee Lead", active=True, leads_in="early_help")


def refusal(check, *args, **kwargs) -> tuple[str, str | None]:
    with pytest.raises(Refused) as refused:
        check(*args, **kwargs)
    return refused.value.message, refused.value.field


def test_a_referral_received_up_to_this_moment_is_accepted():
    check_receipt(NOW, now=NOW)
    check_receipt(NOW - timedelta(days=400), now=NOW)


def test_a_referral_received_later_today_is_refused_on_the_time_and_on_a_later_day_on_the_date():
    assert refusal(check_receipt, NOW, now=NOW - timedelta(hours=1)) == (
        "Time received must be now or in the past",
        "received_time",
    )
    # One second after 23:59:59 on 31 December is another day, and another year.
    assert refusal(check_receipt, NOW + timedelta(seconds=1), now=NOW) == (
        "Date received must be today or in the past",
        "received_on",
    )


def decision(**changes) -> ProposedDecision:
    values = {
        "received_at": NOW - timedelta(hours=2),
        "decided_at": NOW - timedelta(hours=1),
        "due_on": date(2027, 1, 5),
        "late_reason": "",
        "opens_service": "early_help",
        "lead": PRACTITIONER,
    }
    return ProposedDecision(**(values | changes))


def test_a_decision_is_refused_before_receipt_in_the_future_or_late_without_a_reason():
    # Each refusal names both dates (earlyhelp/domain/dates.py: "referral_decided").
    assert refusal(check_decision, decision(decided_at=NOW - timedelta(hours=3)), now=NOW) == (
        "The decision (Thu 31 Dec 2026 at 20:59) cannot be before the referral was received (Thu 31 Dec 2026 at 21:59)",
        "decided_on",
    )
    ahead = decision(decided_at=NOW + timedelta(minutes=1))
    assert refusal(check_decision, ahead, now=NOW) == (
        "The decision (Fri 1 Jan 2027 at 00:00) cannot be in the future",
        "decided_on",
    )
    late = decision(decided_at=at_london(date(2027, 1, 6), time(9, 0)))
    assert refusal(check_decision, late, now=late.decided_at) == (
        "Explain why the decision was late (it was due on Tue 5 Jan 2027)",
        "late_reason",
    )
    check_decision(decision(decided_at=late.decided_at, late_reason="Waiting for police checks"), now=late.decided_at)


@pytest.mark.parametrize("non_answer", ["n/a", "N/A.", "none", "-", "see above", "Late"])
def test_a_late_decision_is_refused_a_non_answer_for_its_reason(non_answer):
    late = decision(decided_at=at_london(date(2027, 1, 6), time(9, 0)), late_reason=non_answer)
    message, field = refusal(check_decision, late, now=late.decided_at)
    assert field == "late_reason"
    assert message.startswith(
        "Explain why the decision was late (it was due on Tue 5 Jan 2027) in a sentence of at least 10"
    )


def test_early_help_needs_a_lead_who_works_here_and_leads_early_help():
    assert refusal(check_lead, "early_help", None)[1] == "lead_practitioner"
    gone = ProposedLead(name="Gone Away", active=False, leads_in="early_help")
    assert refusal(check_lead, "early_help", gone) == (
        "Gone Away can no longer be given work. Select someone else",
        "lead_practitioner",
    )
    social_worker = ProposedLead(name="Sasha Social", active=True, leads_in="social_care")
    assert refusal(check_lead, "early_help", social_worker) == (
        "Sasha Social cannot lead this work. Select a lead practitioner in an early help team",
        "lead_practitioner",
    )
    assert refusal(check_lead, "social_care", PRACTITIONER)[1] == "social_worker"
    check_lead("social_care", None)
    check_lead("social_care", social_worker)
    check_lead(None, gone)


def test_the_referrer_is_told_once_not_before_the_decision_and_not_on_a_day_still_to_come():
    decided = at_london(date(2026, 12, 31), time(14, 0))
    assert refusal(check_feedback, decided_at=None, told_on_before=None, told_on=date(2026, 12, 31))[1] is None
    assert refusal(check_feedback, decided_at=decided, told_on_before=date(2026, 12, 31), told_on=date(2027, 1, 4)) == (
        "The referrer was already told, on 31 December 2026",
        None,
    )
    assert refusal(check_feedback, decided_at=decided, told_on_before=None, told_on=date(2026, 12, 30)) == (
        "The date the referrer was told (Wed 30 Dec 2026) cannot be before the decision (Thu 31 Dec 2026)",
        "fed_back_on",
    )
    assert refusal(check_feedback, decided_at=decided, told_on_before=None, told_on=date(2027, 1, 1), now=NOW) == (
        "The date the referrer was told (Fri 1 Jan 2027) must be today or in the past",
        "fed_back_on",
    )
    # Told the same day as the decision, whatever the time: the day is all that was given.
    check_feedback(decided_at=decided, told_on_before=None, told_on=date(2026, 12, 31), now=NOW)


def test_a_correction_to_the_feedback_stays_in_order_and_must_change_something():
    decided = at_london(date(2026, 12, 1), time(14, 0))
    was = (date(2026, 12, 2), "phone")
    assert refusal(
        check_feedback_correction, decided_at=decided, told_on=date(2026, 11, 30), method="phone", was=was, now=NOW
    ) == (
        "The date the referrer was told (Mon 30 Nov 2026) cannot be before the decision (Tue 1 Dec 2026)",
        "fed_back_on",
    )
    assert refusal(
        check_feedback_correction, decided_at=decided, told_on=date(2026, 12, 2), method="phone", was=was, now=NOW
    )[0].startswith("Change the date or how the referrer was told")
    assert refusal(
        check_feedback_correction,
        decided_at=decided,
        told_on=date(2026, 12, 1),
        method="phone",
        was=(None, None),
        now=NOW,
    )[0].startswith("There is no feedback to correct")
    check_feedback_correction(decided_at=decided, told_on=date(2026, 12, 1), method="email", was=was, now=NOW)


def test_the_table_of_decisions_and_levels_allows_asks_for_sign_off_or_refuses_saying_why():
    assert check_fit(None, outcome="Early help", level="Level 2 (Early help)", why="") is False
    assert check_fit(DecisionFit.ALLOWED, outcome="Early help", level="Level 2 (Early help)", why="") is False
    assert check_fit(DecisionFit.SIGN_OFF, outcome="No further action", level="Level 3 (Targeted)", why="x") is True
    assert refusal(
        check_fit,
        DecisionFit.REFUSED,
        outcome="Early help",
        level="Level 4 (Specialist)",
        why="early help is voluntary support",
    ) == ("Early help cannot be the decision at Level 4 (Specialist): early help is voluntary support", "outcome")
    assert (
        sign_off_explanation("No further action", "Level 4 (Specialist)", "a child may be suffering significant harm")
        == "No further action at Level 4 (Specialist) needs a team manager's sign-off: a child may be suffering"
        " significant harm"
    )


def test_a_referral_is_put_right_only_before_its_decision_and_the_refusal_says_who_did_what_when():
    check_can_put_right("awaiting_decision", who="", when=None, what="it can no longer be amended")
    when = at_london(date(2026, 12, 1), time(14, 5))
    assert refusal(
        check_can_put_right, "decided", who="Frankie First", when=when, what="it can no longer be amended"
    ) == (
        "This referral was decided by Frankie First on 1 December 2026 at 14:05: it can no longer be amended",
        None,
    )
    assert refusal(check_can_put_right, "withdrawn", who="Wren", when=when, what="it can no longer be withdrawn")[
        0
    ].startswith("This referral was withdrawn by Wren on 1 December 2026")
    assert where_it_stands("pending_sign_off", who="Frankie First", when=when) == (
        "This referral has a decision waiting for a team manager's sign-off (recorded by Frankie First on"
        " 1 December 2026 at 14:05)"
    )
    assert where_it_stands("duplicate", who="Wren", when=None) == "This referral was marked as a duplicate"


class _Referral:
    def __init__(self, id, family_id, status="awaiting_decision"):
        self.id, self.family_id, self.status = id, family_id, status


def test_a_duplicate_repeats_another_referral_about_the_same_family_that_is_being_worked_on():
    check_duplicate(referral_id=2, family_id=7, original=_Referral(1, 7, "decided"))
    for original in (None, _Referral(2, 7), _Referral(1, 8)):
        assert refusal(check_duplicate, referral_id=2, family_id=7, original=original) == (
            "Select the referral about this family that this one repeats",
            "original",
        )
    for status in ("withdrawn", "duplicate"):
        assert refusal(check_duplicate, referral_id=2, family_id=7, original=_Referral(1, 7, status))[0].startswith(
            "That referral was itself withdrawn or marked as a duplicate"
        )


def test_a_decision_is_signed_off_while_it_waits_and_never_by_the_person_who_made_it():
    check_sign_off("pending_sign_off", decided_by_id=1, actor_id=2, stands="")
    assert refusal(check_sign_off, "pending_sign_off", decided_by_id=2, actor_id=2, stands="")[0] == (
        "You recorded this decision. Another team manager of the front door must sign it off"
    )
    assert refusal(check_sign_off, "decided", decided_by_id=1, actor_id=2, stands="Signed off by Morgan") == (
        "Signed off by Morgan",
        None,
    )


def test_what_changed_is_each_field_that_changed_with_what_it_was_in_the_order_of_the_labels():
    labels = {"agency": "Referring agency", "worries": "What they are worried about", "name": "Referrer's name"}
    before = {"agency": "School", "worries": "Attendance", "name": "Pat"}
    after = {"agency": "Police", "worries": "Attendance", "name": ""}
    assert changes_between(before, after, labels) == [
        ["Referring agency", "School", "Police"],
        ["Referrer's name", "Pat", ""],
    ]
    assert changes_between(before, before, labels) == []


def test_there_is_no_letter_without_a_decision_signed_off_where_it_needed_it():
    decided = at_london(date(2026, 12, 1), time(14, 0))
    check_letter(status="decided", decided_at=decided)
    assert refusal(check_letter, status="awaiting_decision", decided_at=None)[0] == (
        "Record the decision before printing the feedback letter"
    )
    assert refusal(check_letter, status="pending_sign_off", decided_at=None)[0].startswith(
        "The decision is waiting for a team manager's sign-off"
    )
    assert refusal(check_letter, status="withdrawn", decided_at=None)[0].startswith("This referral was withdrawn")
    assert refusal(check_letter, status="duplicate", decided_at=None)[0].startswith("This referral is a duplicate")


def test_an_amended_receipt_cannot_come_after_the_referral_was_written_down():
    recorded = at_london(date(2026, 12, 1), time(10, 0))
    check_received_before_recorded(recorded, recorded_at=recorded)
    assert refusal(check_received_before_recorded, recorded + timedelta(minutes=1), recorded_at=recorded) == (
        "The referral was recorded on Tue 1 Dec 2026 at 10:00: it cannot have been received after that",
        "received_on",
    )
