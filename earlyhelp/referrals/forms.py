"""One form per use case at the front door."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    validators,
)

from earlyhelp.forms import MAX_LONG_TEXT, GovDateField, max_length, not_in_future, parse_time, required
from earlyhelp.services.referrals import CLARITY_CHOICES, FEEDBACK_METHODS

YES_NO = [("yes", "Yes"), ("no", "No")]


def long_text(label: str, message: str, what: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[required(message), max_length(MAX_LONG_TEXT, what)],
    )


def time_field(label: str, what: str) -> StringField:
    def check(form, field):
        if parse_time(field.data or "") is None:
            raise ValidationError(f"{what} must be a real time, like 09:30 or 14:05")

    return StringField(
        label,
        description="Use the 24-hour clock, for example 09:30 or 14:05",
        widget=GovTextInput(),
        validators=[required(f"Enter the {what.lower()}"), check],
    )


class ChildInReferralForm(Form):
    """One row per child in the household: included, or not with a reason, so no sibling is forgotten."""

    person_id = HiddenField()
    included = RadioField(
        "Is this child part of the referral?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False
    )
    impact = TextAreaField(
        "What is the impact on this child?",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The impact on the child")],
    )
    reason_not_included = TextAreaField(
        "Why is this child not part of the referral?",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )

    def validate_included(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if this child is part of the referral")

    def validate_impact(self, field):
        if self.included.data == "yes" and not (field.data or "").strip():
            raise ValidationError("Describe the impact on this child")

    def validate_reason_not_included(self, field):
        if self.included.data == "no" and not (field.data or "").strip():
            raise ValidationError("Explain why this child is not part of the referral")


class RecordReferralForm(FlaskForm):
    immediate_danger = RadioField(
        "Is any child in immediate danger?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False
    )
    received_on = GovDateField(
        "Date received",
        required_message="Enter the date the referral was received",
        validators=[not_in_future("Date received")],
    )
    received_time = time_field("Time received", "Time received")
    agency = SelectField("Referring agency", widget=GovSelect(), validate_choice=False)
    referrer_name = StringField(
        "Referrer's name",
        widget=GovTextInput(),
        validators=[required("Enter the referrer's name"), max_length(120, "Referrer's name")],
    )
    referrer_role = StringField(
        "Referrer's role",
        description="For example, designated safeguarding lead",
        widget=GovTextInput(),
        validators=[max_length(120, "Referrer's role")],
    )
    referrer_phone = StringField(
        "Referrer's phone number", widget=GovTextInput(), validators=[max_length(40, "Phone number")]
    )
    referrer_email = EmailField(
        "Referrer's email address",
        widget=GovTextInput(),
        validators=[
            validators.Optional(),
            max_length(254, "Email address"),
            validators.Email(message="Enter an email address in the correct format, like name@example.org"),
        ],
    )
    level = RadioField(
        "What level of need does the referrer believe applies?", widget=GovRadioInput(), validate_choice=False
    )
    worries = long_text(
        "What are they worried about?",
        "Enter what the referrer is worried about",
        "The worries",
        "In the referrer's words, as specifically as they can say it",
    )
    what_has_been_tried = long_text(
        "What has been tried so far?", "Enter what has been tried so far", "What has been tried"
    )
    if_nothing_changes = long_text(
        "What will happen if nothing changes?",
        "Enter what will happen if nothing changes",
        "What will happen if nothing changes",
    )
    family_knows = RadioField(
        "Does the family know about this referral?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False
    )
    family_agrees = RadioField(
        "Does the family agree to it?",
        choices=[("yes", "Yes"), ("no", "No"), ("not_asked", "They were not asked")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    family_agreement_note = TextAreaField(
        "Why does the family not agree, or why were they not asked?",
        description="For example, asking would put a child at risk",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The explanation")],
    )
    children = FieldList(FormField(ChildInReferralForm))
    submit = SubmitField("Save referral", widget=GovSubmitInput())

    def set_choices(self, agencies, levels):
        self.agency.choices = [("", "Select the agency")] + [(str(a.id), a.name) for a in agencies]
        self.level.choices = [(str(level.id), level.label) for level in levels]

    def validate_immediate_danger(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if any child is in immediate danger")

    def validate_agency(self, field):
        if field.data not in {value for value, _ in self.agency.choices if value}:
            raise ValidationError("Select the referring agency from the list")

    def validate_referrer_phone(self, field):
        if not (field.data or "").strip() and not (self.referrer_email.data or "").strip():
            raise ValidationError("Enter a phone number or email address for the referrer")

    def validate_level(self, field):
        if field.data not in {value for value, _ in self.level.choices}:
            raise ValidationError("Select the level of need the referrer believes applies")

    def validate_family_knows(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if the family knows about the referral")

    def validate_family_agrees(self, field):
        if field.data not in ("yes", "no", "not_asked"):
            raise ValidationError("Select whether the family agrees to the referral")

    def validate_family_agreement_note(self, field):
        if self.family_agrees.data in ("no", "not_asked") and not (field.data or "").strip():
            raise ValidationError("Explain why the family does not agree or was not asked")

    def validate_children(self, field):
        if not any(child.included.data == "yes" for child in field.entries):
            raise ValidationError("Include at least one child in the referral")


class DecideReferralForm(FlaskForm):
    outcome = RadioField("Decision", widget=GovRadioInput(), validate_choice=False)
    decided_level = RadioField("Level of need decided", widget=GovRadioInput(), validate_choice=False)
    rationale = long_text(
        "Reasons for the decision",
        "Enter the reasons for this decision",
        "The reasons",
        "What you weighed up, in words the family and referrer could understand",
    )
    lead_practitioner = SelectField(
        "Lead practitioner",
        description="Needed when the decision is early help",
        widget=GovSelect(),
        validate_choice=False,
    )
    social_worker = SelectField(
        "Social worker",
        description="For a social care decision, if already known",
        widget=GovSelect(),
        validate_choice=False,
    )
    decided_on = GovDateField("Date of decision", required_message="Enter the date of the decision")
    decided_time = time_field("Time of decision", "Time of decision")
    late_reason = TextAreaField(
        "Why was the decision late?", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")]
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def set_choices(self, outcomes, levels, leads, social_workers):
        self.outcome.choices = [(str(o.id), o.name) for o in outcomes]
        self.decided_level.choices = [(str(level.id), level.label) for level in levels]
        self.lead_practitioner.choices = [("", "Select a lead practitioner")] + [
            (str(u.id), f"{u.name} ({u.team.name})") for u in leads
        ]
        self.social_worker.choices = [("", "Not yet allocated")] + [
            (str(u.id), f"{u.name} ({u.team.name})") for u in social_workers
        ]

    def validate_outcome(self, field):
        if field.data not in {value for value, _ in self.outcome.choices}:
            raise ValidationError("Select a decision")

    def validate_decided_level(self, field):
        if field.data not in {value for value, _ in self.decided_level.choices}:
            raise ValidationError("Select the level of need decided")

    def validate_lead_practitioner(self, field):
        if field.data and field.data not in {value for value, _ in self.lead_practitioner.choices}:
            raise ValidationError("Select a lead practitioner from the list")

    def validate_social_worker(self, field):
        if field.data and field.data not in {value for value, _ in self.social_worker.choices}:
            raise ValidationError("Select a social worker from the list")


class RateClarityForm(FlaskForm):
    clarity = RadioField(
        "Was the level of professional concern clear?",
        choices=list(CLARITY_CHOICES.items()),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    clarity_note = TextAreaField(
        "What would have made it clearer?",
        description="Optional: this is fed back to the agency",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The note")],
    )
    submit_clarity = SubmitField("Save rating", widget=GovSubmitInput())

    def validate_clarity(self, field):
        if field.data not in CLARITY_CHOICES:
            raise ValidationError("Select whether the level of concern was clear")


class RecordFeedbackForm(FlaskForm):
    method = RadioField(
        "How was the referrer told?",
        choices=list(FEEDBACK_METHODS.items()),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    fed_back_on = GovDateField(
        "Date the referrer was told",
        required_message="Enter the date the referrer was told",
        validators=[not_in_future("Date the referrer was told")],
    )
    submit_feedback = SubmitField("Save feedback", widget=GovSubmitInput())

    def validate_method(self, field):
        if field.data not in FEEDBACK_METHODS:
            raise ValidationError("Select how the referrer was told")


class QueueFilterForm(Form):
    """GET filters for the queue: no CSRF, nothing changes."""

    status = SelectField(
        "Status",
        choices=[("awaiting_decision", "Awaiting a decision"), ("decided", "Decided")],
        widget=GovSelect(),
        validate_choice=False,
    )
    agency = SelectField("Agency", widget=GovSelect(), validate_choice=False)
    level = SelectField("Level of need", widget=GovSelect(), validate_choice=False)
