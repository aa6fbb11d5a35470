"""Forms for restricting a family, changing who is named, and lifting the restriction.

The rules (a reason of at least 10 characters, a manager or head of service named, only case workers) are the use case's
(earlyhelp/services/restrictions.py), so a refused attempt is audited like any other."""

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxesInput, GovSubmitInput
from wtforms import SelectMultipleField, SubmitField, TextAreaField

from earlyhelp.domain.reasons import REASON_MAX
from earlyhelp.forms import Form, max_length, options


class RestrictionForm(Form):
    reason = TextAreaField(
        "Why is this record restricted?",
        description="For example, a member of staff's relative. Only the people who may restrict this record see this.",
        widget=GovCharacterCount(),
        validators=[max_length(REASON_MAX, "The reason")],
    )
    named = SelectMultipleField(
        "Who may see this record?",
        description="Only the people you select will be able to find or open it. You are always included. "
        "Name at least one team manager or head of service, so that someone can lift the restriction.",
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    submit = SubmitField("Restrict this record", widget=GovSubmitInput())

    def offer(self, offered, actor) -> None:
        """The people to choose from (services.restrictions.offered_people), each with why they are offered."""
        self.named.choices = options(
            (
                offer.person.id,
                f"{offer.person.name} (you)"
                if offer.person.id == actor.id
                else f"{offer.person.name}, {offer.person.role.name}",
            )
            for offer in offered
        )
        self.named_items = [{"hint": {"text": ". ".join(offer.reasons)}} if offer.reasons else {} for offer in offered]


class LiftRestrictionForm(Form):
    reason = TextAreaField(
        "Why is the restriction being lifted?",
        widget=GovCharacterCount(),
        validators=[max_length(REASON_MAX, "The reason")],
    )
    submit = SubmitField("Lift the restriction", widget=GovSubmitInput())
