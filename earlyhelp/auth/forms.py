from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField, ValidationError, validators

from earlyhelp.forms import Form, max_length, required

MIN_PASSWORD_LENGTH = 12


class SignInForm(Form):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[required("Enter your email address"), max_length(254, "Email address")],
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[required("Enter your password"), max_length(200, "Password")]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[required("Enter your current password")]
    )
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong password.",
        widget=GovPasswordInput(),
        validators=[
            required("Enter a new password"),
            validators.Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Password must be between {MIN_PASSWORD_LENGTH} and 200 characters",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password", widget=GovPasswordInput(), validators=[required("Confirm your new password")]
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("The passwords do not match. Enter the same new password twice")


def code_field() -> StringField:
    return StringField(
        "Code from your authenticator app",
        description="The 6-digit code the app shows now, for example 123456.",
        widget=GovTextInput(),
        validators=[required("Enter the 6-digit code from your authenticator app"), max_length(20, "Code")],
    )


class SecondFactorForm(Form):
    code = code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpSecondFactorForm(Form):
    code = code_field()
    submit = SubmitField("Turn on sign-in codes", widget=GovSubmitInput())
