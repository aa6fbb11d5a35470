"""One form per use case for step-up and step-down requests and their handover plans."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms import Form as RowForm

from earlyhelp import clock
from earlyhelp.domain import consent
from earlyhelp.domain.outcomes import WHAT_MAX, ProposedOutcome, check_outcome
from earlyhelp.domain.refusals import Refused
from earlyhelp.forms import (
    MAX_LONG_TEXT,
    Form,
    GovDateField,
    a_reason,
    chosen,
    max_length,
    not_in_future,
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


class ChildInTransferForm(RowForm):
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


class OutstandingActionForm(RowForm):
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


WHOLE_FAMILY = "family"


class OutcomeForm(RowForm):
    """A step-down's outcome: what should be different, for which child (or the whole family), by when."""

    person = SelectField("Who is it for?", widget=GovSelect(), validate_choice=False)
    what_different = TextAreaField(
        "What should be different?",
        description="Say what will have changed, not who will watch: monitoring is not an outcome",
        widget=GovTextArea(),
        validators=[max_length(WHAT_MAX, "What should be different")],
    )
    by_when = GovDateField("By when?", what="The date it should be different by")

    def is_blank(self) -> bool:
        return not (self.what_different.data or "").strip() and not self.person.data and not self.by_when.was_typed

    def validate(self, extra_validators=None):
        """A started row needs all three parts, by the outcome rule (domain/outcomes.py); an empty row is none."""
        if self.is_blank():
            return True
        valid = super().validate(extra_validators)
        number = getattr(self, "number", 1)
        for field, message, ok in (
            (self.person, "Select who this outcome is for", self.person.data),
            (self.what_different, "Enter what should be different", (self.what_different.data or "").strip()),
            (self.by_when, "Enter the date it should be different by", self.by_when.data or self.by_when.errors),
        ):
            if not ok:
                field.errors.append(f"Outcome {number}: {message[0].lower()}{message[1:]}")
                valid = False
        if self.person.data and not chosen(self.person):
            self.person.errors.append(f"Outcome {number}: select a child of this household, or the whole family")
            valid = False
        if valid:
            try:
                check_outcome(self.outcome(), children=self.children, today=clock.today(), field="")
            except Refused as refusal:
                name = refusal.field.rsplit("-", 1)[-1]
                getattr(self, name).errors.append(refusal.of(f"Outcome {number}").message)
                valid = False
        return valid

    @property
    def children(self) -> dict[int, str]:
        return {int(choice.value): choice.label for choice in self.person.choices if choice.value.isdigit()}

    def outcome(self) -> ProposedOutcome:
        person = self.person.data
        return ProposedOutcome(
            person_id=None if person == WHOLE_FAMILY or not (person or "").isdigit() else int(person),
            what_different=self.what_different.data or "",
            by_when=self.by_when.data,
        )


# Each field is made by a function, so that each form declares its fields in page order: WTForms orders the
# error summary by declaration, and shared fields declared on a base class would always come first.
def worries_field():
    return text("What are we worried about?", "Enter what you are worried about", "The worries")


def level_field():
    return RadioField("Level of need now", widget=GovRadioInput(), validate_choice=False)


def receiving_team_field():
    return SelectField("Receiving team", widget=GovSelect(), validate_choice=False)


def radios(label: str, choices: dict, message: str, description: str = "") -> RadioField:
    """A question answered by one of `choices`; anything else (nothing, or a forged value) gets `message`."""

    def check(form, field):
        if field.data not in choices:
            raise ValidationError(message)

    return RadioField(
        label,
        choices=options(choices),
        description=description,
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[check],
    )


def family_told_field():
    return radios(
        "Has the family been told about this request?",
        consent.TOLD,
        "Select whether the family has been told about this request",
    )


def told_on_field():
    return GovDateField(
        "If yes: when were they told?",
        what="The date the family was told",
        validators=[not_in_future("The date the family was told")],
    )


def told_by_field():
    return StringField(
        "If yes: who told them?",
        description="Their name",
        widget=GovTextInput(),
        validators=[max_length(consent.TOLD_BY_MAX, "Who told the family")],
    )


def family_agreement_field():
    # Answered only once the family has been told: otherwise it is stored as "not asked".
    return RadioField(
        "Does the family agree?",
        choices=options(consent.AGREEMENT_ANSWERS),
        description="Answer only if the family has been told",
        widget=GovRadioInput(),
        validate_choice=False,
    )


def family_words_field():
    return text(
        "What did the family say, in their own words?",
        None,
        "What the family said",
        "Needed if they said no or partly",
    )


def checklist_field(name: str) -> RadioField:
    return RadioField(consent.CHECKLIST[name], choices=YES_NO, widget=GovRadioInput(), validate_choice=False)


def checklist_note_field() -> TextAreaField:
    return text("Note", None, "The note", "Needed if the answer is no: say why not, and what is being done")


