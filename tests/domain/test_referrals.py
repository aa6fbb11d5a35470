"""The front door's rules, without the app or the database."""

from datetime import date, time, timedelta

import pytest

from earlyhelp.clock import at_london
from earlyhelp.domain.referrals import (
    ProposedDecision,
    ProposedLead,
    check_decision,
    check_feedback,
    check_lead,
    check_receipt,
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
    assert refusal(check_decision, decision(decided_at=NOW - timedelta(hours=3)), now=NOW) == (
        "The decision date must be on or after the referral was received (Thu 31 Dec 2026 at 21:59)",
        "decided_on",
    )
    ahead = decision(decided_at=NOW + timedelta(minutes=1))
    assert refusal(check_decision, ahead, now=NOW) == ("The decision date must be today or in the past", "decided_on")
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


def test_the_referrer_is_told_once_and_not_before_the_decision():
    decided = at_london(date(2026, 12, 31), time(14, 0))
    assert refusal(check_feedback, decided_at=None, told_at=None, told_on=date(2026, 12, 31))[1] is None
    assert refusal(check_feedback, decided_at=decided, told_at=decided, told_on=date(2027, 1, 4))[0].startswith(
        "The referrer was already told"
    )
    assert refusal(check_feedback, decided_at=decided, told_at=None, told_on=date(2026, 12, 30))[1] == "fed_back_on"
    check_feedback(decided_at=decided, told_at=None, told_on=date(2026, 12, 31))
