"""Forms for finding a family, recording a new one and changing a person's details."""

import re
from datetime import date

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
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    validators,
)
from wtforms.validators import ValidationError

from earlyhelp import clock
from earlyhelp.domain.reasons import REASON_MAX
from earlyhelp.forms import GovDateField, max_length, options, required
from earlyhelp.services.families import MemberInput, normalise_postcode

# The longest text each field takes. Short fields match their database columns. The free text fields
# (stored as TEXT) are capped too, so that one record stays readable on screen and in a printed plan.
NAME_MAX = 100
RELATIONSHIP_MAX = 60
SCHOOL_MAX = 200
ADDRESS_MAX = 400
POSTCODE_MAX = 10
LANGUAGES_MAX = 200
CULTURE_MAX = 2000
CHILD_WORDS_MAX = 2000
SEARCH_NAME_MAX = 200
REFERENCE_MAX = 20
# Rows on the new family form. A cap keeps one request's form parts well under MAX_FORM_PARTS.
MAX_HOUSEHOLD = 20
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# The shape of a UK postcode: outward code (AA9, A9A, AA99...), then a digit and two letters.
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
YES_NO = {"yes": "Yes", "no": "No"}


def strip(value):
    """Trim the ends, and store line breaks as browsers do not: one newline each, not CR LF."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def yes_or_no(label: str, message: str, **kwargs) -> RadioField:
    # validate_choice is off so that an unknown value gets our message, not WTForms' "Not a valid choice".
    return RadioField(
        label,
        choices=options(YES_NO),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[required(message), validators.AnyOf(["yes", "no"], message=message)],
        **kwargs,
    )


SEARCH_WORD_MIN = 2


class SearchFamiliesForm(FlaskForm):
    """Sent as a GET: the criteria live in the address, so results can be paged and shared with a colleague."""

    class Meta:
        csrf = False

    name = StringField(
        "Name",
        description="First or last name of anyone in the household, or the start of it",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(SEARCH_NAME_MAX, "Name")],
    )
    reference = StringField(
        "Family reference",
        description="For example, FAM-ABC234",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(REFERENCE_MAX, "Family reference")],
    )
    date_of_birth = GovDateField("Date of birth", description="Of anyone in the household. For example, 27 3 2015")
    postcode = StringField(
        "Postcode",
        description="All of it or the start, like NE1",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(POSTCODE_MAX, "Postcode")],
    )

    @property
    def has_criteria(self) -> bool:
        return bool(self.name.data or self.reference.data or self.postcode.data or self.date_of_birth.was_typed)

    def validate_name(self, field) -> None:
        """A search lists families others work with too (as "known to"): one letter would list half the council."""
        if field.data and any(len(word) < SEARCH_WORD_MIN for word in field.data.split()):
            raise ValidationError(f"Enter at least {SEARCH_WORD_MIN} letters of each name")


class PersonForm(Form):
    """One person in a household. Fields are in page order, so the error summary follows the page."""

    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[required("Enter their first name"), max_length(NAME_MAX, "First name")],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[required("Enter their last name"), max_length(NAME_MAX, "Last name")],
    )
    date_of_birth = GovDateField(
        "Date of birth", description="For example, 27 3 2015. You can leave it blank for an adult if it is not known."
    )
    relationship_to_child = StringField(
        "Relationship to the children",
        description="For example, mother, stepfather, son or daughter",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            required("Enter how they are related to the children, like mother or son"),
            max_length(RELATIONSHIP_MAX, "Relationship to the children"),
        ],
    )
    school_or_setting = StringField(
        "School or setting",
        description="School, college, nursery or childminder, if they have one",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(SCHOOL_MAX, "School or setting")],
    )
    is_child = yes_or_no("Is this person a child?", "Select yes if this person is a child")
    # Working Together 2023: the child's own words, recorded as they said them.
    child_words = TextAreaField(
        "In their own words",
        description="For a child: what they say about their life, their worries and their wishes, as they said it.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[max_length(CHILD_WORDS_MAX, "In their own words")],
    )

    def validate_date_of_birth(self, field):
        if field.errors:
            return
        if field.data is not None and field.data > clock.today():
            raise ValidationError("Date of birth must be in the past")
        if field.data is not None and field.data < EARLIEST_BIRTH_DATE:
            raise ValidationError("Date of birth must be after 1 January 1900")
        if field.data is None and self.is_child.data == "yes":
            raise ValidationError("Enter the child's date of birth")

    def changes(self) -> dict:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data,
            "relationship_to_child": self.relationship_to_child.data,
            "school_or_setting": self.school_or_setting.data or "",
            "is_child": self.is_child.data == "yes",
            "child_words": self.child_words.data or "",
        }


class HouseholdMemberForm(PersonForm):
    """A row on the new family form. A row left completely empty is ignored, not an error."""

    def is_blank(self) -> bool:
        return not (
            any(field.data for field in self if field is not self.date_of_birth) or self.date_of_birth.was_typed
        )

    def validate(self, extra_validators=None):
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class CreateFamilyForm(FlaskForm):
    address = TextAreaField(
        "Address",
        widget=GovTextArea(),
        filters=[strip],
        validators=[required("Enter the family's address"), max_length(ADDRESS_MAX, "Address")],
    )
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        filters=[strip],
        validators=[required("Enter the family's postcode"), max_length(POSTCODE_MAX, "Postcode")],
    )
    languages = StringField(
        "Languages spoken",
        description="All the languages the family speaks at home, for example Polish and English",
        widget=GovTextInput(),
        filters=[strip],
        validators=[required("Enter the languages the family speaks"), max_length(LANGUAGES_MAX, "Languages spoken")],
    )
    interpreter_needed = yes_or_no(
        "Does the family need an interpreter?", "Select yes if the family needs an interpreter"
    )
    culture_and_identity = TextAreaField(
        "Culture and identity",
        description="What matters to the family about their culture, faith, identity and heritage, in their words.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[max_length(CULTURE_MAX, "Culture and identity")],
    )
    # Never rendered as an input: it carries the rule about the household as a whole (at least one child,
    # services/families.py), so that its message links to the household section (id="household").
    household = Field("People in the household")
    members = FieldList(FormField(HouseholdMemberForm), min_entries=2, max_entries=MAX_HOUSEHOLD)
    confirm_new = BooleanField("None of these is the same family", widget=GovCheckboxInput())
    submit = SubmitField("Create family record", widget=GovSubmitInput())

    def validate_postcode(self, field):
        if field.errors:
            return
        if not UK_POSTCODE.match(normalise_postcode(field.data)):
            raise ValidationError("Enter a real postcode, like AA1 1AA")

    def people(self) -> list[HouseholdMemberForm]:
        return [entry.form for entry in self.members if not entry.form.is_blank()]

    def member_inputs(self) -> list[MemberInput]:
        return [MemberInput(**row.changes()) for row in self.people()]

    def add_row(self) -> None:
        if len(self.members) < MAX_HOUSEHOLD:
            self.members.append_entry()


class UpdatePersonForm(PersonForm, FlaskForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    @staticmethod
    def data_of(person) -> dict:
        """The person's details as the form shows them."""
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "date_of_birth": person.date_of_birth,
            "relationship_to_child": person.relationship_to_child,
            "school_or_setting": person.school_or_setting,
            "is_child": "yes" if person.is_child else "no",
            "child_words": person.child_words,
        }


class BreakGlassForm(FlaskForm):
    """Why someone with no working relationship needs to open a family. The rule (10 characters or more)
    is the use case's (services/break_glass.py), so that its message is the one the person reads."""

    reason = TextAreaField(
        "Why do you need to open this record?",
        description="Say what you need it for, for example the call you are taking. Do not include the family's"
        " details.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[max_length(REASON_MAX, "Why you need to open this record")],
    )
    submit = SubmitField("Open this record", widget=GovSubmitInput())


class ChangeLeadForm(FlaskForm):
    """A team manager gives a family another lead. The rules (who, and a real reason) are the use case's."""

    lead = SelectField("New lead", widget=GovSelect(), validate_choice=False)
    reason = TextAreaField(
        "Why is the lead changing?",
        description="For example, a change of caseloads or the family asked for someone else.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[max_length(REASON_MAX, "Why the lead is changing")],
    )
    submit = SubmitField("Change the lead", widget=GovSubmitInput())

    def set_choices(self, people) -> None:
        self.lead.choices = [("", "Choose someone"), *((str(person.id), person.name) for person in people)]
