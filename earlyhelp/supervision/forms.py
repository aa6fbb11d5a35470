"""The supervision record form. Field checks only: the rules (clear actions, the next date after this one,
next steps only in case supervision) are earlyhelp.services.supervision.record_supervision."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import FieldList, FormField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms import Form as RowForm
from wtforms.validators import ValidationError

from earlyhelp.forms import (
    MAX_LONG_TEXT,
    Form,
    GovDateField,
    a_reason,
    late_recording_reason_field,
    max_length,
    not_in_future,
    options,
    required,
)
from earlyhelp.next_steps.forms import NextStepRowForm
from earlyhelp.services.next_steps import NextStepInput

KINDS = {"case": "Case supervision, about one family", "general": "General supervision"}


class DecisionRowForm(RowForm):
    decision = TextAreaField("Decision", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The decision")])
    rationale = TextAreaField("Why", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")])

    def is_blank(self) -> bool:
        return not (self.decision.data or "").strip() and not (self.rationale.data or "").strip()

    def validate_rationale(self, field):
        if (self.decision.data or "").strip():
            a_reason(field, "why this decision was made")

    def validate_decision(self, field):
        if (self.rationale.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the decision this reason is for")


def _chosen(field) -> bool:
    return field.data in {choice.value for choice in field.choices if choice.value}


class RecordSupervisionForm(Form):
    # One key per form shown: saving the same form again (back in the browser, a double click) makes no second record.
    submission_key = HiddenField()
    kind = RadioField("Kind of supervision", choices=options(KINDS), widget=GovRadioInput(), validate_choice=False)
    practitioner = SelectField("Practitioner", widget=GovSelect(), validate_choice=False)
    family = SelectField("Family", description="For case supervision", widget=GovSelect(), validate_choice=False)
    held_on = GovDateField(
        "Date held", required_message="Enter the date the supervision was held", validators=[not_in_future("Date held")]
    )
    late_recording_reason = late_recording_reason_field()
    discussion = TextAreaField(
        "Discussion",
        widget=GovCharacterCount(),
        validators=[required("Enter what was discussed"), max_length(MAX_LONG_TEXT, "The discussion")],
    )
    decisions = FieldList(FormField(DecisionRowForm), min_entries=2)
    steps = FieldList(FormField(NextStepRowForm), min_entries=3)
    # Left blank, it is the usual interval after the date held.
    next_supervision_on = GovDateField("Next supervision")
    submit = SubmitField("Save supervision record", widget=GovSubmitInput())

    def set_choices(self, *, team, episodes, supervisor) -> None:
        """The manager's team to supervise and to own next steps, and the families the team leads now."""
        self.practitioner.choices = options(
            [(person.id, person.name) for person in team if person.id != supervisor.id], blank="Select a practitioner"
        )
        families = sorted(
            (
                (episode.family_id, f"{episode.family.reference} {episode.family.name}, lead {episode.lead.name}")
                for episode in episodes
            ),
            key=lambda choice: choice[1],
        )
        self.family.choices = options(families, blank="Select a family")
        owners = options([(person.id, person.name) for person in team], blank="Select a person")
        for row in self.steps.entries:
            row.owner_user.choices = owners

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError("Select case or general supervision")

    def validate_practitioner(self, field):
        if not _chosen(field):
            raise ValidationError("Select the practitioner from the list")

    def validate_family(self, field):
        if self.kind.data == "case" and not _chosen(field):
            raise ValidationError("Select the family this case supervision is about")

    def decision_pairs(self) -> list[tuple[str, str]]:
        return [(row.decision.data, row.rationale.data) for row in self.decisions.entries if not row.is_blank()]

    def step_inputs(self, today: date) -> dict[int, NextStepInput]:
        """The started next step rows, by their row on the form."""
        return {index: row.as_input(today) for index, row in enumerate(self.steps.entries) if not row.is_blank()}
