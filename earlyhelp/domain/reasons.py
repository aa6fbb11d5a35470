"""A reason is a reason: what someone writes to explain a choice must say something.

One rule for every reason the service asks for (a child left out of a referral or a request, breaking the
glass, restricting a record): at least REASON_MIN characters, and not one of the non-answers people type
to get past a box. The list is data, so a council can add its own.
"""

from earlyhelp.domain.refusals import Refused

REASON_MIN = 10
REASON_MAX = 2000
# Compared without case, spaces or full stops at the ends.
NON_ANSWERS = frozenset(
    {
        "n/a",
        "na",
        "n.a",
        "none",
        "nothing",
        "-",
        "--",
        "see above",
        "as above",
        "not applicable",
        "no reason",
        "tbc",
        "?",
    }
)


def is_non_answer(text: str) -> bool:
    return text.strip().strip(".").strip().lower() in NON_ANSWERS


def check_reason(text: str | None, *, asked: str, field: str | None = "reason") -> str:
    """The reason, stripped; or Refused saying what to write. `asked` completes "Explain ..." and names
    what the reason is for: "why Poppy is not part of the referral"."""
    reason = (text or "").strip()
    if not reason:
        raise Refused(f"Explain {asked}", field)
    if is_non_answer(reason) or len(reason) < REASON_MIN:
        raise Refused(
            f"Explain {asked} in a sentence of at least {REASON_MIN} characters: say what happened or what was"
            " decided, not \u201cn/a\u201d",
            field,
        )
    if len(reason) > REASON_MAX:
        raise Refused(f"The reason must be {REASON_MAX} characters or fewer", field)
    return reason