# The message for each checklist question left unanswered, and for a no without a note.
CHECKLIST_MESSAGES = {
    "threshold_reviewed": (
        "Select yes if the level of need has been reviewed against the threshold",
        "Enter a note saying why the level of need has not been reviewed against the threshold",
    ),
    "clear_outcomes": (
        "Select yes if there are clear outcomes for early help to work towards",
        "Enter a note saying why there are no clear outcomes yet",
    ),
    "outstanding_tasks_listed": (
        "Select yes if the outstanding tasks are listed, each with an owner and a date",
        "Enter a note saying why the outstanding tasks are not listed",
    ),
}


def not_to_share_field():
    return text(
        "What does the family not want shared, and with whom?",
        None,
        "What not to share",
        "Leave blank if there is nothing",
    )


def children_field():
    return FieldList(FormField(ChildInTransferForm))


class TransferForm(Form):
    """What both directions check. Fields are declared by each direction's form, in the order of its page."""

    def set_choices(self, levels, teams, people=(), children=()):
        """The levels of need and receiving teams to choose from (`people` and `children` are for a step-down's
        leads and outcomes)."""
        self.level.choices = options((level.id, level.label) for level in levels)
        self.receiving_team.choices = options(((t.id, t.name) for t in teams), blank="Select a team")

    @property
    def told(self) -> bool:
        return self.family_told.data == "yes"

    def fields(self) -> dict:
        """What both directions ask, as services.transfers.start takes it: the family's answers exactly as given
        (domain/consent.py stores "not asked" for agreement when they have not been told)."""
        return {
            "worries": self.worries.data.strip(),
            "level_id": int(self.level.data),
            "receiving_team_id": int(self.receiving_team.data),
            "told_family": self.family_told.data,
            "told_on": self.told_on.data if self.told else None,
            "told_by": (self.told_by.data or "").strip() if self.told else "",
            "family_agreement": self.family_agreement.data if self.told else "not_asked",
            "family_words": (self.family_words.data or "").strip() if self.told else "",
            "not_to_share": (self.not_to_share.data or "").strip(),
        }

    def validate_told_on(self, field):
        if self.told and field.data is None and not field.errors:
            raise ValidationError("Enter the date the family was told")

    def validate_told_by(self, field):
        required_when(self.told, field, "Enter who told the family")

    def validate_family_agreement(self, field):
        if self.told and field.data not in consent.AGREEMENT_ANSWERS:
            raise ValidationError("Select whether the family agrees")

    def validate_family_words(self, field):
        if self.told and self.family_agreement.data == "no":
            required_when(True, field, "Enter what the family said, in their own words: why they do not agree")
        elif self.told and self.family_agreement.data == "partly":
            required_when(True, field, "Enter what the family said, in their own words: what they do not agree to")

    def fill(self, transfer, rows):
        """Put a saved request into the form, to change it: every answer as it was saved, each child's row
        (rows from earlyhelp.forms.household_rows) from that child's saved row."""
        saved = {child.person_id: child for child in transfer.children}
        for child, entry in rows:
            row = saved.get(child.id)
            if row is not None:
                entry.included.data = "yes" if row.included else "no"
                entry.child_words.data = row.child_words
                entry.reason_not_included.data = row.reason_not_included

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
    told_on = told_on_field()
    told_by = told_by_field()
    family_agreement = family_agreement_field()
    family_words = family_words_field()
    override_reason = text(
        "Why go ahead without the family's agreement?",
        None,
        "The reason",
        "A safeguarding reason. A team manager must authorise it before the request is sent",
    )
    not_to_share = not_to_share_field()
    submit = SubmitField("Save request as a draft", widget=GovSubmitInput())

    @property
    def agrees(self) -> bool:
        return self.told and self.family_agreement.data == "yes"

    def fields(self) -> dict:
        return super().fields() | {
            "what_has_changed": self.what_has_changed.data.strip(),
            "immediate_danger": self.immediate_danger.data == "yes",
            "override_reason": "" if self.agrees else (self.override_reason.data or "").strip(),
        }

    def validate_override_reason(self, field):
        """Without a yes (no, partly, or not asked because not told) a step-up needs the safeguarding reason."""
        answered = not self.told or self.family_agreement.data in consent.AGREEMENT_ANSWERS
        if self.family_told.data in consent.TOLD and not self.agrees and answered:
            a_reason(field, "the safeguarding reason for going ahead without the family's agreement")

    def fill(self, transfer, rows):
        super().fill(transfer, rows)
        self.immediate_danger.data = "yes" if transfer.immediate_danger else "no"


