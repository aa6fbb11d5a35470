"""The filters on a family's "who has looked" page: sent as a GET, so a filtered list can be paged and
exported with the same filters."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, ValidationError

from earlyhelp.forms import Form, GovDateField, offered, options
from earlyhelp.services.access_log import KINDS, EventFilters


class WhoLookedFilters(Form):
    class Meta:
        csrf = False

    person = SelectField("Person", widget=GovSelect(), validate_choice=False)
    action = SelectField("What they did", widget=GovSelect(), validate_choice=False)
    since = GovDateField("From", what="The from date", name="from", description="For example, 27 3 2026")
    until = GovDateField("To", what="The to date", name="to", description="For example, 27 3 2026")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.person.choices = options([(person_id, name) for person_id, name in people], blank="Anyone")
        self.action.choices = options(KINDS, blank="Anything")

    def validate_person(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select a person from the list")

    def validate_action(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select what they did from the list")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The to date must be the same as or after the from date")

    def filters(self) -> EventFilters | None:
        """What to narrow the list to, or None while any filter is wrong: a list that quietly left out the
        wrong filter would show (or export) more than the manager asked for."""
        if self.errors:
            return None
        return EventFilters(
            user_id=int(self.person.data) if self.person.data else None,
            kind=self.action.data or None,
            since=self.since.data,
            until=self.until.data,
        )
