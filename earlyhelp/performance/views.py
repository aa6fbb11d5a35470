"""The performance dashboard (issue 14): every registered measure, by section, with its figure, its definition, a
month-by-month chart and its table, its breakdown, and the list of families behind every number.

Nothing here knows one measure from another: a measure registered in earlyhelp/services/measures_*.py appears on
the page, in its lists and in its CSV without a change here. Whose figures a person sees is performance/scope.py's;
what the filters may be is performance/forms.py's. Each measure costs the page one statement (measures.summary:
its figure, months and breakdown together), whatever the amount of data.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote_plus, urlencode

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from earlyhelp import clock, policy
from earlyhelp.access import case_worker
from earlyhelp.extensions import db
from earlyhelp.models import Family, Role, Service, Team, User
from earlyhelp.performance import bp, words
from earlyhelp.performance.charts import comparison_chart, month_chart, month_words, words_for
from earlyhelp.performance.forms import PerformanceFilters, default_period, presets
from earlyhelp.performance.scope import Scope, scope_for, visible_teams
from earlyhelp.services import measures
from earlyhelp.services.audit import record_read
from earlyhelp.services.measures import Figure, Filters, Kind, Measure, Rows
from earlyhelp.web import page_number, render_page, wants_fragment

PER_PAGE = 50
FILTER_NAMES = ("from", "to", "service", "team", "worker")
MAX_BREAKDOWN = 200  # a breakdown label in the address longer than any label: simply nothing behind it
# A breakdown longer than this (every worker of a large service) shows its first rows, the largest, and offers the
# rest: a manager compares the few at the top, and the page is not a thousand-row table.
BREAKDOWN_ROWS = 10
# The figures a manager acts on today, at the top of the page, in this order: registered measures, by key (one not
# registered is simply not shown).
ACT_NOW = (
    "next_steps_overdue",
    "decisions_late",
    "feedback_owed",
    "handover_meetings_in_time",
    "plan_reviews_overdue",
    "case_supervision_on_time",
    "caseloads",
)


def _scope() -> Scope:
    scope = scope_for(current_user)
    if scope is None:  # the route's roles already keep administrators out: this is the second lock
        abort(403)
    return scope


def _workers(scope: Scope, teams) -> list:
    """The workers this person may choose between, by name: one statement (none for their own figures)."""
    if scope.worker_id is not None:
        return [current_user]
    query = (
        select(User)
        .join(Role, Role.id == User.role_id)
        .where(User.active, Role.code.in_(sorted(policy.CASE_ROLES)))
        .order_by(User.name, User.id)
    )
    if scope.team_ids is not None:
        query = query.where(User.team_id.in_(sorted(scope.team_ids)))
    return [user for user in db.session.scalars(query).unique().all() if scope.may_choose_worker(user)]


def _form(scope: Scope) -> PerformanceFilters:
    teams = visible_teams(scope)
    services = sorted({team.service.id: team.service for team in teams}.values(), key=lambda service: service.name)
    form = PerformanceFilters(formdata=request.args, services=services, teams=teams, workers=_workers(scope, teams))
    if any(value.strip() for name in FILTER_NAMES for value in request.args.getlist(name)):
        form.validate()
    return form


def _measure(key: str) -> Measure:
    return measures.MEASURES.get(key) or abort(404)


def _scope_words(scope: Scope, filters: Filters | None) -> str:
    """Whose figures these are: whose the person may see, and what they chose of that (on the page and at the top
    of every CSV, so a file passed on is not taken for more than it holds)."""
    if scope.everything:
        words = "Every team and worker (restricted families only where you are named on them)"
    elif scope.worker_id is not None:
        words = "Your own figures"
    else:
        names = ", ".join(team.name for team in visible_teams(scope)) if scope.team_ids else ""
        words = f"Your team: {names}" if names else "Your team"
    chosen = []
    if filters is not None:
        for what, model, chosen_id in (
            ("the service", Service, filters.service_id),
            ("the team", Team, filters.team_id),
            ("the worker", User, filters.worker_id),
        ):
            record = db.session.get(model, chosen_id) if chosen_id is not None else None
            if record is not None and not (model is User and scope.worker_id is not None):
                chosen.append(f"{what} {record.name}")
    return f"{words}; only {' and '.join(chosen)}" if chosen else words


def _period_words(filters: Filters) -> str:
    return words.period_words(filters.period)


class Links:
    """The addresses of the lists behind a measure's numbers, built from one url_for and one urlencode per
    measure (a long breakdown table has hundreds of links: a url_for each was most of the page's rendering)."""

    def __init__(self, measure: Measure, arguments: dict):
        self.key = measure.key
        self._families = url_for("performance.families", key=measure.key) + "?" + urlencode(arguments, doseq=True)
        self._arguments = arguments

    def behind(self, rows: str, month: date | None = None, breakdown: str | None = None) -> str:
        href = f"{self._families}&rows={rows}"
        if month is not None:
            href += f"&month={month.isoformat()}"
        if breakdown is not None:
            href += f"&breakdown={quote_plus(breakdown)}"
        return href

    def csv(self, table: str | None = None) -> str:
        extra = {"table": table} if table else {}
        return url_for("performance.measure_csv", key=self.key, **self._arguments, **extra)

    def breakdown(self) -> str:
        return url_for("performance.breakdown", key=self.key, **self._arguments)


def breakdown_title(measure: Measure, breakdown_words: str) -> str:
    """ "Case notes written down late, by author"; a title that already says "by partner agency" is not said twice."""
    by = f"by {breakdown_words.lower()}"
    return measure.title if measure.title.lower().endswith(by) else f"{measure.title}, {by}"


@dataclass(frozen=True)
class Shown:
    """One measure as the dashboard shows it."""

    measure: Measure
    figure: Figure
    months: list[tuple[date, Figure]]
    breakdown: list[tuple[str, Figure]]
    links: Links
    breakdown_words: str  # what the breakdown is by (Measure.breakdown_words_for: a worker's, or their team's)
    all_rows: bool = False  # the whole breakdown, not only its first rows

    @property
    def words(self) -> str:
        return words_for(self.measure, self.figure)

    @property
    def empty(self) -> bool:
        return not self.figure.total

    @property
    def chart(self) -> Markup:
        # A figure as it stands at one moment has no trend (Measure.as_at): no months, no chart.
        if self.measure.as_at:
            return Markup("")
        return month_chart(self.measure, self.months, element_id=f"chart-{self.measure.key}")

    @property
    def breakdown_shown(self) -> list[tuple[str, Figure]]:
        return self.breakdown if self.all_rows else self.breakdown[:BREAKDOWN_ROWS]

    @property
    def breakdown_more(self) -> int:
        """How many rows of the breakdown are not shown."""
        return len(self.breakdown) - len(self.breakdown_shown)

    @property
    def comparison_rows(self) -> int:
        return BREAKDOWN_ROWS

    @property
    def comparison_limited(self) -> bool:
        return len(self.breakdown) > BREAKDOWN_ROWS

    @property
    def breakdown_title(self) -> str:
        return breakdown_title(self.measure, self.breakdown_words)

    @property
    def comparison(self) -> Markup:
        """The breakdown as bars: its first rows, the largest (the table beside it may have them all)."""
        return comparison_chart(
            self.measure,
            self.breakdown[:BREAKDOWN_ROWS],
            element_id=f"comparison-{self.measure.key}",
            title=self.breakdown_title,
            breakdown_words=self.breakdown_words,
        )

    def number_words(self, number: int, which: str = "total") -> str:
        """A measure's words agreeing with the number beside them: "1 case note", "2 case notes"."""
        return words.for_number(number, getattr(self.measure, f"{which}_words") or "records")


def _shown(measure: Measure, scope: Scope, filters: Filters, arguments: dict) -> Shown:
    # One statement: the figure, its months and its breakdown together.
    shown = measures.summary(measure, scope, filters)
    return Shown(
        measure,
        shown.figure,
        shown.months,
        shown.breakdown,
        Links(measure, arguments),
        measure.breakdown_words_for(scope, filters),
    )


@dataclass(frozen=True)
class Section:
    number: int
    name: str
    shown: list[Shown]

    @property
    def empty(self) -> bool:
        return all(item.empty for item in self.shown)

    @property
    def with_figures(self) -> int:
        return sum(1 for item in self.shown if not item.empty)


def _sections(scope: Scope, filters: Filters, arguments: dict) -> list[Section]:
    sections: dict[str, list[Shown]] = {}
    for measure in measures.MEASURES.values():
        sections.setdefault(measure.section, []).append(_shown(measure, scope, filters, arguments))
    return [Section(number, name, shown) for number, (name, shown) in enumerate(sections.items(), start=1)]


@dataclass(frozen=True)
class ActNow:
    """One figure of the "act now" summary: the number to act on, and the list it comes from."""

    item: Shown
    number: int  # it links to its families, and the list's count is this number
    words: str  # after the number
    link_rows: Rows
    of_words: str = ""  # "of 40 case supervisions due", when the number is part of a total


def _act_now(sections: list[Section]) -> list[ActNow]:
    shown = {item.measure.key: item for section in sections for item in section.shown}
    found = []
    for key in ACT_NOW:
        item = shown.get(key)
        if item is None:
            continue
        measure, figure = item.measure, item.figure
        if measure.kind == Kind.SHARE and measure.lower_is_better:  # the ones counted are the ones to act on
            found.append(ActNow(item, figure.counted, measure.counted_words, Rows.COUNTED, _of(measure, figure)))
        elif measure.kind == Kind.SHARE:  # the ones not counted are
            missed = figure.total - figure.counted
            found.append(ActNow(item, missed, f"not {measure.counted_words}", Rows.NOT_COUNTED, _of(measure, figure)))
        else:
            found.append(ActNow(item, figure.total, item.number_words(figure.total), Rows.ALL))
    return found


def _of(measure: Measure, figure: Figure) -> str:
    return f"of {words.counted(figure.total, measure.total_words or 'records')}"


@bp.get("")
@case_worker
def dashboard():
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    arguments = form.arguments(filters) if filters else {}
    sections = _sections(scope, filters, arguments) if filters else []
    return render_template(
        "performance/dashboard.html",
        form=form,
        filters=filters,
        arguments=arguments,
        sections=sections,
        act_now=_act_now(sections),
        presets=presets(),
        default_period=default_period(),
        scope_words=_scope_words(scope, filters),
        period_words=_period_words(filters) if filters else "",
        export_arguments=_export_arguments(arguments),
        month_words=month_words,
        Kind=Kind,
    )


def _export_arguments(arguments: dict) -> dict:
    """The dashboard's period and team, for the link to the inspection exports (which have no service or worker)."""
    return {name: value for name, value in arguments.items() if name in ("from", "to", "team")}


@bp.get("/<key>/breakdown")
@case_worker
def breakdown(key: str):
    """A measure's whole breakdown (the dashboard shows its first rows): in place with htmx, or a page of its own."""
    measure = _measure(key)
    if not measure.breakdown_words:
        abort(404)
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    arguments = form.arguments(filters) if filters else {}
    item = None
    if filters is not None:
        item = Shown(
            measure,
            measures.figure(measure, scope, filters),
            [],
            measures.by_breakdown(measure, scope, filters),
            Links(measure, arguments),
            measure.breakdown_words_for(scope, filters),
            all_rows=True,
        )
        record_read("breakdown", "performance_measure", measure.key[:40])
    return render_page(
        "performance/breakdown.html",
        "performance/_breakdown.html",
        measure=measure,
        form=form,
        filters=filters,
        item=item,
        arguments=arguments,
        scope_words=_scope_words(scope, filters),
        period_words=_period_words(filters) if filters else "",
        fragment=wants_fragment(),
        month_words=month_words,
        Kind=Kind,
    )


# The list of families behind a number


@dataclass(frozen=True)
class Behind:
    """Which rows of a measure a number stands for: its numerator (counted) or its whole total, in one month or
    the whole period, for one breakdown label or all."""

    which: Rows
    month: date | None
    breakdown: str | None

    @classmethod
    def from_request(cls) -> "Behind":
        month = request.args.get("month", "").strip()
        try:
            chosen = date.fromisoformat(month).replace(day=1) if month else None
        except ValueError:
            abort(404)  # a month nobody could have followed a link to
        breakdown = request.args.get("breakdown")
        if breakdown is not None and len(breakdown) > MAX_BREAKDOWN:
            abort(404)
        try:
            which = Rows(request.args.get("rows", Rows.COUNTED))
        except ValueError:
            abort(404)
        return cls(which, chosen, breakdown)

    def arguments(self) -> dict:
        values = {"rows": self.which.value}
        if self.month:
            values["month"] = self.month.isoformat()
        if self.breakdown is not None:
            values["breakdown"] = self.breakdown
        return values

    def words(self, measure: Measure, filters: Filters, breakdown_words: str, number: int = 2) -> str:
        """What the list is: "referrals decided: decided within one working day, in August 2027" (for one,
        "referral decided")."""
        what = words.for_number(number, measure.total_words or "records")
        if measure.counted_words and measure.kind == Kind.SHARE and self.which != Rows.ALL:
            what += f": {'not ' if self.which == Rows.NOT_COUNTED else ''}{measure.counted_words}"
        where = f" ({breakdown_words}: {self.breakdown or 'none given'})" if self.breakdown is not None else ""
        when = f"in {month_words(self.month)}" if self.month else _period_words(filters)
        return f"{what}{where}, {when}"


class RowsBehind(Pagination):
    """Flask-SQLAlchemy's pagination over a measure's rows: a page of them, and how many (two statements), and the
    page's family names (two more: a family's name is its household's surnames)."""

    def family_names(self) -> dict[int, str]:
        ids = {row.family_id for row in self.items}
        if not ids:
            return {}
        query = select(Family).where(Family.id.in_(sorted(ids))).options(selectinload(Family.members))
        return {family.id: family.name for family in db.session.scalars(query)}

    def _query_items(self) -> list:
        args = self._query_args
        return measures.rows_behind(
            args["measure"],
            args["scope"],
            args["filters"],
            which=args["behind"].which,
            month=args["behind"].month,
            breakdown=args["behind"].breakdown,
            limit=self.per_page,
            offset=self._query_offset,
        )

    def _query_count(self) -> int:
        args = self._query_args
        return measures.count_behind(
            args["measure"],
            args["scope"],
            args["filters"],
            which=args["behind"].which,
            month=args["behind"].month,
            breakdown=args["behind"].breakdown,
        )


@bp.get("/<key>/families")
@case_worker
def families(key: str):
    measure = _measure(key)
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    behind = Behind.from_request()
    rows = None
    breakdown_words = measure.breakdown_words_for(scope, filters) if filters else measure.breakdown_words
    if filters is not None:
        rows = RowsBehind(
            page=page_number(),
            per_page=PER_PAGE,
            max_per_page=None,
            error_out=False,
            measure=measure,
            scope=scope,
            filters=filters,
            behind=behind,
        )
        record_read("list", "performance_measure", measure.key[:40])
    arguments = form.arguments(filters) if filters else {}
    return render_page(
        "performance/families.html",
        "performance/_families.html",
        measure=measure,
        form=form,
        filters=filters,
        behind=behind,
        rows=rows,
        arguments=arguments,
        list_arguments=dict(arguments, **behind.arguments()),
        list_words=behind.words(measure, filters, breakdown_words, rows.total) if filters else "",
        breakdown_words=breakdown_words,
        scope_words=_scope_words(scope, filters),
        fragment=wants_fragment(),
        Kind=Kind,
    )


# CSV: every table and every list, with the measure's definition at the top


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such a cell starts with a quote, as the
    audit trail's export does (earlyhelp/services/access_log.py)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(lines: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in lines:
        writer.writerow([_cell(value) for value in line])
    return out.getvalue()


def _heading_lines(measure: Measure, filters: Filters, scope: Scope, what: str) -> list:
    return [
        [measure.title, what],
        ["Definition", measure.definition],
        ["Period", _period_words(filters)],
        ["Whose figures", _scope_words(scope, filters)],
        [],
    ]


def _percentage(figure: Figure) -> str:
    return "" if figure.percentage is None else str(figure.percentage)


def _average(figure: Figure) -> str:
    return "" if figure.average_days is None else f"{figure.average_days:.1f}"


def table_columns(measure: Measure, first: str) -> list[str]:
    """The columns of a measure's tables, on the page and in its CSV."""
    if measure.kind == Kind.SHARE:
        return [
            first,
            (measure.counted_words or "Counted").capitalize(),
            (measure.total_words or "Total").capitalize(),
            "Percentage",
        ]
    if measure.kind == Kind.AVERAGE_DAYS:
        return [first, (measure.total_words or "Total").capitalize(), "Average days"]
    return [first, (measure.total_words or "Total").capitalize()]


def _table_line(measure: Measure, label: str, figure: Figure) -> list:
    if measure.kind == Kind.SHARE:
        return [label, figure.counted, figure.total, _percentage(figure)]
    if measure.kind == Kind.AVERAGE_DAYS:
        return [label, figure.total, _average(figure)]
    return [label, figure.total]


def _refused(form: PerformanceFilters) -> Response:
    problems = "; ".join(message for messages in form.errors.values() for message in messages)
    return Response(f"These filters are not right: {problems}. Nothing was exported.\n", 400, mimetype="text/plain")


def _download(body: str, name: str) -> Response:
    filename = f"{name}-{clock.today():%Y-%m-%d}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<key>.csv")
