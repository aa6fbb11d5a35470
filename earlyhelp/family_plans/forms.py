from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import Form as RowForm

from earlyhelp.forms import MAX_LONG_TEXT, Form, GovDateField, max_length, options
from earlyhelp.models.family_plans import REVIEW_OUTCOMES, SECTIONS, TEXT_FIELDS, WORDS_GIVEN, FamilyPlan
from earlyhelp.services.family_plans import ReviewInput, draft_values
from earlyhelp.versions import OnceOnly, Versioned, digests


def section(name: str, hint: str) -> TextAreaField:
    return TextAreaField(
        SECTIONS[name],
        description=hint,
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, SECTIONS[name])],
    )


class ChildWordsForm(RowForm):
    person_id = HiddenField()
    child_words = TextAreaField(
        "In their own words", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "Their words")]
    )
    words_given = RadioField(
        "How did these words come to us?",
        choices=options(WORDS_GIVEN),
        default="directly",
        widget=GovRadioInput(),
        validate_choice=False,
    )
    words_given_by = StringField(
        "Who told us, or who observed it",
        description="For example, their mum, or Robin Quillfeather (lead practitioner)",
        widget=GovTextInput(),
        validators=[max_length(120, "Who told us, or who observed it")],
    )


class FamilyPlanForm(Versioned, Form):
    """The draft as loaded: its edit version and the digests of what it said travel with it (earlyhelp.versions)."""

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

    @classmethod
    def of(cls, plan: FamilyPlan, **kwargs) -> "FamilyPlanForm":
        """The form filled in from the plan as saved, with a box for each child's words."""
        form = cls(obj=plan, **kwargs)
        for child in plan.children_words:
            form.children.append_entry(
                {
                    "person_id": str(child.person_id),
                    "child_words": child.child_words,
                    "words_given": child.words_given,
                    "words_given_by": child.words_given_by,
                }
            )
        if kwargs.get("formdata", True) is None or not form.is_submitted():
            form.version.data = plan.edit_version
            form.loaded.data = digests(draft_values(plan))
        return form

    def fill(self, name: str, value) -> None:
        """Show a current value in a field the person did not change (after a stale save, keep_typed)."""
        if name.startswith("child:"):
            _, person_id, part = name.split(":")
            for entry in self.children.entries:
                if entry.person_id.data == person_id:
                    if part == "words":
                        entry.child_words.data, entry.child_words.raw_data = value, [value or ""]
                    else:
                        how, _, by = value.partition("|")
                        entry.words_given.data, entry.words_given.raw_data = how, [how]
                        entry.words_given_by.data, entry.words_given_by.raw_data = by, [by]
            return
        field = self[name]
        field.data = value
        if isinstance(field, GovDateField):
            field.raw_data = [str(value.day), str(value.month), str(value.year)] if value else ["", "", ""]
        elif isinstance(field, BooleanField):
            field.raw_data = ["y"] if value else []
        else:
            field.raw_data = [value or ""]

    def changes(self) -> dict:
        """What was written, for earlyhelp.services.family_plans.save_draft."""
        return {name: self[name].data or "" for name in TEXT_FIELDS} | {
            "review_on": self.review_on.data,
            "agreed_on": self.agreed_on.data,
            "signed_paper_copy": self.signed_paper_copy.data,
        }

    def child_words(self) -> dict[int, str]:
        """Each child's words by person, ignoring rows whose person is not a number (a crafted post)."""
        return {
            int(entry.person_id.data): entry.child_words.data or ""
            for entry in self.children.entries
            if (entry.person_id.data or "").isdigit()
        }

    def words_given(self) -> dict[int, tuple[str, str]]:
        """How each child's words came to us, by person (an unknown answer counts as given directly)."""
        return {
            int(entry.person_id.data): (
                entry.words_given.data if entry.words_given.data in WORDS_GIVEN else "directly",
                entry.words_given_by.data or "",
            )
            for entry in self.children.entries
            if (entry.person_id.data or "").isdigit()
        }


class StartPlanForm(OnceOnly, Form):
    """The start button: its one-time key starts one version however often it is posted."""


class DiscardDraftForm(Form):
    """The confirmation page's one button: the page says what is lost; pressing it is the confirmation."""

    submit_discard = SubmitField("Discard this draft", widget=GovSubmitInput())


class ReviewForm(OnceOnly, Form):
    held_on = GovDateField("Date the review was held", required_message="Enter the date the review meeting was held")
    attended = TextAreaField(
        "Who attended",
        description="The family members and professionals who came",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "Who attended")],
    )
    outcome = RadioField(
        "What did the review decide?", choices=options(REVIEW_OUTCOMES), widget=GovRadioInput(), validate_choice=False
    )
    next_review_on = GovDateField(
        "Date of the next review",
    )
    note = TextAreaField(
        "Note",
        description="What was decided and why",
        widget=GovCharacterCount(),
        validators=[max_length(MAX_LONG_TEXT, "The note")],
    )
    late_reason = TextAreaField(
        "Why is it being recorded late?",
        description="Only if the review was held some time ago",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )
    submit_review = SubmitField("Record the review", widget=GovSubmitInput())

    def as_input(self) -> ReviewInput:
        return ReviewInput(
            held_on=self.held_on.data,
            attended=self.attended.data or "",
            outcome=self.outcome.data or "",
            note=self.note.data or "",
            late_reason=self.late_reason.data or "",
            next_review_on=self.next_review_on.data,
        )


class IssuePlanForm(Form):
    confirm = BooleanField("I have checked the warnings and want to issue the plan anyway", widget=GovCheckboxInput())
    submit_issue = SubmitField("Issue the plan", widget=GovSubmitInput())
