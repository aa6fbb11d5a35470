"""One form per use case for step-up and step-down requests and their handover plans."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
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
)

from earlyhelp.forms import (
    MAX_LONG_TEXT,
    GovDateField,
    a_reason,
    chosen,
    max_length,
    options,
    required,
    required_when,
)
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.transfers import ChildChoice

YES_NO = options({"yes": "Yes", "no": "No"})


def text(label: str, message: str | None = None, what: str = "This", description: str = "") -> TextAreaField:
    checks = [required(message)] if message else []
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[*checks, max_length(MAX_LONG_TEXT, what)],
    )


def yes_no(label: str, message: str) -> RadioField:
    def check(form, field):
        if field.data not in ("yes", "no"):
            raise ValidationError(message)

    return RadioField(label, choices=YES_NO, widget=GovRadioInput(), validate_choice=False, validators=[check])


def choice_check(field, message: str):
    if not chosen(field):
        raise ValidationError(message)


class ChildInTransferForm(Form):
    person_id = HiddenField()
    included = RadioField(
        "Is this child part of the request?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False
    )
    child_words = TextAreaField(
        "Their views, in their own words", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "Their views")]
    )
    reason_not_included = TextAreaField(
        "If not: why not?", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")]
    )

    def validate_included(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError("Select yes if this child is part of the request")

    def validate_child_words(self, field):
        required_when(
            self.included.data == "yes", field, "Enter this child's views, or say why they could not be asked"
        )

    def validate_reason_not_included(self, field):
        if self.included.data == "no":
            a_reason(field, f"why {getattr(self, 'child_name', 'this child')} is not part of the request")


class OutstandingActionForm(Form):
    """A step-down's outstanding task, carried into early help with an owner and a due date."""

    what = StringField(
        "What needs to happen", widget=GovTextInput(), validators=[max_length(500, "What needs to happen")]
    )
    owner = SelectField("Who will do it", widget=GovSelect(), validate_choice=False)
    due_on = GovDateField("Due by")

    def is_blank(self) -> bool:
        return not (self.what.data or "").strip() and not self.owner.data and not self.due_on.was_typed

    def validate(self, extra_validators=None):
        """A started row needs all three parts; an empty row is simply not a task."""
        if self.is_blank():
            return True
        valid = super().validate(extra_validators)
        for field, message, ok in (
            (self.what, "Enter what needs to happen", (self.what.data or "").strip()),
            (self.owner, "Select who will do it", self.owner.data),
            (self.due_on, "Enter the date it needs to be done by", self.due_on.data or self.due_on.errors),
        ):
            if not ok:
                field.errors.append(message)
                valid = False
        if self.owner.data and not chosen(self.owner):
            self.owner.errors.append("Select who will do it from the list")
            valid = False
        return valid

    def step(self):
        """The task as a next step (services.next_steps checks its date and saves it)."""
        return NextStepInput(
            what=self.what.data, owner_kind="user", owner_user_id=int(self.owner.data), due_on=self.due_on.data
        )


# Each field is made by a function, so that each form declares its fields in page order: WTForms orders the
# error summary by declaration, and shared fields declared on a base class would always come first.
def worries_field():
    return text("What are we worried about?", "Enter what you are worried about", "The worries")


def level_field():
    return RadioField("Level of need now", widget=GovRadioInput(), validate_choice=False)


def receiving_team_field():
    return SelectField("Receiving team", widget=GovSelect(), validate_choice=False)


def family_told_field():
    return yes_no("Has the family been told about this request?", "Select yes if the family has been told")


def not_to_share_field():
    return text(
        "What does the family not want shared, and with whom?",
        None,
        "What not to share",
        "Leave blank if there is nothing",
    )


def children_field():
    return FieldList(FormField(ChildInTransferForm))


class TransferForm(FlaskForm):
    """What both directions check. Fields are declared by each direction's form, in the order of its page."""

    def set_choices(self, levels, teams, people=()):
        """The levels of need and receiving teams to choose from (`people` is for a step-down's leads)."""
        self.level.choices = options((level.id, level.label) for level in levels)
        self.receiving_team.choices = options(((t.id, t.name) for t in teams), blank="Select a team")

    def fields(self) -> dict:
        """What both directions ask, as services.transfers.start takes it."""
        return {
            "worries": self.worries.data.strip(),
            "level_id": int(self.level.data),
            "receiving_team_id": int(self.receiving_team.data),
            "told_family": "yes" if self.family_told.data == "yes" else "no",
            "not_to_share": (self.not_to_share.data or "").strip(),
        }

    @staticmethod
    def child_choice(child, entry):
        """One child's row, as services.transfers.start takes it."""
        return ChildChoice(
            person_id=child.id,
            included=entry.included.data == "yes",
            reason_not_included=entry.reason_not_included.data or "",
            child_words=entry.child_words.data or "",
        )

    def validate_level(self, field):
        choice_check(field, "Select the level of need now")

    def validate_receiving_team(self, field):
        choice_check(field, "Select the receiving team")

    def validate_children(self, field):
        if not any(entry.included.data == "yes" for entry in field.entries):
            raise ValidationError("Include at least one child in the request")


