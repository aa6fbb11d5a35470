"""Forms for next steps: the same questions wherever a next step is written."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Form, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from earlyhelp import clock
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.forms import MAX_LONG_TEXT, GovDateField, max_length, required

_UNSET = object()

# Quick picks, counted in working days, beside a date of one's own.
DUE_IN = [
    ("1", "Next working day"),
    ("5", "In 5 working days"),
    ("10", "In 10 working days"),
    ("20", "In 20 working days"),
    ("date", "On a date"),
]


class DueDateMixin:
    """`due_in` quick picks plus a date; due_date() resolves them."""

    def due_date(self, today: date) -> date | None:
        if self.due_in.data == "date":
            return self.due_on.data
        if (self.due_in.data or "").isdigit():
            return add_working_days(today, int(self.due_in.data))
        return None

    def validate_due_in(self, field):
        if field.data not in {value for value, _ in DUE_IN}:
            raise ValidationError("Choose when it needs to be done by")

    def validate_due_on(self, field):
        if self.due_in.data == "date" and field.data is None and not field.errors:
            raise ValidationError("Enter the date it needs to be done by")


class NextStepForm(DueDateMixin, FlaskForm):
    what = StringField(
        "What needs to happen",
        widget=GovTextInput(),
        validators=[required("Enter what needs to happen"), max_length(500, "What needs to happen")],
    )
    owner_kind = RadioField(
        "Who will do it?",
        choices=[
            ("user", "Someone in the service"),
            ("family_member", "A family member"),
            ("partner", "A named person at a partner agency"),
        ],
        widget=GovRadioInput(),
        validate_choice=False,
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
        "When does it need to be done by?", choices=DUE_IN, widget=GovRadioInput(), validate_choice=False
    )
    due_on = GovDateField("Date", description="If you chose 'On a date'")
    family_facing = BooleanField("The family will see this step", widget=GovCheckboxInput())
    submit_step = SubmitField("Add next step", widget=GovSubmitInput())

    def validate_owner_kind(self, field):
        if field.data not in ("user", "family_member", "partner"):
            raise ValidationError("Select who will do it")


def new_step_form(formdata=_UNSET) -> "NextStepForm":
    """The add-a-next-step form with everyone who can own a step to choose from."""
    from sqlalchemy import select

    from earlyhelp.extensions import db
    from earlyhelp.models import User

    form = NextStepForm() if formdata is _UNSET else NextStepForm(formdata=formdata)
    people = db.session.scalars(select(User).where(User.active, User.team_id.is_not(None)).order_by(User.name)).all()
    form.owner_user.choices = [("", "Select a person"), *[(str(u.id), f"{u.name} ({u.team.name})") for u in people]]
    return form


def step_input(form: "NextStepForm"):
    """The posted next step, for earlyhelp.services.next_steps.add_next_step (which checks and saves it)."""
    from earlyhelp.services.next_steps import NextStepInput

    return NextStepInput(
        what=form.what.data,
        owner_kind=form.owner_kind.data,
        owner_user_id=int(form.owner_user.data) if (form.owner_user.data or "").isdigit() else None,
        owner_name=form.owner_name.data or "",
        owner_agency=form.owner_agency.data or "",
        due_on=form.due_date(clock.today()),
        family_facing=form.family_facing.data,
    )


class NextStepRowForm(DueDateMixin, Form):
    """One row of next steps inside a bigger form (supervision): a person in the service owns it."""

    what = StringField(
        "What needs to happen", widget=GovTextInput(), validators=[max_length(500, "What needs to happen")]
    )
    owner_user = SelectField("Who will do it", widget=GovSelect(), validate_choice=False)
    due_in = SelectField("Due", choices=[("", "Choose"), *DUE_IN], widget=GovSelect(), validate_choice=False)
    due_on = GovDateField("Date", description="If you chose 'On a date'")

    def is_blank(self) -> bool:
        return not (self.what.data or "").strip() and not self.owner_user.data and not self.due_on.was_typed

    def validate(self, extra_validators=None):
        """A started row needs what, who and when, all said at once; an empty row is not a next step."""
        if self.is_blank():
            return True
        valid = super().validate(extra_validators)
        owners = {value for value, _ in self.owner_user.choices if value}
        for field, message, ok in (
            (self.what, "Enter what needs to happen", (self.what.data or "").strip()),
            (self.owner_user, "Select who will do it", self.owner_user.data in owners),
        ):
            if not ok:
                field.errors.append(message)
                valid = False
        due = self.due_date(clock.today())
        if due is not None and due < clock.today():
            self.due_on.errors.append("The date it needs to be done by must be today or in the future")
            valid = False
        return valid


class RescheduleForm(FlaskForm):
    due_on = GovDateField("New date", required_message="Enter the new date it needs to be done by")
    reason = TextAreaField(
        "Why is the date changing?",
        widget=GovTextArea(),
        validators=[required("Enter the reason for the new date"), max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit = SubmitField("Change the date", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    status = RadioField(
        "What happened?",
        choices=[("not_done", "It was not done"), ("cancelled", "It is no longer needed")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reason = TextAreaField("Why?", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_status(self, field):
        if field.data not in ("not_done", "cancelled"):
            raise ValidationError("Select whether it was not done or is no longer needed")