class StepDownForm(TransferForm):
    submission_key = HiddenField()
    why_now = text("Why step down now?", "Enter why the family can step down now", "Why now")
    threshold_reviewed = checklist_field("threshold_reviewed")
    threshold_reviewed_note = checklist_note_field()
    clear_outcomes = checklist_field("clear_outcomes")
    clear_outcomes_note = checklist_note_field()
    outstanding_tasks_listed = checklist_field("outstanding_tasks_listed")
    outstanding_tasks_listed_note = checklist_note_field()
    worries = worries_field()
    level = level_field()
    receiving_team = receiving_team_field()
    proposed_lead = SelectField(
        "Proposed lead practitioner", description="If already known", widget=GovSelect(), validate_choice=False
    )
    children = children_field()
    family_told = family_told_field()
    told_on = told_on_field()
    told_by = told_by_field()
    family_agreement = family_agreement_field()
    family_words = family_words_field()
    not_to_share = not_to_share_field()
    outcomes = FieldList(FormField(OutcomeForm), min_entries=3)
    outstanding = FieldList(FormField(OutstandingActionForm), min_entries=3)
    submit = SubmitField("Save request as a draft", widget=GovSubmitInput())

    def set_choices(self, levels, teams, people=(), children=()):
        """`people`: who can lead early help, to propose as the lead and to own the outstanding tasks;
        `children`: the household's children, for whom each outcome can be."""
        super().set_choices(levels, teams)
        self.proposed_lead.choices = options(((u.id, u.name) for u in people), blank="Not yet known")
        for entry in self.outstanding.entries:
            entry.owner.choices = options(((u.id, u.name) for u in people), blank="Select a person")
        for number, entry in enumerate(self.outcomes.entries, start=1):
            entry.person.choices = options(
                [(WHOLE_FAMILY, "The whole family"), *((c.id, c.first_name) for c in children)], blank="Select"
            )
            entry.form.number = number

    def fields(self) -> dict:
        answers = {}
        for name in consent.CHECKLIST:
            answer = self[name].data
            answers[name] = {"yes": True, "no": False}.get(answer)
            answers[f"{name}_note"] = (self[f"{name}_note"].data or "").strip()
        return (
            super().fields()
            | answers
            | {
                "why_now": self.why_now.data.strip(),
                "proposed_lead_id": int(self.proposed_lead.data) if self.proposed_lead.data else None,
            }
        )

    def outstanding_steps(self):
        """The outstanding tasks: the started rows, each already checked by the form."""
        return [row.step() for row in self.outstanding.entries if not row.is_blank()]

    def proposed_outcomes(self) -> list[ProposedOutcome]:
        """The outcomes: the started rows, each already checked by the form (blank rows are none)."""
        return [row.outcome() for row in self.outcomes.entries if not row.is_blank()]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name, (unanswered, no_note) in CHECKLIST_MESSAGES.items():
            answer, note = self[name], self[f"{name}_note"]
            if answer.data not in ("yes", "no"):
                answer.errors = [*answer.errors, unanswered]
                valid = False
            elif answer.data == "no" and not (note.data or "").strip():
                note.errors = [*note.errors, no_note]
                valid = False
        if self.clear_outcomes.data == "yes" and not any(not row.is_blank() for row in self.outcomes.entries):
            self.outcomes.errors = [
                *self.outcomes.errors,
                "Enter at least one outcome: what should be different, for which child, by when",
            ]
            valid = False
        return valid

    def validate_proposed_lead(self, field):
        if field.data:
            choice_check(field, "Select a lead practitioner from the list")

    def fill(self, transfer, rows):
        super().fill(transfer, rows)
        for name in consent.CHECKLIST:
            answer = getattr(transfer, name)
            self[name].data = {True: "yes", False: "no"}.get(answer)
            self[f"{name}_note"].data = getattr(transfer, f"{name}_note")
        self.fill_outcomes(transfer)

    def fill_outcomes(self, transfer) -> None:
        """The outcome rows as saved, and blank rows to add more (set_choices then gives each its choices)."""
        while self.outcomes.entries:
            self.outcomes.pop_entry()
        for outcome in transfer.outcomes:
            self.outcomes.append_entry(
                {
                    "person": str(outcome.person_id) if outcome.person_id else WHOLE_FAMILY,
                    "what_different": outcome.what_different,
                    "by_when": outcome.by_when,
                }
            )
        while len(self.outcomes.entries) < max(3, len(transfer.outcomes) + 1):
            self.outcomes.append_entry()


class EditStepUpForm(StepUpForm):
    """Changing a draft step-up: the same questions, and the version of the request the page was loaded from."""

    version = HiddenField()
    loaded = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class EditStepDownForm(StepDownForm):
    version = HiddenField()
    loaded = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class FamilyDeclinedStepDownForm(Form):
    note = text("What did the family say?", None, "What the family said")
    submit_declined = SubmitField("Record that the family said no", widget=GovSubmitInput())

    def validate_note(self, field):
        a_reason(field, "what the family said about early help")
