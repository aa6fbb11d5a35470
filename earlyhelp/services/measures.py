"""Performance measures: every figure's definition and its SQL, in one place the page, the exports and the tests share.

A measure is a query of rows, one row for each thing it counts (a referral decided, a transfer accepted, a next
step overdue), and every figure, trend and breakdown is a SQL aggregate over those rows, so the list of families
behind a figure is the same rows and its count always equals the figure. Each measure's `rows(scope, filters)`
returns a SELECT whose columns are labelled:

- family_id: the family the row is about (the list behind a figure links to it);
- record_id: the record the row counts (a referral's id, a transfer's id...), unique within the measure;
- on: the London day the row counts on, inside the period (month by month trends group by it);
- counted: 1 when the row is in the figure's numerator, 0 when it is only in its total (for a plain count,
  always 1);
- days: for a measure of time, the number of days the row took (else NULL);
- detail: a short text shown in the list behind the figure (a late reason, who it waits for), else "";
- breakdown: the label the measure is broken down by (a partner agency, a team, a worker), else "".

Each measure applies the viewer's Scope (earlyhelp/performance/scope.py) and the chosen Filters itself, through
`limited`, naming which of its columns are the family, the team and the worker: its definition says which.

Kinds: SHARE (counted of total, as a percentage), COUNT (how many rows), AVERAGE_DAYS (the mean of `days`).

Measures live in earlyhelp/services/measures_*.py modules, each calling `register`; MEASURES holds them in the
order they were registered, which is the order the dashboard shows them.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from sqlalchemy import Date, Integer, Select, and_, case, cast, func, literal, null, select, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from earlyhelp import clock
from earlyhelp.extensions import db

# The longest period a person may choose: longer asks more of the database than any question needs.
MAX_PERIOD_DAYS = 366 * 5 + 1


class Kind(StrEnum):
    SHARE = "share"
    COUNT = "count"
    AVERAGE_DAYS = "average_days"


@dataclass(frozen=True)
class Period:
    """London days, both included."""

    start: date
    end: date

    @property
    def starts_at(self):
        """The first moment of the period, UTC: compare stored moments with >=."""
        return clock.at_london(self.start, time(0))

    @property
    def ends_at(self):
        """The first moment after the period, UTC: compare stored moments with <."""
        return clock.at_london(self.end + timedelta(days=1), time(0))

    def months(self) -> list[date]:
        """The first day of each month the period touches, in order."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Filters:
    period: Period
    service_id: int | None = None
    team_id: int | None = None
    worker_id: int | None = None


@dataclass(frozen=True)
class Measure:
    key: str  # in URLs and exports: lower case and underscores
    section: str  # the dashboard's heading it sits under
    title: str  # "Referral decisions within one working day"
    definition: str  # what counts, which clock, which dates: shown on the page and in every export
    kind: Kind
    rows: object  # Callable[[Scope, Filters], Select], labelled as the module docstring says
    counted_words: str = ""  # what a counted row is, for the list behind the figure: "decided in time"
    total_words: str = ""  # what a row is: "referrals decided"
    breakdown_words: str = ""  # what `breakdown` holds, when the measure has one: "Partner agency"
    # True when a higher figure is worse (overdue steps, late decisions): the page says so beside a trend.
    lower_is_better: bool = False
    # True for a figure as it stands at one moment (now, or the period's last day), not counted over the period:
    # every row is on one day, so a month-by-month trend would say nothing. The page shows no trend for it.
    as_at: bool = False
    # True for a measure broken down by worker that is broken down by team instead when the viewer sees several
    # teams and has chosen none (a head of service compares teams, then chooses one to compare its workers). Its
    # rows label `breakdown` with worker_or_team.
    team_first: bool = False
    # The heading of the list's column of `days`, for a measure whose rows have them but are not averaged: "Days
    # overdue". An average of days is always listed, as "Days".
    days_words: str = ""

    @property
    def days_heading(self) -> str:
        return self.days_words or ("Days" if self.kind == Kind.AVERAGE_DAYS else "")

    def breakdown_words_for(self, scope, filters: Filters) -> str:
        return "Team" if self.team_first and by_team(scope, filters) else self.breakdown_words


