"""The family's agreement as asked, the step-down checklist, the send rule, and outcomes that are not monitoring.

No app, no database: the rules of earlyhelp/domain/consent.py and earlyhelp/domain/outcomes.py."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlyhelp.domain.consent import CHECKLIST, check_checklist, check_consent, check_ready_to_send
from earlyhelp.domain.outcomes import (
    MONITORING_ONLY,
    ProposedOutcome,
    check_outcome,
    check_outcomes,
    only_monitors,
)
from earlyhelp.domain.refusals import Refused

TODAY = date(2026, 3, 10)
ALL_YES = dict.fromkeys(CHECKLIST, True)


def asked(**overrides):
    values = {
        "told_family": "yes",
        "told_on": TODAY - timedelta(days=2),
        "told_by": "Kit Marrowby",
        "family_agreement": "yes",
        "family_words": "",
        "today": TODAY,
    }
    return check_consent(**(values | overrides))


# Told, and agrees: never inferred


@pytest.mark.parametrize("told", ["no", "not_yet"])
def test_family_told_no_is_never_stored_as_agrees_yes(told):
    consent = asked(told_family=told, family_agreement="yes", family_words="They said yes", told_by="Kit")
    assert (consent.told_family, consent.family_agreement) == (told, "not_asked")
    assert (consent.told_on, consent.told_by, consent.family_words) == (None, "", "")


def test_told_yes_needs_when_and_by_whom():
    with pytest.raises(Refused) as refused:
        asked(told_on=None)
    assert (refused.value.field, refused.value.message) == ("told_on", "Enter the date the family was told")
    with pytest.raises(Refused) as refused:
        asked(told_by="  ")
    assert (refused.value.field, refused.value.message) == ("told_by", "Enter who told the family")


def test_a_told_date_in_the_future_is_refused():
    with pytest.raises(Refused, match="must be today or in the past") as refused:
        asked(told_on=TODAY + timedelta(days=1))
    assert refused.value.field == "told_on"
    assert asked(told_on=TODAY).told_on == TODAY


@pytest.mark.parametrize("answer", ["no", "partly"])
def test_agrees_no_or_partly_needs_the_familys_own_words(answer):
    with pytest.raises(Refused, match="in their own words") as refused:
        asked(family_agreement=answer, family_words=" ")
    assert refused.value.field == "family_words"
    consent = asked(family_agreement=answer, family_words="  Mum said not yet.  ")
    assert (consent.family_agreement, consent.family_words) == (answer, "Mum said not yet.")


@given(st.text(max_size=12).filter(lambda text: text not in ("yes", "no", "partly")))
def test_a_forged_agreement_is_refused(value):
    with pytest.raises(Refused) as refused:
        asked(family_agreement=value)
    assert refused.value.field == "family_agreement"


def test_a_forged_told_answer_is_refused():
    with pytest.raises(Refused) as refused:
        asked(told_family="maybe")
    assert refused.value.field == "family_told"


# The checklist


def test_each_checklist_question_is_answered_and_a_no_needs_a_note():
    answers = {name: (True, "") for name in CHECKLIST}
    assert check_checklist(answers)["clear_outcomes"] is True
    with pytest.raises(Refused) as refused:
        check_checklist(answers | {"clear_outcomes": (None, "")})
    assert refused.value.field == "clear_outcomes"
    with pytest.raises(Refused) as refused:
        check_checklist(answers | {"clear_outcomes": (False, "")})
    assert refused.value.field == "clear_outcomes_note"
    fields = check_checklist(answers | {"clear_outcomes": (False, " Still being agreed with school. ")})
    assert (fields["clear_outcomes"], fields["clear_outcomes_note"]) == (False, "Still being agreed with school.")


# Sending


def test_a_step_down_is_not_sent_without_the_familys_agreement():
    for answer, words in (("no", "the family said no"), ("partly", "in part"), ("not_asked", "not been asked")):
        with pytest.raises(Refused, match=words):
            check_ready_to_send(is_step_up=False, family_agreement=answer, checklist=ALL_YES, outcomes=1)
    check_ready_to_send(is_step_up=False, family_agreement="yes", checklist=ALL_YES, outcomes=1)


def test_a_step_down_is_not_sent_with_a_checklist_no_or_unanswered_or_no_outcome_and_says_which():
    with pytest.raises(Refused) as refused:
        check_ready_to_send(
            is_step_up=False,
            family_agreement="yes",
            checklist=ALL_YES | {"threshold_reviewed": False, "outstanding_tasks_listed": None},
            outcomes=0,
        )
    message = refused.value.message
    assert "the level of need has not been reviewed against the threshold" in message
    assert "“Are the outstanding tasks listed, each with an owner and a date?” is not answered" in message
    assert "it has no outcomes" in message


def test_a_step_up_without_agreement_is_left_to_the_override():
    check_ready_to_send(is_step_up=True, family_agreement="no")
    check_ready_to_send(is_step_up=True, family_agreement="not_asked", checklist={}, outcomes=0)


def test_the_send_rule_called_as_before_still_refuses_a_step_down_without_agreement():
    with pytest.raises(Refused):
        check_ready_to_send(is_step_up=False, family_agreement="no")
    check_ready_to_send(is_step_up=False, family_agreement="yes")


# Outcomes


@pytest.mark.parametrize(
    "text",
    [
        "Early help to monitor school attendance. Monitoring only.",
        "Monitoring",
        "monitoring only",
        "Keep an eye on the children",
        "Regular oversight by the lead practitioner",
        "School will continue to monitor attendance.",
        "Social worker to check in on mum weekly",
        "Early help monitors attendance",
        "Ongoing monitoring; check in with mum monthly.",
        "Keep the case under review",
    ],
)
def test_monitoring_only_is_not_an_outcome(text):
    assert only_monitors(text)
    with pytest.raises(Refused) as refused:
        check_outcome(ProposedOutcome(None, text, TODAY + timedelta(days=30)), children={}, today=TODAY, field="o")
    assert refused.value.message == MONITORING_ONLY
    assert refused.value.field == "o-what_different"
    assert "Write what should be different for the child, and by when" in MONITORING_ONLY


@pytest.mark.parametrize(
    "text",
    [
        "Jay goes to school at least 9 days in 10 by the end of March",
        "Attendance improves with monitoring, to 9 days in 10",
        "Jay is on track to move up to year 7 with his friends",
        "Mum will review the family budget with the worker and pays the rent on time",
        "Monitor attendance. Jay attends 9 days in 10.",
        "Jay is no longer monitored by school for lateness",
    ],
)
def test_an_outcome_saying_what_will_be_different_is_accepted(text):
    assert not only_monitors(text)


def test_an_outcome_is_for_a_child_of_the_household_or_the_whole_family():
    children = {7: "Jay"}
    later = TODAY + timedelta(days=1)
    assert check_outcome(
        ProposedOutcome(7, " Jay sleeps in his own bed ", later), children=children, today=TODAY, field="o"
    )
    assert check_outcome(ProposedOutcome(None, "Meals together", later), children=children, today=TODAY, field="o")
    with pytest.raises(Refused) as refused:
        check_outcome(ProposedOutcome(99, "Meals together", later), children=children, today=TODAY, field="o")
    assert refused.value.field == "o-person"


@pytest.mark.parametrize("days", [0, -1, -400])
def test_an_outcome_dated_today_or_in_the_past_is_refused(days):
    with pytest.raises(Refused, match="must be in the future") as refused:
        check_outcome(
            ProposedOutcome(None, "Meals together", TODAY + timedelta(days=days)), children={}, today=TODAY, field="o"
        )
    assert refused.value.field == "o-by_when"


def test_outcomes_name_their_row_and_at_least_one_is_needed_when_asked():
    later = TODAY + timedelta(days=10)
    with pytest.raises(Refused) as refused:
        check_outcomes(
            [ProposedOutcome(None, "Meals together", later), ProposedOutcome(None, "Monitoring only", later)],
            children={},
            today=TODAY,
            required=True,
        )
    assert refused.value.message.startswith("Outcome 2: monitoring is not an outcome")
    assert refused.value.field == "outcomes-1-what_different"
    with pytest.raises(Refused, match="at least one outcome"):
        check_outcomes([], children={}, today=TODAY, required=True)
    assert check_outcomes([], children={}, today=TODAY, required=False) == []
