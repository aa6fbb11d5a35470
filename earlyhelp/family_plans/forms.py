from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField, SubmitField, TextAreaField

from earlyhelp.forms import MAX_LONG_TEXT, GovDateField, max_length
from earlyhelp.models.family_plans import SECTIONS


def section(name: str, hint: str) -> TextAreaField:
    return TextAreaField(
        SECTIONS[name],
        description=hint,
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, SECTIONS[name])],
    )


class ChildWordsForm(Form):
    person_id = HiddenField()
    child_words = TextAreaField(
        "In their own words", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "Their words")]
    )


class FamilyPlanForm(FlaskForm):
    worries = section("worries", "Say it as you would to the family. No jargon")
    working_well = section("working_well", "Strengths and what the family is already doing")
    needs_to_happen = section("needs_to_happen", "What needs to change, in plain words")
    goals = section("goals", "Write down what the family said they want, in their words")
    contingency = section("contingency", "What happens if things get worse, and who to call")
    children = FieldList(FormField(ChildWordsForm))
    review_on = GovDateField("Review date", required_message="Enter the date the plan will be reviewed")
    lead_contact = StringField(
        "How the family can reach their lead practitioner",
        description="For example, a phone number and the best times",
        widget=GovTextInput(),
        validators=[max_length(200, "The contact details")],
    )
    copies_to = TextAreaField(
        "Who else gets a copy",
        description="Names and agencies, one on each line",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "Who else gets a copy")],
    )
    agreed_by = StringField(
        "Who agreed the plan",
        description="The family members who agreed it",
        widget=GovTextInput(),
        validators=[max_length(200, "Who agreed the plan")],
    )
    agreed_on = GovDateField("Date agreed")
    signed_paper_copy = BooleanField("The family signed the paper copy", widget=GovCheckboxInput())
    submit = SubmitField("Save the plan", widget=GovSubmitInput())


class IssuePlanForm(FlaskForm):
    confirm = BooleanField("I have checked the warnings and want to issue the plan anyway", widget=GovCheckboxInput())
    submit_issue = SubmitField("Issue the plan", widget=GovSubmitInput())
