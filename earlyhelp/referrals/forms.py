"""One form per use case at the front door."""

from datetime import datetime

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
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    validators,
)
from wtforms import Form as RowForm
from wtforms.widgets import HiddenInput

from earlyhelp import clock
from earlyhelp.forms import (
    MAX_LONG_TEXT,
    Form,
    GovDateField,
    a_reason,
    late_recording_reason_field,
    max_length,
    not_in_future,
    offered,
    options,
    parse_time,
    required,
    required_when,
)
from earlyhelp.services.referrals import CLARITY_CHOICES, FAMILY_AGREES, FEEDBACK_METHODS, ChildInput
from earlyhelp.versions import OnceOnly

YES_NO = {"yes": "Yes", "no": "No"}
QUEUE_STATUSES = {
    "awaiting_decision": "Awaiting a decision",
    "pending_sign_off": "Pending sign-off",
    "decided": "Decided",
    "withdrawn": "Withdrawn",
    "duplicate": "Duplicates",
}
NOT_LINKED = "no"


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


class ChildInReferralForm(RowForm):
    """One row per child in the household: included, or not with a reason, so no sibling is forgotten."""

    person_id = HiddenField()
    included = RadioField(
        "Is this child part of the referral?", choices=options(YES_NO), widget=GovRadioInput(), validate_choice=False
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
            raise ValidationError(f"Select yes if {getattr(self, 'child_name', 'this child')} is part of the referral")

    def validate_impact(self, field):
        required_when(self.included.data == "yes", field, "Describe the impact on this child")

    def validate_reason_not_included(self, field):
        if self.included.data == "no":
            a_reason(field, f"why {getattr(self, 'child_name', 'this child')} is not part of the referral")


class RecordReferralForm(OnceOnly, Form):
    immediate_danger = RadioField(
        "Is any child in immediate danger?", choices=options(YES_NO), widget=GovRadioInput(), validate_choice=False
    )
    # Not received in the future: a workflow rule, checked with the time (earlyhelp.domain.referrals.check_receipt).
    received_on = GovDateField("Date received", required_message="Enter the date the referral was received")
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
        "Does the family know about this referral?",
        choices=options(YES_NO),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    family_agrees = RadioField(
        "Does the family agree to it?",
        choices=options(FAMILY_AGREES),
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
    # Offered only when the family has had another referral in the last DUPLICATE_REFERRAL_DAYS days.
    linked_to = RadioField(
        "Is this about the same worries as one of these referrals?",
        widget=GovRadioInput(),
        validate_choice=False,
        default=NOT_LINKED,
    )
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Save referral", widget=GovSubmitInput())

    def set_choices(self, agencies, levels, recent=()):
        self.agency.choices = options(((a.id, a.name) for a in agencies), blank="Select the agency")
        self.level.choices = options((level.id, level.label) for level in levels)
        # A referral put aside (withdrawn, a duplicate) is shown, but not offered: link to the one worked on.
        self.linked_to.choices = options(
            [
                (r.id, f"Yes, the referral from {r.agency.name} received {clock.moment(r.received_at)}")
                for r in recent
                if not r.is_closed
            ]
            + [(NOT_LINKED, "No, it is about something else")]
        )
        if self.linked_to.data in (None, ""):
            self.linked_to.data = NOT_LINKED

    def validate_linked_to(self, field):
        if len(field.choices) > 1 and field.data not in offered(field):
            raise ValidationError("Select whether this referral is about the same worries as a recent one")

    def chosen_link(self) -> int | None:
        return int(self.linked_to.data) if self.linked_to.data not in (None, "", NOT_LINKED) else None

    def validate_immediate_danger(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if any child is in immediate danger")

    def validate_agency(self, field):
        if not field.data or field.data not in offered(self.agency):
            raise ValidationError("Select the referring agency from the list")

    def validate_referrer_phone(self, field):
        if not (field.data or "").strip() and not (self.referrer_email.data or "").strip():
            raise ValidationError("Enter a phone number or email address for the referrer")

    def validate_level(self, field):
        if field.data not in offered(self.level):
            raise ValidationError("Select the level of need the referrer believes applies")

    def validate_family_knows(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if the family knows about the referral")

    def validate_family_agrees(self, field):
        if field.data not in FAMILY_AGREES:
            raise ValidationError("Select whether the family agrees to the referral")

    def validate_family_agreement_note(self, field):
        if self.family_agrees.data in ("no", "not_asked"):
            a_reason(field, "why the family does not agree or was not asked")

    def validate_children(self, field):
        if not any(child.included.data == "yes" for child in field.entries):
            raise ValidationError("Include at least one child in the referral")

    def referral_fields(self, received_at: datetime) -> dict:
        """The referral as the service records it, from what was typed."""
        return {
            "received_at": received_at,
            "agency_id": int(self.agency.data),
            "referrer_name": self.referrer_name.data.strip(),
            "referrer_role": (self.referrer_role.data or "").strip(),
            "referrer_phone": (self.referrer_phone.data or "").strip(),
            "referrer_email": (self.referrer_email.data or "").strip(),
            "level_id": int(self.level.data),
            "worries": self.worries.data.strip(),
            "what_has_been_tried": self.what_has_been_tried.data.strip(),
            "if_nothing_changes": self.if_nothing_changes.data.strip(),
            "immediate_danger": self.immediate_danger.data == "yes",
            "family_knows": self.family_knows.data,
            "family_agrees": self.family_agrees.data,
            "family_agreement_note": (self.family_agreement_note.data or "").strip(),
        }

    @staticmethod
    def child_inputs(rows) -> list[ChildInput]:
        """One answer per child in the household, from the (child, row) pairs the page showed."""
        return [
            ChildInput(
                person_id=child.id,
                included=entry.included.data == "yes",
                impact=entry.impact.data or "",
                reason_not_included=entry.reason_not_included.data or "",
            )
            for child, entry in rows
        ]


class AmendReferralForm(RecordReferralForm):
    """The same fields as recording it, with the reason for the change and the version it started from."""

    reason = TextAreaField(
        "Why are you changing the referral?",
        description="For example, the referrer rang to say the date of birth was wrong. This is kept with the changes.",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    version = IntegerField(widget=HiddenInput(), validators=[validators.Optional()])
    loaded = HiddenField()  # digests of what the referral said when the page was loaded (earlyhelp.versions)
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def validate_reason(self, field):
        a_reason(field, "why the referral is being changed")

    def show_current(self, referral, rows, name: str) -> None:
        """After a stale refusal (versions.keep_typed): a field or a child's answer the person did not change
        shows what the referral says now. `name` is as services.referrals digests it: a field's name, or
        "<child's full name>: <answer>" for a child's row among `rows` (the (child, row) pairs the page shows)."""
        shown = {
            "agency_id": ("agency", str(referral.agency_id)),
            "level_id": ("level", str(referral.level_id)),
            "immediate_danger": ("immediate_danger", "yes" if referral.immediate_danger else "no"),
        }
        if name == "received_at":
            received = clock.local(referral.received_at)
            self.received_on.data, self.received_on.raw_data = received.date(), None
            self.received_time.data = received.time().isoformat("minutes")
            self.received_time.raw_data = [self.received_time.data]
            return
        if ": " in name:
            self._show_current_child(referral, rows, name)
            return
        field_name, value = shown.get(name, (name, getattr(referral, name, None)))
        if field_name in self._fields:
            self[field_name].data, self[field_name].raw_data = value, [value or ""]

    @staticmethod
    def _show_current_child(referral, rows, name: str) -> None:
        full_name, part = name.rsplit(": ", 1)
        answers = {child.person_id: child for child in referral.children}
        for child, row in rows:
            answer = answers.get(child.id)
            if child.full_name != full_name or answer is None:
                continue
            if part == "part of the referral":
                value = "yes" if answer.included else "no"
                row.included.data, row.included.raw_data = value, [value]
            elif part == "impact":
                row.impact.data, row.impact.raw_data = answer.impact, [answer.impact or ""]
            else:
                row.reason_not_included.data = answer.reason_not_included
                row.reason_not_included.raw_data = [answer.reason_not_included or ""]

    def fill_from(self, referral, rows) -> None:
        """What the referral says now, in the boxes, for the (child, row) pairs the page shows."""
        received = clock.local(referral.received_at)
        self.received_on.data, self.received_time.data = received.date(), received.time().isoformat("minutes")
        self.immediate_danger.data = "yes" if referral.immediate_danger else "no"
        self.agency.data, self.level.data = str(referral.agency_id), str(referral.level_id)
        for name in (
            "referrer_name",
            "referrer_role",
            "referrer_phone",
            "referrer_email",
            "worries",
            "what_has_been_tried",
            "if_nothing_changes",
            "family_knows",
            "family_agrees",
            "family_agreement_note",
        ):
            self[name].data = getattr(referral, name)
        self.version.data = referral.version
        answers = {child.person_id: child for child in referral.children}
        for child, row in rows:
            answer = answers.get(child.id)
            if answer is not None:
                row.included.data = "yes" if answer.included else "no"
                row.impact.data, row.reason_not_included.data = answer.impact, answer.reason_not_included


class WithdrawReferralForm(Form):
    reason = TextAreaField(
        "Why is the referral being withdrawn?",
        description="For example, the school referred the wrong family. No letter is sent.",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit = SubmitField("Withdraw referral", widget=GovSubmitInput())

    def validate_reason(self, field):
        a_reason(field, "why the referral is being withdrawn")


class MarkDuplicateForm(Form):
    original = RadioField("Which referral does it repeat?", widget=GovRadioInput(), validate_choice=False)
    reason = TextAreaField(
        "Why is it a duplicate?",
        description="For example, the same worry from the same school, sent twice. No letter is sent for it.",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit = SubmitField("Mark as a duplicate", widget=GovSubmitInput())

    def set_choices(self, referrals):
        self.original.choices = options(
            (r.id, f"From {r.agency.name}, received {clock.moment(r.received_at)} ({r.status.label.lower()})")
            for r in referrals
        )

    def validate_original(self, field):
        if field.data not in offered(field):
            raise ValidationError("Select the referral about this family that this one repeats")

    def validate_reason(self, field):
        a_reason(field, "why this referral is a duplicate")


SIGN_OFF_CHOICES = {"agree": "Yes, I agree with this decision", "disagree": "No, send it back to the front door"}


class SignOffForm(Form):
    answer = RadioField(
        "Do you agree with this decision?",
        choices=options(SIGN_OFF_CHOICES),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reason = TextAreaField(
        "Your reasons",
        description="If you do not agree, say what the front door should consider. They will see this.",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "Your reasons")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_answer(self, field):
        if field.data not in SIGN_OFF_CHOICES:
            raise ValidationError("Select yes if you agree with this decision")

    def validate_reason(self, field):
        if self.answer.data in SIGN_OFF_CHOICES:
            a_reason(
                field,
                "why you agree with this decision"
                if self.answer.data == "agree"
                else "why you do not agree with this decision",
            )


class DecideReferralForm(Form):
    outcome = RadioField("Decision", widget=GovRadioInput(), validate_choice=False)
    decided_level = RadioField("Level of need decided", widget=GovRadioInput(), validate_choice=False)
    rationale = TextAreaField(
        "Reasons for the decision",
        description="What you weighed up, in words the family and referrer could understand",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The reasons")],
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
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def validate_rationale(self, field):
        a_reason(field, "the reasons for this decision")

    def set_choices(self, outcomes, levels, leads, social_workers):
        self.outcome.choices = options((o.id, o.name) for o in outcomes)
        self.decided_level.choices = options((level.id, level.label) for level in levels)
        self.lead_practitioner.choices = options(
            ((u.id, f"{u.name} ({u.team.name})") for u in leads), blank="Select a lead practitioner"
        )
        self.social_worker.choices = options(
            ((u.id, f"{u.name} ({u.team.name})") for u in social_workers), blank="Not yet allocated"
        )
        # Which of the two people asked for leads the service each decision opens.
        self._lead_fields = {
            str(o.id): {"early_help": self.lead_practitioner, "social_care": self.social_worker}.get(o.opens_service)
            for o in outcomes
        }

    def chosen_lead(self) -> int | None:
        """The person named to lead the service the chosen decision opens, if any (the service checks them)."""
        field = self._lead_fields.get(self.outcome.data)
        return int(field.data) if field is not None and field.data else None

    def validate_outcome(self, field):
        if field.data not in offered(self.outcome):
            raise ValidationError("Select a decision")

    def validate_decided_level(self, field):
        if field.data not in offered(self.decided_level):
            raise ValidationError("Select the level of need decided")

    def validate_lead_practitioner(self, field):
        if field.data and field.data not in offered(self.lead_practitioner):
            raise ValidationError("Select a lead practitioner from the list")

    def validate_social_worker(self, field):
        if field.data and field.data not in offered(self.social_worker):
            raise ValidationError("Select a social worker from the list")


class RateClarityForm(Form):
    clarity = RadioField(
        "Was the level of professional concern clear?",
        choices=options(CLARITY_CHOICES),
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


class RecordFeedbackForm(Form):
    method = RadioField(
        "How was the referrer told?",
        choices=options(FEEDBACK_METHODS),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    fed_back_on = GovDateField(
        "Date the referrer was told",
        required_message="Enter the date the referrer was told",
        validators=[not_in_future("Date the referrer was told")],
    )
    late_recording_reason = late_recording_reason_field()
    submit_feedback = SubmitField("Save feedback", widget=GovSubmitInput())

    def validate_method(self, field):
        if field.data not in FEEDBACK_METHODS:
            raise ValidationError("Select how the referrer was told")


class CorrectFeedbackForm(Form):
    method = RadioField(
        "How was the referrer told?",
        choices=options(FEEDBACK_METHODS),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    fed_back_on = GovDateField(
        "Date the referrer was told",
        required_message="Enter the date the referrer was told",
        validators=[not_in_future("Date the referrer was told")],
    )
    reason = TextAreaField(
        "Why are you correcting it?",
        description="What was wrong, and how you know. What it said before is kept.",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit = SubmitField("Save correction", widget=GovSubmitInput())

    def validate_method(self, field):
        if field.data not in FEEDBACK_METHODS:
            raise ValidationError("Select how the referrer was told")

    def validate_reason(self, field):
        a_reason(field, "why the feedback is being corrected")


class QueueFilterForm(RowForm):
    """GET filters for the queue: no CSRF, nothing changes."""

    status = SelectField(
        "Status",
        choices=options(QUEUE_STATUSES),
        widget=GovSelect(),
        validate_choice=False,
    )
    agency = SelectField("Agency", widget=GovSelect(), validate_choice=False)
    level = SelectField("Level of need", widget=GovSelect(), validate_choice=False)

    def set_choices(self, agencies, levels):
        self.agency.choices = options(((a.id, a.name) for a in agencies), blank="All agencies")
        self.level.choices = options(((level.id, level.label) for level in levels), blank="All levels")
        if self.status.data not in QUEUE_STATUSES:
            self.status.data = "awaiting_decision"

    def criteria(self) -> dict:
        """What to show: a status, and an agency and a level only if they are in the lists."""
        return {
            "status": self.status.data,
            "agency_id": int(self.agency.data) if self.agency.data in offered(self.agency) else None,
            "level_id": int(self.level.data) if self.level.data in offered(self.level) else None,
        }