@case_worker
def measure_csv(key: str):
    """The measure's month-by-month table, or (table=breakdown) its breakdown table."""
    measure = _measure(key)
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    if filters is None:
        return _refused(form)
    if (request.args.get("table") == "breakdown" or measure.as_at) and measure.breakdown_words:
        by = measure.breakdown_words_for(scope, filters)
        lines = _heading_lines(measure, filters, scope, breakdown_title(measure, by))
        lines.append(table_columns(measure, by))
        for label, figure in measures.by_breakdown(measure, scope, filters):
            lines.append(_table_line(measure, label or "None given", figure))
        name = f"{measure.key}-by-{by.lower().replace(' ', '-')}"
    else:
        lines = _heading_lines(measure, filters, scope, "Month by month")
        lines.append(table_columns(measure, "Month"))
        for month, figure in measures.by_month(measure, scope, filters):
            lines.append(_table_line(measure, month_words(month), figure))
        lines.append(_table_line(measure, "Whole period", measures.figure(measure, scope, filters)))
        name = measure.key
    record_read("export", "performance_measure", measure.key[:40])
    return _download(_csv(lines), name.replace("_", "-"))


def family_columns(measure: Measure, breakdown_words: str) -> list[str]:
    columns = ["Family", "As at" if measure.as_at else "Date"]
    if measure.kind == Kind.SHARE:
        columns.append((measure.counted_words or "Counted").capitalize())
    if measure.days_heading:
        columns.append(measure.days_heading)
    if breakdown_words:
        columns.append(breakdown_words)
    return [*columns, "Detail"]


@bp.get("/<key>/families.csv")
@case_worker
def families_csv(key: str):
    """Every row behind the number (not only one page of them), with the same filters."""
    measure = _measure(key)
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    if filters is None:
        return _refused(form)
    behind = Behind.from_request()
    rows = measures.rows_behind(
        measure, scope, filters, which=behind.which, month=behind.month, breakdown=behind.breakdown
    )
    by = measure.breakdown_words_for(scope, filters)
    lines = _heading_lines(measure, filters, scope, f"{len(rows)} {behind.words(measure, filters, by, len(rows))}")
    lines.append(family_columns(measure, by))
    for row in rows:
        line = [row.family_reference, row.on.isoformat()]
        if measure.kind == Kind.SHARE:
            line.append("Yes" if row.counted else "No")
        if measure.days_heading:
            line.append("" if row.days is None else row.days)
        if by:
            line.append(row.breakdown)
        lines.append([*line, row.detail])
    record_read("export", "performance_measure", measure.key[:40])
    return _download(_csv(lines), f"{measure.key.replace('_', '-')}-families")
