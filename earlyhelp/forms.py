"""Shared form pieces: GOV.UK widgets, messages, and fields every area uses."""

from datetime import date, datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea
from wtforms import Field, SelectChoice, TextAreaField, ValidationError, validators
from wtforms.fields import DateField

from earlyhelp import clock
from earlyhelp.domain.reasons import REASON_MAX, check_reason
from earlyhelp.domain.refusals import Refused


class Form(FlaskForm):
    """Every form in the product is one of these (tests/test_code_shape.py): what any field refuses, whatever
    the form, is decided here once (hostile input: control characters, file parts, values out of range)."""


MAX_SHORT_TEXT = 200
MAX_LONG_TEXT = 5000


def options(pairs, *, blank: str | None = None) -> list[SelectChoice]:
    """Choices for a select or radios, from (value, label) pairs or a dict, with an optional blank first option.

    WTForms 3.3 deprecates tuple choices; this is the one place that builds them.
    """
    items = pairs.items() if isinstance(pairs, dict) else pairs
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(str(value), label) for value, label in items]


def required(message: str) -> validators.DataRequired:
    """A required field whose message says exactly what to enter (GOV.UK error message guidance).

    DataRequired, not InputRequired: a field of spaces counts as empty.
    """
    return validators.DataRequired(message=message)


def offered(field) -> set[str]:
    """The values a choice field offers, leaving out its blank first option."""
    return {choice.value for choice in field.choices if choice.value}


def chosen(field) -> bool:
    """Whether the field holds one of its offered choices (the blank option is not a choice)."""
    return field.data in offered(field)


def required_when(condition: bool, field, message: str) -> None:
    """Refuse an empty answer (spaces count as empty) to a question that must be answered when `condition` holds."""
    if condition and not (field.data or "").strip():
        raise ValidationError(message)


def max_length(limit: int, what: str) -> validators.Length:
    return validators.Length(max=limit, message=f"{what} must be {limit} characters or fewer")


class GovDateField(DateField):
    """A GOV.UK day / month / year date input.

    Each message names the date ("Date received must be a real date"). A blank date is an error only when
    `required_message` is given. A request that leaves the three parts out altogether (a crafted post, an
    htmx request) counts as blank, because GovDateInput unpacks exactly three parts and would otherwise fail.
    """

    widget = GovDateInput()

    def __init__(self, label: str, *, what: str | None = None, required_message: str | None = None, **kwargs):
        self.what = what or label
        self.required_message = required_message
        super().__init__(label, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        parts = [str(part).strip() for part in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValueError(f"{self.what} must include a {' and '.join(missing)}")
        day, month, year = parts
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise ValueError(f"{self.what} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.what} must be a real date") from None

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.required_message:
            raise validators.StopValidation(self.required_message)

    @property
    def was_typed(self) -> bool:
        return any(self.raw_data or [])


def not_in_future(what: str):
    def check(form, field: Field):
        if field.data and field.data > clock.today():
            raise validators.ValidationError(f"{what} must be today or in the past")

    return check


def parse_time(text: str) -> time | None:
    """'9:05', '09:05', '14.30' or '2:30pm' as a time; None if it is not one."""
    cleaned = text.strip().lower().replace(".", ":").replace(" ", "")
    for pattern in ("%H:%M", "%I:%M%p", "%I%p"):
        try:
            return datetime.strptime(cleaned, pattern).time()
        except ValueError:
            continue
    return None


def household_rows(rows, children, *, fresh: bool) -> tuple[list, bool]:
    """Pair each child in the household with the form row posted for them: by person id, never by position.

    Returns the (child, row) pairs and whether the posted rows matched the household. When they did not (the
    page is new, or the household changed while someone was writing), the rows are rebuilt, one per child.
    Each row knows its child's first name, so that its messages name the child.
    """
    posted = {row.person_id.data: row for row in rows.entries}
    matched = not fresh and set(posted) == {str(child.id) for child in children}
    if matched:
        pairs = [(child, posted[str(child.id)]) for child in children]
    else:
        while rows.entries:
            rows.pop_entry()
        for child in children:
            rows.append_entry({"person_id": str(child.id)})
        pairs = list(zip(children, rows.entries, strict=True))
    for child, row in pairs:
        row.form.child_name = child.first_name
    return pairs, matched or fresh


def a_reason(field, asked: str) -> None:
    """A form's reason, by the one rule for reasons (earlyhelp/domain/reasons.py)."""
    try:
        check_reason(field.data, asked=asked)
    except Refused as refusal:
        raise ValidationError(refusal.message) from None


def late_recording_reason_field():
    """The one field asking why something is written down late (earlyhelp/domain/recording.py). The use case
    decides whether it is needed and refuses onto it; templates show it with components/late_reason.html."""
    return TextAreaField(
        "Why is this being recorded now?",
        widget=GovTextArea(),
        description="Say why it was not written down when it happened.",
        validators=[
            validators.Optional(),
            validators.Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
        ],
    )