def by_team(scope, filters: Filters) -> bool:
    """Whether a worker's figures are compared team by team: the viewer sees more than one team and chose none."""
    several = scope.team_ids is None or len(scope.team_ids) > 1
    return several and scope.worker_id is None and filters.team_id is None and filters.worker_id is None


def worker_or_team(scope, filters: Filters, *, worker, team):
    """A team_first measure's `breakdown`: the team's name (or "No team") when by_team, else the worker's."""
    return func.coalesce(team, "No team") if by_team(scope, filters) else worker


@dataclass(frozen=True)
class Figure:
    counted: int
    total: int
    average_days: float | None = None

    @property
    def percentage(self) -> int | None:
        """Whole percent, rounded half up; None when there is nothing to divide by."""
        if not self.total:
            return None
        return int((self.counted * 100 / self.total) + 0.5)


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    if measure.key in MEASURES:
        raise ValueError(f"two measures are called {measure.key}")
    MEASURES[measure.key] = measure
    return measure


# SQL that means the same on SQLite and PostgreSQL.


class london_date(FunctionElement):
    """The London day of a stored UTC moment (a UTCDateTime column), as a date."""

    type = Date()
    inherit_cache = True


@compiles(london_date, "postgresql")
def _london_date_pg(element, compiler, **kw):
    return f"CAST(timezone('Europe/London', {compiler.process(element.clauses, **kw)}) AS DATE)"


# London's clocks go forward at 01:00 UTC on the last Sunday of March (the Sunday on or after the 25th) and back at
# 01:00 UTC on the last Sunday of October, the rule since 1996: in SQL, so a period's thousands of rows need no call
# out to Python each. Moments before 1996, and any argument that is more than columns (a subquery, which the rule
# would run four times), go to the Python function registered on every SQLite connection (earlyhelp/database.py),
# which knows every year's rule.
_BRITISH_SUMMER_TIME_SINCE = "1996"


def _plain(clause) -> bool:
    """Columns, or a function of columns (coalesce): cheap to repeat."""
    from sqlalchemy.sql.elements import ColumnClause

    if isinstance(clause, ColumnClause):
        return True
    if isinstance(clause, FunctionElement):
        return all(_plain(inner) for inner in clause.clauses)
    return False


