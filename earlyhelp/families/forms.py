"""Forms for finding a family, recording a new one and changing a person's details."""

import re
from datetime import date

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
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    validators,
)
from wtforms import Form as RowForm
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from earlyhelp import clock
from earlyhelp.domain import nhs_number
from earlyhelp.domain.dates import check_in_order
from earlyhelp.domain.ethnicity import ETHNICITIES, SEXES, ethnicity_label
from earlyhelp.domain.nhs_number import NhsNumberStatus
from earlyhelp.domain.reasons import REASON_MAX
from earlyhelp.domain.refusals import Refused
from earlyhelp.forms import Form, GovDateField, late_recording_reason_field, max_length, options, required
from earlyhelp.services.families import PHONE, MemberInput, normalise_postcode
from earlyhelp.versions import OnceOnly, changed_by_person, digests

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
PHONE_MAX = 40
EMAIL_MAX = 254
NHS_NUMBER_MAX = 20  # ten digits, as typed with spaces or dashes
INVOLVEMENT_MAX = 300
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


class SearchFamiliesForm(Form):
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


def _refused_as_error(check, *args, **kwargs):
    """Run a domain check on a field: its refusal becomes the field's error."""
    try:
        return check(*args, **kwargs)
    except Refused as refusal:
        raise ValidationError(refusal.message) from None


class PersonForm(RowForm):
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
        "Date of birth",
        description="For example, 27 3 2015. For a new baby, it can be today. You can leave it blank for an adult"
        " if it is not known.",
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
    # For a child: as recorded, "" until someone has asked (earlyhelp/domain/ethnicity.py).
    sex = RadioField(
        "Sex",
        description="As recorded, for example on their birth certificate or by their school",
        choices=options((sex.code, sex.label) for sex in SEXES.values()),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[
            validators.Optional(),
            validators.AnyOf(list(SEXES), message="Select the child's sex, or not known"),
        ],
    )
    ethnicity = SelectField(
        "Ethnicity",
        description="As the child or family describe it (2021 census categories)",
        choices=options(((code, ethnicity_label(code)) for code in ETHNICITIES), blank="Not yet recorded"),
        widget=GovSelect(),
        validate_choice=False,
        validators=[
            validators.Optional(),
            validators.AnyOf(list(ETHNICITIES), message="Select the child's ethnicity from the list"),
        ],
    )
    nhs_number = StringField(
        "NHS number",
        description=f"10 digits, for example {nhs_number.EXAMPLE}. On the child's red book, a letter from the GP"
        " or the NHS app",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(NHS_NUMBER_MAX, "NHS number")],
    )
    nhs_number_status = RadioField(
        "Has the NHS number been verified?",
        choices=options(
            {
                NhsNumberStatus.VERIFIED: "Verified: checked against NHS records (for example with the GP or"
                " health visitor)",
                NhsNumberStatus.UNVERIFIED: "Not verified: as the family or a partner gave it",
                NhsNumberStatus.NOT_RECORDED: "Not recorded: there is no NHS number to record",
            }
        ),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[validators.Optional()],
    )
    nhs_number_missing_reason = TextAreaField(
        "Why is there no NHS number?",
        description="If it is not recorded: for example, the child is not yet registered with a GP",
        widget=GovTextArea(),
        filters=[strip],
        validators=[max_length(REASON_MAX, "Why there is no NHS number")],
    )
    # For an adult: how to reach them.
    phone = StringField(
        "Phone number",
        description="For an adult. For example, 07700 900 982",
        widget=GovTextInput(),
        filters=[strip],
        validators=[max_length(PHONE_MAX, "Phone number")],
    )
    email = StringField(
        "Email address",
        description="For an adult",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            validators.Optional(),
            max_length(EMAIL_MAX, "Email address"),
            validators.Email(message="Enter an email address in the correct format, like name@example.org"),
        ],
    )

    def validate_date_of_birth(self, field):
        if field.errors:
            return
        if field.data is not None and field.data > clock.today():
            raise ValidationError("Date of birth must be today or in the past")
        if field.data is not None and field.data < EARLIEST_BIRTH_DATE:
            raise ValidationError("Date of birth must be after 1 January 1900")
        if field.data is None and self.is_child.data == "yes":
            raise ValidationError("Enter the child's date of birth")

    def validate_nhs_number(self, field):
        if not field.errors:
            _refused_as_error(nhs_number.normalise, field.data)

    def validate_nhs_number_status(self, field):
        """The number, its status and the reason belong together (domain/nhs_number.py says how)."""
        try:
            nhs_number.check_nhs_record(
                self.nhs_number.data or "", field.data or "", self.nhs_number_missing_reason.data or ""
            )
        except Refused as refusal:
            if refusal.field == "nhs_number_status":
                raise ValidationError(refusal.message) from None
            if refusal.field == "nhs_number_missing_reason":
                self.nhs_number_missing_reason.errors = [refusal.message]
            elif not self.nhs_number.errors:
                self.nhs_number.errors = [refusal.message]

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")

    def changes(self) -> dict:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data,
            "relationship_to_child": self.relationship_to_child.data,
            "school_or_setting": self.school_or_setting.data or "",
            "is_child": self.is_child.data == "yes",
            "child_words": self.child_words.data or "",
            "sex": self.sex.data or "",
            "ethnicity": self.ethnicity.data or "",
            "nhs_number": nhs_number.digits_of(self.nhs_number.data or ""),
            "nhs_number_status": self.nhs_number_status.data or "",
            "nhs_number_missing_reason": self.nhs_number_missing_reason.data or "",
            "phone": self.phone.data or "",
            "email": self.email.data or "",
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


