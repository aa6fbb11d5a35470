"""A reason is a reason: the one rule for every reason the service asks for."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlyhelp.domain.reasons import NON_ANSWERS, REASON_MIN, check_reason, is_non_answer
from earlyhelp.domain.refusals import Refused


@pytest.mark.parametrize("typed", [*sorted(NON_ANSWERS), "N/A", " n/a. ", "None", "See above."])
def test_a_non_answer_is_refused_with_what_to_write(typed):
    with pytest.raises(Refused, match=r"^Explain why Poppy is not part of the referral in a sentence") as refused:
        check_reason(typed, asked="why Poppy is not part of the referral")
    assert refused.value.field == "reason"


def test_nothing_typed_asks_for_the_reason():
    with pytest.raises(Refused, match=r"^Explain why Poppy is not part of the referral$"):
        check_reason("   ", asked="why Poppy is not part of the referral")


@given(st.text(min_size=REASON_MIN).filter(lambda text: len(text.strip()) >= REASON_MIN and not is_non_answer(text)))
def test_anything_of_ten_characters_or_more_that_is_not_a_non_answer_is_kept_stripped(text):
    assert check_reason(text, asked="why") == text.strip()
