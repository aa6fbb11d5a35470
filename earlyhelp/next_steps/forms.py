"""Forms for next steps: the same questions wherever a next step is written.

The forms check fields only (something entered, a real date, one of the choices). The rules of a next step
(an owner who still works here, a date not in the past) are earlyhelp.services.next_steps.check_next_step.
"""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms import Form as RowForm
from wtforms.validators import ValidationError

from earlyhelp import clock
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.forms import MAX_LONG_TEXT, Form, GovDateField, a_reason, chosen, max_length, options, required
from earlyhelp.models import NextStepStatus, OwnerKind
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.versions import OnceOnly, new_submission_key

_UNSET = object()

# Quick picks, counted in working days, beside a date of one's own.
DUE_IN = {
    "1": "Next working day",
    "5": "In 5 working days",
    "10": "In 10 working days",
    "20": "In 20 working days",
    "date": "On a date",
}
OWNER_KINDS = {
    OwnerKind.USER: "Someone in the service",
    OwnerKind.FAMILY_MEMBER: "A family member",
    OwnerKind.PARTNER: "A named person at a partner agency",
}


class NextStepFields:
    """The questions of a next step, in the order a page asks them: what, who, by when.

    The add-a-step form asks them all; a supervision row asks what, which person in the service, and when.
    """

    what = StringField(
        "What needs to happen",
        widget=GovTextInput(),
        validators=[required("Enter what needs to happen"), max_length(500, "What needs to happen")],
    )
    owner_kind = RadioField(
        "Who will do it?", choices=options(OWNER_KINDS), widget=GovRadioInput(), validate_choice=False
    )
    owner_user = SelectField("Person in the service", widget=GovSelect(), validate_choice=False)
    owner_name = StringField(
        "Their name",
        description="For a family member or a partner",
        widget=GovTextInput(),
        validators=[max_length(120, "Their name")],
    )
    owner_agency = StringField(
        "Their agency", description="For a partner", widget=GovTextInput(), validators=[max_length(120, "Their agency")]
    )
    due_in = RadioField(
        "When does it need to be done by?", choices=options(DUE_IN), widget=GovRadioInput(), validate_choice=False
    )
    due_on = GovDateField("Date", description="If you chose 'On a date'")
    family_facing = None  # asked by the add-a-step form only

    def owner(self) -> str:
        return self.owner_kind.data if self.owner_kind is not None else OwnerKind.USER

    def due_date(self, today: date) -> date | None:
        """The date chosen: a quick pick counted in working days from today, or the date typed."""
        if self.due_in.data == "date":
            return self.due_on.data
        if (self.due_in.data or "").isdigit():
            return add_working_days(today, int(self.due_in.data))
        return None

    def validate_owner_kind(self, field):
        if field.data not in OWNER_KINDS:
            raise ValidationError("Select who will do it")

    def validate_owner_user(self, field):
        if self.owner() == OwnerKind.USER and not chosen(field):
            raise ValidationError("Select who will do it")

    def validate_due_in(self, field):
        if field.data not in DUE_IN:
            raise ValidationError("Choose when it needs to be done by")

    def validate_due_on(self, field):
        if self.due_in.data == "date" and field.data is None and not field.errors:
            raise ValidationError("Enter the date it needs to be done by")

    def as_input(self, today: date) -> NextStepInput:
        """The step as posted, for earlyhelp.services.next_steps.add_next_step (which checks and saves it)."""
        kind = self.owner()
        return NextStepInput(
            what=self.what.data or "",
            owner_kind=kind,
            owner_user_id=int(self.owner_user.data) if (self.owner_user.data or "").isdigit() else None,
            owner_name=(self.owner_name.data or "") if self.owner_name is not None else "",
            owner_agency=(self.owner_agency.data or "") if self.owner_agency is not None else "",
            due_on=self.due_date(today),
            family_facing=bool(self.family_facing.data) if self.family_facing is not None else False,
            submission_key=(self.submission_key.data or None) if hasattr(self, "submission_key") else None,
        )


class NextStepForm(OnceOnly, NextStepFields, Form):
    """Add a next step (handover plans, family plans): owned by someone in the service, a family member or
    a partner. Its one-time key (OnceOnly) makes one step however often the form is posted."""

    family_facing = BooleanField("The family will see this step", widget=GovCheckboxInput())
    submit_step = SubmitField("Add next step", widget=GovSubmitInput())


class NextStepRowForm(NextStepFields, RowForm):
    """One row of next steps inside a bigger form (supervision): a person in the service owns it, and the
    date is a compact choice. A row left empty is not a next step."""

    owner_kind = owner_name = owner_agency = None
    due_in = SelectField("Due", choices=options(DUE_IN, blank="Choose"), widget=GovSelect(), validate_choice=False)

    def is_blank(self) -> bool:
        return not (self.what.data or "").strip() and not self.owner_user.data and not self.due_on.was_typed

    def validate(self, extra_validators=None):
        return self.is_blank() or super().validate(extra_validators)


def owner_choices(people) -> list:
    """Who can own a step, as choices: "Name (Team)"."""
    return options([(person.id, f"{person.name} ({person.team.name})") for person in people], blank="Select a person")


def new_step_form(formdata=_UNSET) -> NextStepForm:
    """The add-a-next-step form with everyone who can own a step to choose from: people in a team with a
    case role (never an administrator). Whether they may see this family is the service's check
    (policy.may_own_next_step), which says so by name."""
    from sqlalchemy import select

    from earlyhelp.extensions import db
    from earlyhelp.models import Role, User
    from earlyhelp.policy import CASE_ROLES

    form = NextStepForm() if formdata is _UNSET else NextStepForm(formdata=formdata)
    if formdata is None:  # a fresh form, not one posted: a new one-time key
        form.submission_key.data = new_submission_key()
    people = db.session.scalars(
        select(User)
        .join(Role, Role.id == User.role_id)
        .where(User.active, User.team_id.is_not(None), Role.code.in_([str(code) for code in CASE_ROLES]))
        .order_by(User.name)
    ).all()
    form.owner_user.choices = owner_choices(people)
    return form


def step_input(form: NextStepFields) -> NextStepInput:
    """The posted next step, as of today, for earlyhelp.services.next_steps.add_next_step."""
    return form.as_input(clock.today())


class RescheduleForm(Form):
    due_on = GovDateField("New date", required_message="Enter the new date it needs to be done by")
    reason = TextAreaField(
        "Why is the date changing?",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit = SubmitField("Change the date", widget=GovSubmitInput())

    def validate_reason(self, field):
        a_reason(field, "why the date is changing")


CLOSED_AS = {NextStepStatus.NOT_DONE: "It was not done", NextStepStatus.CANCELLED: "It is no longer needed"}


class CloseForm(Form):
    status = RadioField("What happened?", choices=options(CLOSED_AS), widget=GovRadioInput(), validate_choice=False)
    reason = TextAreaField("Why?", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_status(self, field):
        if field.data not in CLOSED_AS:
            raise ValidationError("Select whether it was not done or is no longer needed")


class DoneForm(Form):
    """Mark a next step done: nothing to ask, but a refusal ("already done") is shown the one way."""
