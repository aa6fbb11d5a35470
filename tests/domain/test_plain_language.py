"""The plain-language check before a family plan is issued."""

from datetime import date

from earlyhelp.domain.plain_language import PlanStep, check

READY = {"What we are worried about": "Sam is missing school.", "If things get worse": "Call Robin."}


def messages(findings):
    return [f"{f.section}: {f.message}" for f in findings]


def test_a_clear_plan_has_nothing_to_fix():
    assert check(READY, [PlanStep("Walk Sam to school", "Mum", date(2026, 1, 5))], review_on=date(2026, 2, 1)) == []


def test_acronyms_and_jargon_are_named_with_a_plain_alternative():
    sections = READY | {"What needs to happen": "The TAF will meet. If it gets worse we escalate under s47."}
    found = messages(check(sections, [], review_on=date(2026, 2, 1)))
    assert 'What needs to happen: Replace "TAF" with plain words, such as "team around the family"' in found
    assert (
        'What needs to happen: Replace "s47" with plain words, such as "section 47 (a child protection enquiry)"'
        in found
    )
    assert 'What needs to happen: Replace "escalate" with plain words, such as "step up"' in found


def test_acronyms_match_only_in_capitals_and_as_whole_words():
    sections = READY | {"What is working well": "Mum's cpap machine works; the CPR course helped."}
    assert check(sections, [], review_on=date(2026, 2, 1)) == []


def test_a_configured_list_replaces_the_default():
    sections = READY | {"Goals": "We want a FHP by spring."}
    found = messages(check(sections, [], review_on=date(2026, 2, 1), jargon={"FHP": "family help plan"}))
    assert found == ['Goals: Replace "FHP" with plain words, such as "family help plan"']


def test_more_than_eight_family_steps_and_steps_without_a_person_or_date_are_flagged():
    steps = [PlanStep(f"Step {n}", "Mum", date(2026, 1, 5)) for n in range(9)] + [PlanStep("Ring the GP", "", None)]
    found = messages(check(READY, steps, review_on=date(2026, 2, 1)))
    assert 'Next steps: Name the person who will do "Ring the GP"' in found
    assert 'Next steps: Give a date for "Ring the GP"' in found
    assert any("Keep the family's list to 8 steps or fewer (it has 10)" in f for f in found)


def test_a_missing_review_date_or_contingency_plan_is_flagged():
    found = messages(check({"What we are worried about": "School."}, [], review_on=None))
    assert found == [
        "If things get worse: Write the contingency plan: what happens if things get worse",
        "Review: Set the date the plan will be reviewed",
    ]


def test_very_long_sentences_are_flagged_with_where_they_start():
    long = " ".join(["word"] * 30) + "."
    found = messages(check(READY | {"Goals": f"Short one. {long}"}, [], review_on=date(2026, 2, 1)))
    assert found == [
        'Goals: Split the sentence starting "word word word word word word..." (30 words; aim for 25 or fewer)'
    ]
