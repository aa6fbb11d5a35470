"""Shared form pieces: GOV.UK widgets, messages, and fields every area uses."""

import re
from datetime import date, datetime, time

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea
from werkzeug.datastructures import MultiDict
from wtforms import (
    Field,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    SelectChoice,
    StringField,
    TextAreaField,
    ValidationError,
    validators,
)
from wtforms.fields import DateField

from earlyhelp import clock
from earlyhelp.domain.reasons import REASON_MAX, check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.hostile import ID_MAX, has_control_characters, without_control_characters


class Form(FlaskForm):
    """Every form in the product is one of these (tests/test_code_shape.py): what any field refuses, whatever
    the form, is decided here once, for its rows (FieldList, FormField) too.

    - A form reads the posted text fields only: a file part, or a JSON body, is as if nothing was sent under
      that name (so the field says "Enter ...", as for any missing answer).
    - Control characters never reach a field: they are taken out as the form reads what was posted, and the
      field is refused ("Full name must not include hidden control characters ..."), showing what is left.
      Tab, line feed and carriage return are text in a multi-line answer; in a one-line answer (pasted, or
      crafted) they become spaces, which is harmless.
    - A whole number beyond what the database holds is refused on its field.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                formdata = request.form if _is_submitted() else None
            if formdata is None:
                form._hostile_names = set()
                return None
            cleaned, form._hostile_names = _without_hostile_values(formdata)
            return cleaned

    def validate(self, extra_validators=None) -> bool:
        for field in _leaf_fields(self):
            _on_one_line(field)
        valid = super().validate(extra_validators)
        hostile_names = getattr(self, "_hostile_names", set())
        for field in _leaf_fields(self):
            message = _hostile_refusal(field, hostile_names)
            if message:
                field.errors = [message]
                valid = False
        if not valid:
            _gather_row_errors(self)
        return valid


def _without_hostile_values(formdata) -> tuple[MultiDict, set[str]]:
    """The posted text values with control characters taken out (tabs and line breaks kept), and the names
    that carried any. Files are left out: no field of ours takes one."""
    cleaned, hostile_names = MultiDict(), set()
    pairs = formdata.items(multi=True) if hasattr(formdata, "items") else ()
    for key, value in pairs:
        if not isinstance(value, str):
            continue
        if has_control_characters(value) or has_control_characters(key):
            hostile_names.add(without_control_characters(key))
            value = without_control_characters(value)
        cleaned.add(without_control_characters(key), value)
    return cleaned, hostile_names


def _leaf_fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaf_fields(entry.form) if isinstance(entry, FormField) else (entry,)
        elif isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


def _gather_row_errors(form) -> None:
    """A list of rows keeps what its rows' fields said when it was validated: say again what they say now."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _gather_row_errors(entry.form)
            rows = [entry.errors for entry in field.entries]
            if any(rows):
                field.errors = rows + [message for message in field.errors if isinstance(message, str)]
        elif isinstance(field, FormField):
            _gather_row_errors(field.form)


def _what(field) -> str:
    """How a message names the field: its label ("Full name"), or the question it asks."""
    label = (field.label.text or "").removesuffix("(optional)").strip() if field.label else ""
    if not label:
        return "A hidden part of this form"
    if label.endswith("?"):
        return f"Your answer to “{label}”"
    return label


_SPACING = re.compile(r"\s*[\t\r\n]+\s*")


def _on_one_line(field) -> None:
    """A one-line answer with tabs or line breaks in it: each run of them is one space."""
    one_line = isinstance(field, StringField) and not isinstance(field, TextAreaField | PasswordField)
    if one_line and isinstance(field.data, str) and has_control_characters(field.data, keep_spacing=False):
        field.data = _SPACING.sub(" ", field.data).strip()


def _hostile_refusal(field, hostile_names: set[str]) -> str | None:
    if field.name in hostile_names:
        return (
            f"{_what(field)} must not include hidden control characters. They have been taken out: "
            "check what is left and try again"
        )
    if isinstance(field, IntegerField) and isinstance(field.data, int) and not -ID_MAX - 1 <= field.data <= ID_MAX:
        field.data = None
        return f"{_what(field)} must be a smaller number"
    return None


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


class _DateInput(GovDateInput):
    """GovDateInput with the day, month and year ids made from the field's id (the library makes them from its
    name), so a form given an id of its own (a row's change-date form, two of which can be open on one page)
    has inputs of its own: "due_on-12-day". A field keeping its usual id keeps "due_on-day"."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item, part in zip(params["items"], ("day", "month", "year"), strict=True):
            item["id"] = f"{params['id']}-{part}"
        return params


class GovDateField(DateField):
    """A GOV.UK day / month / year date input.

    Each message names the date ("Date received must be a real date"). A blank date is an error only when
    `required_message` is given. A request that leaves the three parts out altogether (a crafted post, an
    htmx request) counts as blank, because GovDateInput unpacks exactly three parts and would otherwise fail.
    """

    widget = _DateInput()

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
        except (ValueError, OverflowError):  # OverflowError: a day or month too big for C's int
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
