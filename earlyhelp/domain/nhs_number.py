"""NHS numbers: the consistent identifier for a child (Children's Wellbeing and Schools Act 2026, s16LC).

An NHS number is ten digits, the last a check digit (NHS Data Dictionary, "NHS number"): multiply each of the
first nine digits by a weight from 10 down to 2, add them up, and take the remainder on dividing by 11. The
check digit is 11 minus that remainder, 0 when that is 11; a number whose check digit would be 10 is never
issued, so it is not a valid NHS number. People type the number with spaces or dashes ("999 000 0018",
"999-000-0018"): those are accepted as typed, and the ten digits are stored.

Each child's number is recorded with whether it has been verified (checked against NHS records, for
example with the GP or health visitor) and, where there is none, why.
"""

from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.status import Status

LENGTH = 10
WEIGHTS = tuple(range(10, 1, -1))  # 10, 9, ... 2 for the first nine digits
SEPARATORS = " -"
EXAMPLE = "999 000 0018"  # fictional: the 999 range is for testing and is never issued

NOT_TEN_DIGITS = f"Enter a valid NHS number: it has 10 digits, like {EXAMPLE}"
WRONG_CHECK_DIGIT = "Enter a valid NHS number: the last digit does not match the others"


class NhsNumberStatus(Status):
    VERIFIED = "verified", "Verified", "green"
    UNVERIFIED = "unverified", "Not verified", "yellow"
    NOT_RECORDED = "not_recorded", "Not recorded", "grey"


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when it would be 10 (no valid number begins so)."""
    if len(first_nine) != LENGTH - 1 or not first_nine.isdigit():
        raise ValueError("nine digits are needed")
    remainder = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True)) % 11
    digit = 11 - remainder
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def digits_of(typed: str) -> str:
    """What was typed, without the spaces and dashes people write NHS numbers with."""
    return "".join(character for character in typed.strip() if character not in SEPARATORS)


def is_valid(number: str) -> bool:
    """Ten digits (spaces and dashes allowed), the last matching the modulus 11 check."""
    digits = digits_of(number)
    if len(digits) != LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    return check_digit(digits[:-1]) == int(digits[-1])


def normalise(typed: str | None, *, field: str = "nhs_number") -> str:
    """The ten digits of a number as typed, "" for none; Refused, on `field`, for one that is not valid."""
    digits = digits_of(typed or "")
    if not digits:
        return ""
    if len(digits) != LENGTH or not digits.isascii() or not digits.isdigit():
        raise Refused(NOT_TEN_DIGITS, field)
    if check_digit(digits[:-1]) != int(digits[-1]):
        raise Refused(WRONG_CHECK_DIGIT, field)
    return digits


def formatted(number: str) -> str:
    """'999 000 0018', as the NHS writes it (3, 3 and 4 digits)."""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == LENGTH else number


def check_nhs_record(number: str, status: str, reason: str | None) -> tuple[str, str, str]:
    """A child's NHS number, its status and the reason there is none, as they are stored; or Refused.

    A number is verified or not verified; with no number, either nothing has been said yet (no status, no
    reason) or it is "not recorded", and then the reason is asked for ("not yet registered with a GP").
    """
    digits = normalise(number)
    reason = (reason or "").strip()
    if status not in {"", *NhsNumberStatus}:
        raise Refused("Select whether the NHS number is verified, not verified or not recorded", "nhs_number_status")
    if digits:
        if status == NhsNumberStatus.NOT_RECORDED:
            raise Refused(
                "You entered an NHS number: select verified or not verified, or remove the number",
                "nhs_number_status",
            )
        return digits, status or NhsNumberStatus.UNVERIFIED, ""
    if status in (NhsNumberStatus.VERIFIED, NhsNumberStatus.UNVERIFIED):
        raise Refused("Enter the NHS number, or select \u2018Not recorded\u2019 and say why", "nhs_number")
    if status == NhsNumberStatus.NOT_RECORDED:
        why = check_reason(reason, asked="why the NHS number is not recorded", field="nhs_number_missing_reason")
        return "", NhsNumberStatus.NOT_RECORDED, why
    if reason:
        raise Refused(
            "Select \u2018Not recorded\u2019 if you are saying why there is no NHS number", "nhs_number_status"
        )
    return "", "", ""
