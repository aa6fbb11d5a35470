"""NHS numbers by the modulus 11 rule, and the reference data a child's identity is recorded with.

Every number here is fictional: the 999 range is never issued, and 943 476 5919 is the NHS Data
Dictionary's own example."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earlyhelp.domain import nhs_number
from earlyhelp.domain.ethnicity import CENSUS_2021, ETHNICITIES, GROUPS, SEXES, ethnicity_label, sex_label
from earlyhelp.domain.nhs_number import NhsNumberStatus, check_nhs_record
from earlyhelp.domain.refusals import Refused

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def weighted_remainder(first_nine: str) -> int:
    return sum(int(digit) * (10 - place) for place, digit in enumerate(first_nine)) % 11


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "9990000018", " 999 000 0026 "])
def test_known_valid_numbers_pass_as_typed(number):
    assert nhs_number.is_valid(number)
    assert len(nhs_number.normalise(number)) == 10


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # the example with its last digit changed
        "9434765910",
        "9990000019",
        "9990000000",  # 999 000 000 has check digit 10: no number begins so
        "9990000140",  # and 999 000 014 too
    ],
)
def test_known_invalid_numbers_fail_with_the_last_digit_message(number):
    assert not nhs_number.is_valid(number)
    with pytest.raises(Refused) as refused:
        nhs_number.normalise(number)
    assert refused.value.message == "Enter a valid NHS number: the last digit does not match the others"
    assert refused.value.field == "nhs_number"


@pytest.mark.parametrize("typed", ["943476591", "94347659199", "943 476 591x", "NHS9434765919", "९४३४७६५९१९"])
def test_anything_but_ten_digits_is_not_an_nhs_number(typed):
    assert not nhs_number.is_valid(typed)
    with pytest.raises(Refused, match=r"^Enter a valid NHS number: it has 10 digits, like 999 000 0018$"):
        nhs_number.normalise(typed)


def test_nothing_typed_is_no_number():
    assert nhs_number.normalise("") == "" and nhs_number.normalise("  ") == "" and nhs_number.normalise(None) == ""


@given(nine_digits)
def test_the_check_digit_is_eleven_less_the_weighted_remainder(first_nine):
    remainder = weighted_remainder(first_nine)
    expected = {0: 0, 1: None}.get(remainder, 11 - remainder)
    assert nhs_number.check_digit(first_nine) == expected


@given(nine_digits, st.integers(min_value=0, max_value=9))
def test_exactly_one_last_digit_completes_a_number_unless_the_check_digit_is_ten(first_nine, last):
    digit = nhs_number.check_digit(first_nine)
    assert nhs_number.is_valid(first_nine + str(last)) == (digit == last)


@given(nine_digits, st.lists(st.sampled_from([" ", "-"]), min_size=10, max_size=10))
def test_spaces_and_dashes_anywhere_are_accepted_and_ten_digits_stored(first_nine, separators):
    digit = nhs_number.check_digit(first_nine)
    if digit is None:
        return
    digits = first_nine + str(digit)
    typed = "".join(separator + character for separator, character in zip(separators, digits, strict=True))
    assert nhs_number.normalise(typed) == digits
    assert nhs_number.formatted(digits) == f"{digits[:3]} {digits[3:6]} {digits[6:]}"


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=8))
def test_changing_any_one_digit_of_a_valid_number_makes_it_invalid(first_nine, new_digit, place):
    digit = nhs_number.check_digit(first_nine)
    if digit is None or int(first_nine[place]) == new_digit:
        return
    changed = first_nine[:place] + str(new_digit) + first_nine[place + 1 :] + str(digit)
    assert not nhs_number.is_valid(changed)  # the weights 10..2 are all below 11, so one digit always shows


# A number's status, and why there is none


def test_a_number_is_verified_or_not_verified_and_stored_as_ten_digits():
    assert check_nhs_record("999 000 0018", "verified", "") == ("9990000018", "verified", "")
    assert check_nhs_record("999-000-0018", "", "") == ("9990000018", NhsNumberStatus.UNVERIFIED, "")


def test_not_recorded_needs_a_reason_that_is_a_reason():
    with pytest.raises(Refused, match=r"^Explain why the NHS number is not recorded$") as refused:
        check_nhs_record("", "not_recorded", "")
    assert refused.value.field == "nhs_number_missing_reason"
    with pytest.raises(Refused, match=r"not \u201cn/a\u201d"):
        check_nhs_record("", "not_recorded", "n/a")
    assert check_nhs_record("", "not_recorded", " Not yet registered with a GP ") == (
        "",
        "not_recorded",
        "Not yet registered with a GP",
    )


def test_nothing_said_yet_stays_nothing_and_contradictions_are_refused():
    assert check_nhs_record("", "", "") == ("", "", "")
    with pytest.raises(Refused, match=r"select verified or not verified") as refused:
        check_nhs_record("9990000018", "not_recorded", "")
    assert refused.value.field == "nhs_number_status"
    with pytest.raises(Refused, match=r"Enter the NHS number") as refused:
        check_nhs_record("", "verified", "")
    assert refused.value.field == "nhs_number"
    with pytest.raises(Refused, match=r"Select \u2018Not recorded\u2019"):
        check_nhs_record("", "", "Not yet registered with a GP")
    with pytest.raises(Refused, match=r"the last digit does not match"):
        check_nhs_record("9990000019", "verified", "")


# Sex and ethnicity, as data


def test_ethnicity_is_the_2021_census_for_england_19_categories_in_5_groups():
    assert len(CENSUS_2021) == 19
    assert GROUPS == (
        "Asian, Asian British or Asian Welsh",
        "Black, Black British, Black Welsh, Caribbean or African",
        "Mixed or Multiple ethnic groups",
        "White",
        "Other ethnic group",
    )
    assert [len([e for e in CENSUS_2021 if e.group == group]) for group in GROUPS] == [5, 3, 4, 5, 2]
    assert len({e.code for e in CENSUS_2021}) == 19
    assert ethnicity_label("white_roma") == "White: Roma"
    assert ethnicity_label("not_stated") == "Prefers not to say"
    assert ethnicity_label("") == ""
    assert set(ETHNICITIES) == {e.code for e in CENSUS_2021} | {"not_stated"}


def test_sex_is_recorded_as_the_dfe_records_it():
    assert {code: (sex.label, sex.dfe_code) for code, sex in SEXES.items()} == {
        "female": ("Female", "2"),
        "male": ("Male", "1"),
        "not_known": ("Not known", "0"),
        "not_stated": ("Not stated (prefers not to say)", "9"),
    }
    assert sex_label("") == ""
