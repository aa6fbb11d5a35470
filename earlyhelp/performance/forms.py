"""The dashboard's filters: a period (from and to, London days, both included), a service, a team and a worker.

Sent as a GET, so a filtered dashboard can be bookmarked, its lists paged and its tables exported with the same
filters. The choices offered are only those performance/scope.py lets the viewer see; an id typed into the
address that is not offered is refused on its field, never quietly widened or narrowed.
"""

from datetime import date, timedelta

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, ValidationError

from earlyhelp import clock
from earlyhelp.forms import Form, GovDateField, offered, options
from earlyhelp.services.measures import MAX_PERIOD_DAYS, Filters, Period

# Dates far from any record: beyond them a date is a slip of the keyboard (and beyond 9999 Python has none).
EARLIEST = date(1990, 1, 1)
LATEST = date(2199, 12, 31)
MAX_PERIOD_YEARS = MAX_PERIOD_DAYS // 366


def months_before(day: date, months: int) -> Period:
    """The `months` full calendar months before the month `day` is in."""
    end = day.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start, end)


def months_to(day: date, months: int) -> Period:
    """`months` calendar months ending on `day`: the months before in full, and `day`'s month so far."""
    start = day.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start, day)


def default_period() -> Period:
    """The 11 full months before this one and this month so far, to today: a figure as at the period's end (next
    steps overdue) is then as it stands now, not as it stood at the end of last month."""
    return months_to(clock.today(), 12)


# The presets offered as links above the form: (words, months, to today or full months only).
PRESETS = (
    ("This month so far", 1, True),
    ("Last full month", 1, False),
    # Calendar months, this one so far included: says what the period is ("3 months to today" read as 3 x 30 days).
    ("This month and the 2 before", 3, True),
    ("This month and the 11 before", 12, True),
)


def presets() -> list[tuple[str, Period]]:
    today = clock.today()
    return [
        (words, months_to(today, months) if to_today else months_before(today, months))
        for words, months, to_today in PRESETS
    ]


class PerformanceFilters(Form):
    class Meta:
        csrf = False

    since = GovDateField("From", what="The from date", name="from", description="For example, 1 4 2025")
    until = GovDateField("To", what="The to date", name="to", description="For example, 31 3 2026")
    service = SelectField("Service", widget=GovSelect(), validate_choice=False)
    team = SelectField("Team", widget=GovSelect(), validate_choice=False)
    worker = SelectField("Worker", widget=GovSelect(), validate_choice=False)

    def __init__(self, *args, services, teams, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = options([(s.id, s.name) for s in services], blank="All services")
        self.team.choices = options([(t.id, t.name) for t in teams], blank="All teams")
        self.worker.choices = options([(w.id, w.name) for w in workers], blank="All workers")
        self._team_of = {str(w.id): w.team_id for w in workers}
        self._team_names = {str(t.id): t.name for t in teams}

    def validate_since(self, field):
        if not field.was_typed and self.until.was_typed:
            raise ValidationError("Enter the from date, or leave both dates blank for the last 12 months")
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(f"The from date must be between {EARLIEST.year} and {LATEST.year}")
        if field.data and field.data > clock.today():
            raise ValidationError(
                "The from date must be today or in the past: there are no figures yet for days to come"
            )

    def validate_until(self, field):
        if not field.was_typed and self.since.was_typed:
            raise ValidationError("Enter the to date, or leave both dates blank for the last 12 months")
        if field.data is None or self.since.data is None:
            return
        if not EARLIEST <= field.data <= LATEST:
            raise ValidationError(f"The to date must be between {EARLIEST.year} and {LATEST.year}")
        if field.data < self.since.data:
            raise ValidationError("The to date must be the same as or after the from date")
        if (field.data - self.since.data).days + 1 > MAX_PERIOD_DAYS:
            raise ValidationError(f"The period must be {MAX_PERIOD_YEARS} years or shorter: choose a later from date")

    def validate_service(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select a service from the list")

    def validate_team(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select a team from the list")

    def validate_worker(self, field):
        if field.data and field.data not in offered(field):
            raise ValidationError("Select a worker from the list")
        # A worker outside the team chosen would give nothing but noughts, which read as "none late".
        team = self.team.data
        if field.data and team and team in self._team_names and str(self._team_of.get(field.data)) != team:
            raise ValidationError(
                f"Select a worker in {self._team_names[team]}, or All teams: the worker chosen is not in that team"
            )

    def choices_that_matter(self) -> list:
        """The selects worth showing: one offering a single choice (a team manager's one team, a practitioner's
        own name) changes nothing, so it is not shown (what was chosen in the address still applies)."""
        return [field for field in (self.service, self.team, self.worker) if len(field.choices) > 2 or field.data]

    def filters(self) -> Filters | None:
        """What the figures are for, or None while any filter is wrong: figures that quietly left out a wrong
        filter would show (or export) more than was asked for."""
        if self.errors:
            return None
        period = Period(self.since.data, self.until.data) if self.since.data else default_period()
        return Filters(
            period=period,
            service_id=int(self.service.data) if self.service.data else None,
            team_id=int(self.team.data) if self.team.data else None,
            worker_id=int(self.worker.data) if self.worker.data else None,
        )

    def arguments(self, filters: Filters) -> dict:
        """The query string that asks for these filters again (for links, lists and exports)."""
        period = filters.period
        values = {
            "from": [str(period.start.day), str(period.start.month), str(period.start.year)],
            "to": [str(period.end.day), str(period.end.month), str(period.end.year)],
        }
        for name, value in (("service", filters.service_id), ("team", filters.team_id), ("worker", filters.worker_id)):
            if value is not None:
                values[name] = str(value)
        return values
