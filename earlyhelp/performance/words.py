"""The dashboard's words for a count and for a period: "1 case note", "3 case notes"; "1 January 2026 to today".

A measure's `total_words` are written for many ("referrals decided", "next steps overdue", "children"): for one,
the first plural noun among them is made singular, so the page never says "1 case notes".
"""

from datetime import date

from earlyhelp import clock
from earlyhelp.services.measures import Period

_IRREGULAR = {"children": "child", "people": "person"}
_NOT_PLURAL = {"this", "is", "was", "has", "as", "its", "less", "process", "across", "status", "always"}


def _singular_word(word: str) -> str | None:
    """The word for one, or None when the word is not a plural noun."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower in _NOT_PLURAL or len(lower) < 3 or not lower.endswith("s") or lower.endswith("ss"):
        return None
    if lower.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1]


def singular(words: str) -> str:
    """ "next steps overdue" -> "next step overdue"; "open families with a lead" -> "open family with a lead"."""
    parts = words.split(" ")
    for index, part in enumerate(parts):
        one = _singular_word(part)
        if one is not None:
            return " ".join([*parts[:index], one, *parts[index + 1 :]])
    return words


def counted(number: int, words: str) -> str:
    """ "1 case note", "0 case notes", "3 case notes"."""
    return f"{number} {singular(words) if number == 1 else words}"


def for_number(number: int, words: str) -> str:
    """The words alone, agreeing with the number shown beside them."""
    return singular(words) if number == 1 else words


def _months(count: int) -> str:
    return "1 full month" if count == 1 else f"{count} full months"


def period_words(period: Period, today: date | None = None) -> str:
    """The period in words: '1 January 2026 to today, 2 December 2026 (11 full months and this month so far)'."""
    today = today or clock.today()
    start, end = clock.long_day(period.start), clock.long_day(period.end)
    words = f"{start} to today, {end}" if period.end == today else f"{start} to {end}"
    whole_months = period.start.day == 1
    if whole_months and period.end == today:
        full = (today.year - period.start.year) * 12 + today.month - period.start.month
        words += f" ({_months(full)} and this month so far)" if full else " (this month so far)"
    return words
