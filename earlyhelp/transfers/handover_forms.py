"""The handover plan's form."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from earlyhelp.forms import (
    Form,
    GovDateField,
    late_recording_reason_field,
    max_length,
    options,
)
from earlyhelp.services.transfers.handover import HANDOVER_FIELDS
from earlyhelp.transfers.forms import text
from earlyhelp.versions import changed_by_person


class HandoverPlanForm(Form):
    """Carries the version and the digests of what it loaded (earlyhelp.versions): only the answers the person
    changed are saved, and a save over someone else's is refused naming who, when and which answers."""

    version = IntegerField(widget=HiddenInput())
    loaded = HiddenField()
    meeting_kind = RadioField(
        "Handover meeting or joint visit?",
        choices=options({"meeting": "Handover meeting", "joint_visit": "Joint visit to the family"}),
        widget=GovRadioInput(),
        validate_choice=False,
    )
    meeting_on = GovDateField("Date")
    meeting_place = StringField("Place", widget=GovTextInput(), validators=[max_length(200, "Place")])
    attendees = text("Who will attend", None, "Who will attend", "Names and roles. Include the family")
    family_attending = BooleanField("The family will attend", widget=GovCheckboxInput())
    meeting_held = BooleanField("The meeting or visit has happened", widget=GovCheckboxInput())
    information_shared = text("What information was shared", None, "The information shared")
    family_told_what = text("What the family has been told", None, "What the family has been told")
    children_views = text("The children's views", None, "The children's views")
    contingency = text("If things get worse", None, "The contingency", "What will happen, and who will do it")
    family_message = text(
        "What we will tell the family",
        None,
        "What we will tell the family",
        "This is printed in the letter to the family. Do not include anything they should not read",
    )
    step_up_contact = text(
        "Who to contact to step back up",
        None,
        "Who to contact",
        "For a step-down: the social care contact if worries increase",
    )
    late_recording_reason = late_recording_reason_field()
    submit = SubmitField("Save handover plan", widget=GovSubmitInput())

    def validate_meeting_kind(self, field):
        if field.data not in ("meeting", "joint_visit"):
            raise ValidationError("Select a handover meeting or a joint visit")

    def validate_meeting_held(self, field):
        if field.data and not self.meeting_on.data:
            raise ValidationError("Enter the date of the meeting or visit that happened")

    def changes(self) -> dict:
        """The plan as typed, for services.transfers.save_handover_plan (which checks the meeting's date)."""
        return {
            "meeting_kind": self.meeting_kind.data,
            "meeting_on": self.meeting_on.data,
            "family_attending": self.family_attending.data,
            "meeting_held": self.meeting_held.data,
            "late_recording_reason": self.late_recording_reason.data or "",
        } | {name: self[name].data or "" for name in TEXT_FIELDS}

    def posted(self) -> dict:
        return {name: self[name].data for name in HANDOVER_FIELDS}

    def my_changes(self) -> dict:
        """What the person changed from the page they loaded (everything, from a page without digests); the
        late recording reason goes with it, as typed."""
        mine = changed_by_person(self.posted(), self.loaded.data)
        return {name: value for name, value in self.changes().items() if name in mine or name not in HANDOVER_FIELDS}

    def fill(self, name: str, value) -> None:
        field = self[name]
        field.data = value
        if isinstance(field, GovDateField):
            field.raw_data = None
        elif isinstance(field, BooleanField):
            field.raw_data = ["y"] if value else []
        else:
            field.raw_data = [value or ""]


TEXT_FIELDS = (
    "meeting_place",
    "attendees",
    "information_shared",
    "family_told_what",
    "children_views",
    "family_message",
    "contingency",
    "step_up_contact",
)


class IssueLetterForm(Form):
    """Issuing the letter shown in the preview. The one-time key makes a second post of the same form the same
    letter."""

    submission_key = HiddenField()
    submit = SubmitField("Issue the letter", widget=GovSubmitInput())