class StepUpForm(TransferForm):
    submission_key = HiddenField()
    immediate_danger = yes_no("Is any child in immediate danger?", "Select yes if any child is in immediate danger")
    what_has_changed = text(
        "What has changed?",
        "Enter what has changed: the new information",
        "What has changed",
        "The new information that means early help is no longer enough",
    )
    worries = worries_field()
    level = level_field()
    receiving_team = receiving_team_field()
    children = children_field()
    family_told = family_told_field()
    family_agrees = yes_no("Does the family agree to the request?", "Select yes if the family agrees")
    override_reason = text(
        "Why go ahead without the family's agreement?",
        None,
        "The reason",
        "A safeguarding reason. A team manager must authorise it before the request is sent",
    )
    not_to_share = not_to_share_field()
    submit = SubmitField("Save request as a draft", widget=GovSubmitInput())

    def fields(self) -> dict:
        agrees = self.family_agrees.data == "yes"
        return super().fields() | {
            "what_has_changed": self.what_has_changed.data.strip(),
            "immediate_danger": self.immediate_danger.data == "yes",
            "family_agreement": "yes" if agrees else "no",
            "override_reason": "" if agrees else (self.override_reason.data or "").strip(),
        }

    def validate_override_reason(self, field):
        if self.family_agrees.data == "no":
            a_reason(field, "the safeguarding reason for going ahead without the family's agreement")


class StepDownForm(TransferForm):
    submission_key = HiddenField()
    why_now = text("Why step down now?", "Enter why the family can step down now", "Why now")
    threshold_reviewed = BooleanField(
        "The level of need has been reviewed against the threshold", widget=GovCheckboxInput()
    )
    clear_outcomes = BooleanField(
        "There are clear outcomes for early help to work towards, not just monitoring", widget=GovCheckboxInput()
    )
    outstanding_tasks_listed = BooleanField(
        "Outstanding tasks are listed below, each with an owner and a date", widget=GovCheckboxInput()
    )
    worries = worries_field()
    level = level_field()
    receiving_team = receiving_team_field()
    proposed_lead = SelectField(
        "Proposed lead practitioner", description="If already known", widget=GovSelect(), validate_choice=False
    )
    children = children_field()
    family_told = family_told_field()
    not_to_share = not_to_share_field()
    outstanding = FieldList(FormField(OutstandingActionForm), min_entries=3)
    submit = SubmitField("Save request as a draft", widget=GovSubmitInput())

    def set_choices(self, levels, teams, people=()):
        """`people`: who can lead early help, to propose as the lead and to own the outstanding tasks."""
        super().set_choices(levels, teams)
        self.proposed_lead.choices = options(((u.id, u.name) for u in people), blank="Not yet known")
        for entry in self.outstanding.entries:
            entry.owner.choices = options(((u.id, u.name) for u in people), blank="Select a person")

    def fields(self) -> dict:
        return super().fields() | {
            "why_now": self.why_now.data.strip(),
            # Early help is voluntary: a step-down exists only because the family agreed, and the form
            # cannot be sent without the three readiness boxes ticked.
            "family_agreement": "yes",
            "threshold_reviewed": True,
            "clear_outcomes": True,
            "outstanding_tasks_listed": True,
            "proposed_lead_id": int(self.proposed_lead.data) if self.proposed_lead.data else None,
        }

    def outstanding_steps(self):
        """The outstanding tasks: the started rows, each already checked by the form."""
        return [row.step() for row in self.outstanding.entries if not row.is_blank()]

    def validate_threshold_reviewed(self, field):
        if not field.data:
            raise ValidationError("Confirm the level of need has been reviewed against the threshold")

    def validate_clear_outcomes(self, field):
        if not field.data:
            raise ValidationError("Confirm there are clear outcomes for early help, not just monitoring")

    def validate_outstanding_tasks_listed(self, field):
        if not field.data:
            raise ValidationError("Confirm the outstanding tasks are listed")

    def validate_proposed_lead(self, field):
        if field.data:
            choice_check(field, "Select a lead practitioner from the list")


class FamilyDeclinedStepDownForm(FlaskForm):
    note = text("What did the family say?", None, "What the family said")
    submit_declined = SubmitField("Record that the family said no", widget=GovSubmitInput())

    def validate_note(self, field):
        a_reason(field, "what the family said about early help")
