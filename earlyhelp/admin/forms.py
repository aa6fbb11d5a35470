import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, validators

from earlyhelp.auth.forms import MIN_PASSWORD_LENGTH
from earlyhelp.forms import Form, max_length, options, required

# A UK phone number as people write it: digits, spaces, brackets, hyphens, a leading +.
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()-]+$")
PHONE_HINT = "Enter a phone number, like 01632 960 001 or +44 1632 960 001"


def check_phone(form, field):
    value = (field.data or "").strip()
    if not value:
        return
    digits = sum(character.isdigit() for character in value)
    if not PHONE_CHARACTERS.match(value) or not 10 <= digits <= 13:
        raise validators.ValidationError(PHONE_HINT)


def phone_field(label: str, description: str) -> StringField:
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        validators=[max_length(40, label), check_phone],
    )


NO_TEAM = ""  # the blank choice: administrators may have no team


# validate_choice is off so that an unknown value gets our message, not WTForms' "Not a valid choice".
def role_field() -> SelectField:
    return SelectField("Role", widget=GovSelect(), validate_choice=False, validators=[required("Select a role")])


def team_field() -> SelectField:
    return SelectField(
        "Team",
        widget=GovSelect(),
        validate_choice=False,
        description="Administrators and heads of service may have no team.",
    )


def temporary_password_field() -> PasswordField:
    return PasswordField(
        "Temporary password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. They must choose their own password when they "
        "first sign in with it, before anything else.",
        widget=GovPasswordInput(),
        validators=[
            required("Enter a temporary password"),
            validators.Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Password must be between {MIN_PASSWORD_LENGTH} and 200 characters",
            ),
        ],
    )


class UserRoleTeamMixin:
    """Fields are declared on each form, in page order, so the error summary follows the page."""

    def set_choices(self, roles, teams):
        self.role.choices = options([(r.id, r.name) for r in roles], blank="Select a role")
        self.team.choices = options([(t.id, f"{t.name} ({t.service.name})") for t in teams], blank="No team")

    def validate_role(self, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise validators.ValidationError("Select a role from the list")

    def validate_team(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise validators.ValidationError("Select a team from the list")


class CreateUserForm(UserRoleTeamMixin, Form):
    """Without local passwords (LOCAL_PASSWORDS=false) the view removes the password field."""

    name = StringField(
        "Full name", widget=GovTextInput(), validators=[required("Enter their full name"), max_length(120, "Full name")]
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            required("Enter their email address"),
            max_length(254, "Email address"),
            validators.Email(message="Enter an email address in the correct format, like name@example.org"),
        ],
    )
    role = role_field()
    team = team_field()
    password = temporary_password_field()
    submit = SubmitField("Add user", widget=GovSubmitInput())


class UpdateUserForm(UserRoleTeamMixin, Form):
    role = role_field()
    team = team_field()
    phone = phone_field(
        "Work phone number (optional)",
        "Printed on letters to the families they work with. Without one, letters give the council's switchboard.",
    )
    active = BooleanField(
        "Account is active",
        description="Untick to disable the account and end its sessions.",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class TeamContactForm(Form):
    """One team's contact details, on the teams page (each team's form has the team's id as its prefix)."""

    phone = phone_field("Phone number", "Printed on letters to families. Without one, letters give the switchboard.")
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            validators.Optional(),
            max_length(254, "Email address"),
            validators.Email(message="Enter an email address in the correct format, like team@example.org"),
        ],
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())


class ResetPasswordForm(Form):
    password = temporary_password_field()
    submit = SubmitField("Reset password and sign them out", widget=GovSubmitInput())


class EndSessionsForm(Form):
    submit = SubmitField("Sign them out everywhere", widget=GovSubmitInput())


class RemoveSecondFactorForm(Form):
    submit = SubmitField("Remove their sign-in code", widget=GovSubmitInput())