class FamilyDetailsFields(RowForm):
    """Where the family lives, and their language, culture and identity: on the new family form and its edit."""

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

    def validate_postcode(self, field):
        if field.errors:
            return
        if not UK_POSTCODE.match(normalise_postcode(field.data)):
            raise ValidationError("Enter a real postcode, like AA1 1AA")

    def details(self) -> dict:
        return {
            "address": self.address.data,
            "postcode": self.postcode.data,
            "languages": self.languages.data,
            "interpreter_needed": self.interpreter_needed.data == "yes",
            "culture_and_identity": self.culture_and_identity.data or "",
        }


class CreateFamilyForm(OnceOnly, FamilyDetailsFields, Form):
    # Never rendered as an input: it carries the rule about the household as a whole (at least one child,
    # services/families.py), so that its message links to the household section (id="household").
    household = Field("People in the household")
    members = FieldList(FormField(HouseholdMemberForm), min_entries=2, max_entries=MAX_HOUSEHOLD)
    confirm_new = BooleanField("None of these is the same family", widget=GovCheckboxInput())
    submit = SubmitField("Create family record", widget=GovSubmitInput())

    def people(self) -> list[HouseholdMemberForm]:
        return [entry.form for entry in self.members if not entry.form.is_blank()]

    def member_inputs(self) -> list[MemberInput]:
        return [MemberInput(**row.changes()) for row in self.people()]

    def add_row(self) -> None:
        if len(self.members) < MAX_HOUSEHOLD:
            self.members.append_entry()


class EditFamilyDetailsForm(FamilyDetailsFields, Form):
    """Carries the version and the digests of what it loaded (earlyhelp.versions): only the fields the person
    changed are saved, and a save over someone else's is refused naming who, when and which fields."""

    FIELDS = ("address", "postcode", "languages", "interpreter_needed", "culture_and_identity")
    version = IntegerField(widget=HiddenInput())
    loaded = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    @staticmethod
    def shown(family) -> dict:
        """The family's details as the form shows them."""
        return {
            "address": family.address,
            "postcode": family.postcode,
            "languages": family.languages,
            "interpreter_needed": "yes" if family.interpreter_needed else "no",
            "culture_and_identity": family.culture_and_identity,
        }

    @classmethod
    def data_of(cls, family) -> dict:
        return cls.shown(family) | {"version": family.version, "loaded": digests(cls.shown(family))}

    def posted(self) -> dict:
        return {name: self[name].data or "" for name in self.FIELDS}

    def my_changes(self) -> dict:
        """What the person changed from the page they loaded (everything, from a page without digests)."""
        mine = changed_by_person(self.posted(), self.loaded.data)
        return {name: value for name, value in self.details().items() if name in mine}

    def fill(self, name: str, value) -> None:
        self[name].data, self[name].raw_data = value, [value or ""]


def person_data(person) -> dict:
    """A person's details as the forms show them."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "relationship_to_child": person.relationship_to_child,
        "school_or_setting": person.school_or_setting,
        "is_child": "yes" if person.is_child else "no",
        "child_words": person.child_words,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "nhs_number": nhs_number.formatted(person.nhs_number),
        "nhs_number_status": person.nhs_number_status,
        "nhs_number_missing_reason": person.nhs_number_missing_reason,
        "phone": person.phone,
        "email": person.email,
        "involvement": person.involvement,
        "joined_on": person.joined_on,
        "version": person.version,
    }


PERSON_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "relationship_to_child",
    "school_or_setting",
    "is_child",
    "child_words",
    "sex",
    "ethnicity",
    "nhs_number",
    "nhs_number_status",
    "nhs_number_missing_reason",
    "phone",
    "email",
    "involvement",
    "joined_on",
)


INVOLVEMENT_FIELD = dict(
    description="For someone who lives elsewhere: for example, sees the children every weekend, or collects"
    " them from school",
    widget=GovTextInput(),
    filters=[strip],
    validators=[max_length(INVOLVEMENT_MAX, "How they are involved with the children")],
)


def person_shown(person) -> dict:
    """A person's details as the edit form shows them, without the version: what `loaded` digests."""
    return {name: value for name, value in person_data(person).items() if name != "version"}