@compiles(london_date, "sqlite")
def _london_date_sqlite(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    (argument,) = list(element.clauses)
    if not _plain(argument):
        return f"london_date({moment})"
    summer = (
        f"{moment} >= datetime(date(substr({moment}, 1, 4) || '-03-25', 'weekday 0'), '+1 hours')"
        f" AND {moment} < datetime(date(substr({moment}, 1, 4) || '-10-25', 'weekday 0'), '+1 hours')"
    )
    return (
        f"(CASE WHEN {moment} < '{_BRITISH_SUMMER_TIME_SINCE}' THEN london_date({moment})"
        f" ELSE date({moment}, CASE WHEN {summer} THEN '+1 hours' ELSE '+0 hours' END) END)"
    )


class month_start(FunctionElement):
    """The first day of a date's month."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_pg(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class days_between(FunctionElement):
    """Whole days from the first date to the second (both dates, not moments)."""

    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_between_pg(element, compiler, **kw):
    first, second = list(element.clauses)
    return f"(CAST({compiler.process(second, **kw)} AS DATE) - CAST({compiler.process(first, **kw)} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    first, second = list(element.clauses)
    return f"CAST(julianday({compiler.process(second, **kw)}) - julianday({compiler.process(first, **kw)}) AS INTEGER)"


def moment_in(column, period: Period):
    """A stored UTC moment inside the period's London days."""
    return and_(column >= period.starts_at, column < period.ends_at)


def day_in(column, period: Period):
    """A date inside the period."""
    return and_(column >= period.start, column <= period.end)


def limited(query: Select, scope, filters: Filters, *, family_id, team_id=None, worker_id=None, service_id=None):
    """The viewer's scope and the chosen filters, on a measure's query. A measure without a team (or worker, or
    service) column is empty when one is chosen or when the viewer may see only their own: the definition says
    whose it is."""
    none = literal(False)
    query = query.where(scope.families(family_id))
    if scope.team_ids is not None:
        query = query.where(scope.teams(team_id) if team_id is not None else none)
    if scope.worker_id is not None:
        query = query.where(scope.workers(worker_id) if worker_id is not None else none)
    for chosen, column in (
        (filters.team_id, team_id),
        (filters.worker_id, worker_id),
        (filters.service_id, service_id),
    ):
        if chosen is not None:
            query = query.where(column == chosen if column is not None else none)
    return query


def rows_query(*, family_id, record_id, on, counted=None, days=None, detail=None, breakdown=None) -> list:
    """The labelled columns every measure's rows have: build a measure's SELECT with select(*rows_query(...))."""
    return [
        family_id.label("family_id"),
        record_id.label("record_id"),
        on.label("on"),
        (case((counted, 1), else_=0) if counted is not None else literal(1)).label("counted"),
        (days if days is not None else cast(null(), Integer)).label("days"),
        (detail if detail is not None else literal("")).label("detail"),
        (breakdown if breakdown is not None else literal("")).label("breakdown"),
    ]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _figure(counted, total, average) -> Figure:
    return Figure(int(counted or 0), int(total or 0), float(average) if average is not None else None)


def _aggregates(rows):
    return func.sum(rows.c.counted), func.count(), func.avg(rows.c.days)


def figure(measure: Measure, scope, filters: Filters) -> Figure:
    """The measure's figure for the period: one statement."""
    rows = measure.rows(scope, filters).subquery()
    return _figure(*db.session.execute(select(*_aggregates(rows))).one())


def by_month(measure: Measure, scope, filters: Filters) -> list[tuple[date, Figure]]:
    """Month by month over the period, every month present (an empty month is 0 of 0): one statement."""
    rows = measure.rows(scope, filters).subquery()
    month = month_start(rows.c.on)
    found = {
        _as_date(first): _figure(counted, total, average)
        for first, counted, total, average in db.session.execute(
            select(month, *_aggregates(rows)).group_by(month)
        ).all()
    }
    return [(first, found.get(first, Figure(0, 0))) for first in filters.period.months()]


def by_breakdown(measure: Measure, scope, filters: Filters) -> list[tuple[str, Figure]]:
    """Broken down by the measure's `breakdown` label, largest total first: one statement."""
    rows = measure.rows(scope, filters).subquery()
    result = db.session.execute(
        select(rows.c.breakdown, *_aggregates(rows))
        .group_by(rows.c.breakdown)
        .order_by(func.count().desc(), rows.c.breakdown)
    ).all()
    return [(label, _figure(counted, total, average)) for label, counted, total, average in result]


@dataclass(frozen=True)
class Summary:
    figure: Figure
    months: list  # [(first day of the month, Figure)], as by_month; empty for a figure as at one moment
    breakdown: list  # [(label, Figure)], as by_breakdown; empty for a measure without a breakdown


WHOLE, MONTH, BREAKDOWN = "whole", "month", "breakdown"


def summary(measure: Measure, scope, filters: Filters) -> Summary:
    """What the dashboard shows of a measure, in one statement: its figure, by month (unless it is a figure as at
    one moment) and by breakdown (if it has one). The measure's rows are read once (a materialised common table
    expression) and each part is the very aggregate figure, by_month and by_breakdown take, so the numbers are
    theirs exactly; the breakdown's order (largest total first, then the label) is the database's, as theirs."""
    rows = measure.rows(scope, filters).cte("measure_rows").prefix_with("MATERIALIZED")
    month = month_start(rows.c.on)
    nothing = cast(null(), Integer)
    parts = [
        select(
            literal(WHOLE).label("part"),
            cast(null(), Date).label("month"),
            literal("").label("label"),
            nothing.label("place"),
            *_aggregates(rows),
        )
    ]
    if not measure.as_at:
        parts.append(select(literal(MONTH), month, literal(""), nothing, *_aggregates(rows)).group_by(month))
    if measure.breakdown_words:
        place = func.row_number().over(order_by=(func.count().desc(), rows.c.breakdown))
        parts.append(
            select(literal(BREAKDOWN), cast(null(), Date), rows.c.breakdown, place, *_aggregates(rows)).group_by(
                rows.c.breakdown
            )
        )
    whole, found, breakdown = Figure(0, 0), {}, []
    for part, first, label, place, counted, total, average in db.session.execute(union_all(*parts)).all():
        if part == WHOLE:
            whole = _figure(counted, total, average)
        elif part == MONTH:
            found[_as_date(first)] = _figure(counted, total, average)
        else:
            breakdown.append((place, label, _figure(counted, total, average)))
    return Summary(
        figure=whole,
        months=[] if measure.as_at else [(first, found.get(first, Figure(0, 0))) for first in filters.period.months()],
        breakdown=[(label, shown) for _place, label, shown in sorted(breakdown, key=lambda item: item[0])],
    )


class Rows(StrEnum):
    """Which rows behind a figure: its numerator, the rest of its total (the referrals not decided in time: the
    ones to act on, for a share where higher is better), or its whole total."""

    COUNTED = "counted"
    NOT_COUNTED = "not_counted"
    ALL = "all"


def _which(rows, which: Rows):
    return {Rows.COUNTED: rows.c.counted == 1, Rows.NOT_COUNTED: rows.c.counted == 0, Rows.ALL: true()}[which]


@dataclass(frozen=True)
class Row:
    family_id: int
    family_reference: str
    record_id: int
    on: date
    counted: bool
    days: int | None
    detail: str
    breakdown: str


def rows_behind(
    measure: Measure,
    scope,
    filters: Filters,
    *,
    which: Rows = Rows.COUNTED,
    month: date | None = None,
    breakdown: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """The rows behind a figure (its numerator, the rest, or all of its total: `which`), newest first (then the
    most days: the most overdue first, for a figure as at one day), with each
    family's reference: one statement. Their number equals the figure's (count_behind). Family.name reads the
    household, so a page that shows names loads those families in one more statement (selectinload of members)."""
    from earlyhelp.models import Family

    rows = measure.rows(scope, filters).subquery()
    query = (
        select(rows, Family.reference)
        .join(Family, Family.id == rows.c.family_id)
        .where(_which(rows, which))
        .order_by(rows.c.on.desc(), rows.c.days.desc().nulls_last(), rows.c.record_id.desc())
    )
    if month is not None:
        query = query.where(month_start(rows.c.on) == month)
    if breakdown is not None:
        query = query.where(rows.c.breakdown == breakdown)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [
        Row(
            family_id=row.family_id,
            family_reference=row.reference,
            record_id=row.record_id,
            on=_as_date(row.on),
            counted=bool(row.counted),
            days=int(row.days) if row.days is not None else None,
            detail=row.detail or "",
            breakdown=row.breakdown or "",
        )
        for row in db.session.execute(query).all()
    ]


def count_behind(
    measure: Measure, scope, filters: Filters, *, which: Rows = Rows.COUNTED, month=None, breakdown=None
) -> int:
    rows = measure.rows(scope, filters).subquery()
    query = select(func.count()).select_from(rows).where(_which(rows, which))
    if month is not None:
        query = query.where(month_start(rows.c.on) == month)
    if breakdown is not None:
        query = query.where(rows.c.breakdown == breakdown)
    return db.session.scalar(query)


def _load_measures() -> None:
    # The front door first: the dashboard shows sections in the order measures were registered.
    from earlyhelp.services import measures_front_door  # noqa: F401, I001  (each registers its own)
    from earlyhelp.services import measures_flow  # noqa: F401


_load_measures()
