"""The case note form and the filters of the notes and the chronology. Field checks only: the rules (not in
the future, whom it is about, a reason when written down late) are earlyhelp.services.case_notes."""

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms import Form as RowForm

from earlyhelp import clock
from earlyhelp.forms import (
    MAX_LONG_TEXT,
    Form,
    GovDateField,
    a_reason,
    late_recording_reason_field,
    max_length,
    offered,
    options,
    parse_time,
    required,
)
from earlyhelp.services.case_notes import WHOLE_FAMILY, NoteInput
from earlyhelp.versions import OnceOnly

YES_NO = {"yes": "Yes", "no": "No"}
FAMILY = "family"


class AboutCheckboxes(GovCheckboxesInput):
    """One checkbox per child, then "or", then the whole family, which unticks the others (GOV.UK's exclusive
    checkbox); without JavaScript, ticking both is refused with a message."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        items = params["items"]
        if items and items[-1]["value"] == FAMILY:
            items[-1]["behaviour"] = "exclusive"
            params["items"] = [*items[:-1], {"divider": "or"}, items[-1]]
        return params


def _time_check(form, field):
    if parse_time(field.data or "") is None:
        raise ValidationError("Time it happened must be a real time, like 09:30 or 14:05")


class CaseNoteForm(OnceOnly, Form):
    """A case note; its one-time key (OnceOnly, made when the page is opened) saves it once."""

    type = RadioField("What kind of note is this?", widget=GovRadioInput(), validate_choice=False)
    happened_on = GovDateField(
        "Date it happened", what="Date it happened", required_message="Enter the date it happened"
    )
    happened_time = StringField(
        "Time it happened",
        description="Use the 24-hour clock, for example 09:30 or 14:05",
        widget=GovTextInput(),
        validators=[required("Enter the time it happened"), _time_check],
    )
    who_was_involved = StringField(
        "Who was involved?",
        description="Names and roles, for example Mum, Leo, PC Jones (police)",
        widget=GovTextInput(),
        validators=[
            required("Enter who was involved, for example Mum, Leo and the school nurse"),
            max_length(400, "Who was involved"),
        ],
    )
    about = SelectMultipleField(
        "Who is this note about?",
        description="Select all the children it is about, or the whole family",
        widget=AboutCheckboxes(),
        validate_choice=False,
    )
    text = TextAreaField(
        "What happened?",
        description="What was seen, said and done, and what was agreed. Write the child's own words as they said them",
        widget=GovCharacterCount(),
        validators=[required("Enter what happened"), max_length(MAX_LONG_TEXT, "What happened")],
    )
    significant = RadioField(
        "Is this a significant event?",
        description="A significant event goes in the family's chronology: for example an incident, a disclosure,"
        " a change in the household, or a decision",
        choices=options(YES_NO),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Save case note", widget=GovSubmitInput())

    def set_choices(self, types, children) -> None:
        self.type.choices = options((note_type.id, note_type.name) for note_type in types)
        self.about.choices = options([*((child.id, child.full_name) for child in children), (FAMILY, WHOLE_FAMILY)])

    def validate_type(self, field):
        if field.data not in offered(self.type):
            raise ValidationError("Select the type of note")

    def validate_about(self, field):
        chosen = [value for value in field.data or [] if value in offered(field)]
        if not chosen:
            raise ValidationError("Select which children the note is about, or the whole family")

    def validate_significant(self, field):
        if field.data not in YES_NO:
            raise ValidationError("Select yes if this is a significant event")

    def happened_at(self) -> datetime:
        return clock.at_london(self.happened_on.data, parse_time(self.happened_time.data))

    def note_input(self) -> NoteInput:
        chosen = [value for value in self.about.data or [] if value in offered(self.about)]
        return NoteInput(
            happened_at=self.happened_at(),
            type_id=int(self.type.data),
            who_was_involved=self.who_was_involved.data or "",
            text=self.text.data or "",
            significant=self.significant.data == "yes",
            child_ids=tuple(int(value) for value in chosen if value != FAMILY),
            whole_family=FAMILY in chosen,
            late_recording_reason=(self.late_recording_reason.data or "") if self.late_recording_reason else "",
        )

    @classmethod
    def data_of(cls, note) -> dict:
        """A form started from a saved note (for its correction)."""
        wall = clock.local(note.happened_at)
        return {
            "type": str(note.type_id),
            "happened_on": wall.date(),
            "happened_time": wall.time().isoformat("minutes"),
            "who_was_involved": note.who_was_involved,
            "about": [FAMILY] if note.about_whole_family else [str(child.person_id) for child in note.children],
            "text": note.text,
            "significant": "yes" if note.significant else "no",
        }


class CorrectionForm(CaseNoteForm):
    reason = TextAreaField(
        "What was wrong, and why is it being corrected?",
        description="The note as it was stays on the record, with this correction linked to it",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    late_recording_reason = None  # a correction's reason says why it is written now
    submit = SubmitField("Save the correction", widget=GovSubmitInput())

    def validate_reason(self, field):
        a_reason(field, "what was wrong with the note, and why it is being corrected")


class NotesFilterForm(RowForm):
    """GET filters for the list of notes: no CSRF, nothing changes."""

    child = SelectField("Child", widget=GovSelect(), validate_choice=False)
    type = SelectField("Type of note", widget=GovSelect(), validate_choice=False)
    significant = BooleanField("Significant events only", widget=GovCheckboxInput())

    def set_choices(self, types, children) -> None:
        self.child.choices = options(((child.id, child.full_name) for child in children), blank="All children")
        self.type.choices = options(((note_type.id, note_type.name) for note_type in types), blank="All types")

    def criteria(self) -> dict:
        """What to show: a child and a type only if they are in the lists."""
        return {
            "child_id": int(self.child.data) if self.child.data in offered(self.child) else None,
            "type_id": int(self.type.data) if self.type.data in offered(self.type) else None,
            "significant_only": bool(self.significant.data),
        }


class ChronologyFilterForm(RowForm):
    child = SelectField("Show the chronology for", widget=GovSelect(), validate_choice=False)

    def set_choices(self, children) -> None:
        self.child.choices = options(((child.id, child.full_name) for child in children), blank="Every child")

    def child_id(self) -> int | None:
        return int(self.child.data) if self.child.data in offered(self.child) else None
