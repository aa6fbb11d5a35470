"""The filters on the exports page: sent as a GET, so each download carries the same filters as the page."""

from datetime import date, timedelta

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, ValidationError

from earlyhelp import clock
from earlyhelp.forms import Form, GovDateField, not_in_future, offered, options
from earlyhelp.services.measures import MAX_PERIOD_DAYS, Filters, Period

FILTER_NAMES = ("from", "to", "team")


def six_months_before(day: date) -> date:
    """The day after the same day six months earlier: Annex A asks for the six months before the inspection."""
    month, year = day.month - 6, day.year
    if month < 1:
        month, year = month + 12, year - 1
    if year < date.min.year:  # a "to" date in the first months of year 1: from the first day there is
        return date.min
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last)) + timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


class ExportFilters(Form):
    class Meta:
        csrf = False

    # Never in the future: an episode open today is not known to be open then, and a list "as at" a day to come
    # would show it as if it were.
    since = GovDateField(
        "From",
        what="The from date",
        name="from",
        description="For example, 1 10 2025",
        validators=[not_in_future("The from date")],
    )
    until = GovDateField(
        "To",
        what="The to date",
        name="to",
        description="For example, 31 3 2026",
        validators=[not_in_future("The to date")],
    )
    team = SelectField("Team", widget=GovSelect(), validate_choice=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = options([(team.id, team.name) for team in teams], blank="Every team you can see")
        self._team_names = {str(team.id): team.name for team in teams}

    def validate_team(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select a team from the list")

    def validate_until(self, field):
        if not (field.data and self.since.data):
            return
        if field.data < self.since.data:
            raise ValidationError("The to date must be the same as or after the from date")
        if (field.data - self.since.data).days + 1 > MAX_PERIOD_DAYS:
            raise ValidationError(
                "The period must be 5 years or shorter: choose a later from date or an earlier to date"
            )

    def period(self) -> Period:
        """The dates typed, or the six months to today for a date left blank."""
        today = clock.today()
        until = self.until.data or (today if not self.since.data else None)
        since = self.since.data or six_months_before(until)
        if until is None:  # only a from date: up to today, or up to five years after it if that is sooner
            longest = date.max - since
            until = min(max(today, since), since + min(timedelta(days=MAX_PERIOD_DAYS - 1), longest))
        return Period(since, until)

    def show_the_period(self) -> None:
        """With nothing typed, the boxes hold the period the page counts: nobody has to guess what it is."""
        period = self.period()
        self.since.data, self.until.data = period.start, period.end
        self.since.raw_data = self.until.raw_data = None

    def filters(self) -> Filters | None:
        """What to export, or None while any filter is wrong: an export that quietly left out a wrong filter
        would hand an inspector more (or other) families than the manager asked for."""
        if self.errors:
            return None
        return Filters(self.period(), team_id=int(self.team.data) if self.team.data else None)

    def team_name(self) -> str | None:
        return self._team_names.get(self.team.data or "")
