from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import FieldList, Form, FormField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from earlyhelp.forms import MAX_LONG_TEXT, GovDateField, max_length, not_in_future, required
from earlyhelp.next_steps.forms import NextStepRowForm


class DecisionRowForm(Form):
    decision = TextAreaField("Decision", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The decision")])
    rationale = TextAreaField("Why", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")])

    def is_blank(self) -> bool:
        return not (self.decision.data or "").strip() and not (self.rationale.data or "").strip()

    def validate_rationale(self, field):
        if (self.decision.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the reason for this decision")

    def validate_decision(self, field):
        if (self.rationale.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the decision this reason is for")


class RecordSupervisionForm(FlaskForm):
    kind = RadioField(
        "Kind of supervision",
        choices=[("case", "Case supervision, about one family"), ("general", "General supervision")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    practitioner = SelectField("Practitioner", widget=GovSelect(), validate_choice=False)
    family = SelectField("Family", description="For case supervision", widget=GovSelect(), validate_choice=False)
    held_on = GovDateField(
        "Date held", required_message="Enter the date the supervision was held", validators=[not_in_future("Date held")]
    )
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

    def validate_kind(self, field):
        if field.data not in ("case", "general"):
            raise ValidationError("Select case or general supervision")

    def validate_practitioner(self, field):
        if field.data not in {value for value, _ in field.choices if value}:
            raise ValidationError("Select the practitioner from the list")

    def validate_family(self, field):
        if self.kind.data == "case" and field.data not in {value for value, _ in field.choices if value}:
            raise ValidationError("Select the family this case supervision is about")

    def validate_decisions(self, field):
        if all(row.is_blank() for row in field.entries) and all(row.is_blank() for row in self.steps.entries):
            raise ValidationError("Record at least one decision or one next step")

    def validate_next_supervision_on(self, field):
        if field.data and self.held_on.data and field.data <= self.held_on.data:
            raise ValidationError("The next supervision must be after this one")