class UpdatePersonForm(PersonForm, Form):
    """Carries the version and the digests of what it loaded (earlyhelp.versions): only the fields the person
    changed are saved, and a save over someone else's is refused naming who, when and which fields."""

    version = IntegerField(widget=HiddenInput())
    loaded = HiddenField()
    joined_on = GovDateField("When did they join the household?", description="Leave blank if not known")
    involvement = StringField("How are they involved with the children?", **INVOLVEMENT_FIELD)
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    shown = staticmethod(person_shown)

    @staticmethod
    def data_of(person) -> dict:
        return person_data(person) | {"loaded": digests(person_shown(person))}

    def posted(self) -> dict:
        return {name: self[name].data for name in PERSON_FIELDS}

    def my_changes(self) -> dict:
        """What the person changed from the page they loaded (everything, from a page without digests)."""
        mine = changed_by_person(self.posted(), self.loaded.data)
        return {name: value for name, value in self.changes().items() if name in mine}

    def fill(self, name: str, value) -> None:
        field = self[name]
        field.data = value
        field.raw_data = None if isinstance(field, GovDateField) else [value or ""]

    def validate_joined_on(self, field):
        if not field.errors and field.data and field.data > clock.today():
            raise ValidationError("The date they joined the household must be today or in the past")

    def changes(self) -> dict:
        return super().changes() | {"joined_on": self.joined_on.data, "involvement": self.involvement.data or ""}


WHERE_THEY_LIVE = {
    "household": "In the household",
    "elsewhere": "Somewhere else: an adult who matters to the children but does not live with them",
}


class AddPersonForm(OnceOnly, PersonForm, Form):
    """Someone new on the record: a new baby, someone joining the household, or a significant adult elsewhere."""

    lives = RadioField(
        "Where do they live?",
        choices=options(WHERE_THEY_LIVE),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[
            required("Select where they live"),
            validators.AnyOf(list(WHERE_THEY_LIVE), message="Select where they live"),
        ],
    )
    joined_on = GovDateField(
        "When did they join the household?",
        description="For someone moving in. Leave blank for a new baby, or if you do not know",
    )
    involvement = StringField("How are they involved with the children?", **INVOLVEMENT_FIELD)
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Add this person", widget=GovSubmitInput())

    def validate_joined_on(self, field):
        if field.errors or not field.data:
            return
        if field.data > clock.today():
            raise ValidationError("The date they joined the household must be today or in the past")
        born = self.date_of_birth.data
        if born and field.data < born and not self.date_of_birth.errors:
            _refused_as_error(check_in_order, "member_joined", born, field.data)

    def validate_lives(self, field):
        if field.data == "elsewhere" and self.is_child.data == "yes":
            raise ValidationError(
                "Only an adult can be recorded as living outside the household. Add a child who lives elsewhere"
                " to the family record of the household they live in"
            )

    def member(self) -> MemberInput:
        elsewhere = self.lives.data == "elsewhere"
        return MemberInput(
            **self.changes(),
            in_household=not elsewhere,
            joined_on=None if elsewhere else self.joined_on.data,
            involvement=self.involvement.data or "",
        )


def leaving_shown(person) -> dict:
    """What the leaving form was loaded from: the person's details and whether (and why) they have left."""
    return person_shown(person) | {"left_on": person.left_on, "left_reason": person.left_reason}


class LeaveHouseholdForm(Form):
    """Someone has left the household. The rules (after they were born, a real reason) are the use case's.
    Carries the version and digests it was loaded from, so a stale save names which details changed."""

    version = IntegerField(widget=HiddenInput())
    loaded = HiddenField()
    left_on = GovDateField(
        "When did they leave the household?",
        description="For example, 27 3 2026",
        required_message="Enter the date they left the household",
    )
    left_reason = TextAreaField(
        "Why did they leave?",
        description="For example, moved to live with their grandmother in Testtown. Do not include anything the"
        " family has asked not to share.",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[max_length(REASON_MAX, "Why they left")],
    )
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Record that they have left", widget=GovSubmitInput())

    shown = staticmethod(leaving_shown)

    @staticmethod
    def data_of(person) -> dict:
        return {"version": person.version, "loaded": digests(leaving_shown(person))}


class BreakGlassForm(OnceOnly, Form):
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


class ChangeLeadForm(Form):
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
