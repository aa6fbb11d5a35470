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

from flask import Response, abort, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import select

from earlyhelp import clock, policy
from earlyhelp.access import case_worker
from earlyhelp.extensions import db
from earlyhelp.models import Role, User
from earlyhelp.performance import bp
from earlyhelp.performance.charts import month_chart, month_words, words_for
from earlyhelp.performance.forms import PerformanceFilters, default_period, presets
from earlyhelp.performance.scope import Scope, scope_for, visible_teams
from earlyhelp.services import measures
from earlyhelp.services.audit import record_read
from earlyhelp.services.measures import Figure, Filters, Kind, Measure
from earlyhelp.web import page_number, render_page, wants_fragment

PER_PAGE = 50
FILTER_NAMES = ("from", "to", "service", "team", "worker")
MAX_BREAKDOWN = 200  # a breakdown label in the address longer than any label: simply nothing behind it


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


def _scope_words(scope: Scope) -> str:
    if scope.everything:
        return "Every team and worker (restricted families only where you are named on them)"
    if scope.worker_id is not None:
        return "Your own figures"
    names = ", ".join(team.name for team in visible_teams(scope)) if scope.team_ids else ""
    return f"Your team: {names}" if names else "Your team"


def _period_words(filters: Filters) -> str:
    return f"{clock.long_day(filters.period.start)} to {clock.long_day(filters.period.end)}"


@dataclass(frozen=True)
class Shown:
    """One measure as the dashboard shows it."""

    measure: Measure
    figure: Figure
    months: list[tuple[date, Figure]]
    breakdown: list[tuple[str, Figure]]
    chart: Markup

    @property
    def words(self) -> str:
        return words_for(self.measure, self.figure)


def _shown(measure: Measure, scope: Scope, filters: Filters) -> Shown:
    # One statement: the figure, its months and its breakdown together. A figure as it stands at one moment has no
    # trend (Measure.as_at): no months, no chart.
    shown = measures.summary(measure, scope, filters)
    return Shown(
        measure=measure,
        figure=shown.figure,
        months=shown.months,
        breakdown=shown.breakdown,
        chart=Markup("") if measure.as_at else month_chart(measure, shown.months, element_id=f"chart-{measure.key}"),
    )


def _sections(scope: Scope, filters: Filters) -> list[tuple[str, list[Shown]]]:
    sections: dict[str, list[Shown]] = {}
    for measure in measures.MEASURES.values():
        sections.setdefault(measure.section, []).append(_shown(measure, scope, filters))
    return list(sections.items())


@bp.get("")
@case_worker
def dashboard():
    scope = _scope()
    form = _form(scope)
    filters = form.filters()
    return render_template(
        "performance/dashboard.html",
        form=form,
        filters=filters,
        arguments=form.arguments(filters) if filters else {},
        sections=_sections(scope, filters) if filters else [],
        presets=presets(),
        default_period=default_period(),
        scope_words=_scope_words(scope),
        period_words=_period_words(filters) if filters else "",
        month_words=month_words,
        Kind=Kind,
    )


# The list of families behind a number


@dataclass(frozen=True)
class Behind:
    """Which rows of a measure a number stands for: its numerator (counted) or its whole total, in one month or
    the whole period, for one breakdown label or all."""

    counted_only: bool
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
        return cls(request.args.get("rows", "counted") != "all", chosen, breakdown)

    def arguments(self) -> dict:
        values = {"rows": "counted" if self.counted_only else "all"}
        if self.month:
            values["month"] = self.month.isoformat()
        if self.breakdown is not None:
            values["breakdown"] = self.breakdown
        return values

    def words(self, measure: Measure, filters: Filters) -> str:
        """What the list is: "referrals decided: decided within one working day, in August 2027"."""
        what = measure.total_words or "records"
        if self.counted_only and measure.counted_words and measure.kind == Kind.SHARE:
            what += f": {measure.counted_words}"
        where = f" ({measure.breakdown_words}: {self.breakdown or 'none given'})" if self.breakdown is not None else ""
        when = f"in {month_words(self.month)}" if self.month else _period_words(filters)
        return f"{what}{where}, {when}"


class RowsBehind(Pagination):
    """Flask-SQLAlchemy's pagination over a measure's rows: a page of them, and how many (two statements)."""

    def _query_items(self) -> list:
        args = self._query_args
        return measures.rows_behind(
            args["measure"],
            args["scope"],
            args["filters"],
            counted_only=args["behind"].counted_only,
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
            counted_only=args["behind"].counted_only,
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
        list_words=behind.words(measure, filters) if filters else "",
        scope_words=_scope_words(scope),
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
        ["Whose figures", _scope_words(scope)],
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
        lines = _heading_lines(measure, filters, scope, f"By {measure.breakdown_words.lower()}")
        lines.append(table_columns(measure, measure.breakdown_words))
        for label, figure in measures.by_breakdown(measure, scope, filters):
            lines.append(_table_line(measure, label or "None given", figure))
        name = f"{measure.key}-by-{measure.breakdown_words.lower().replace(' ', '-')}"
    else:
        lines = _heading_lines(measure, filters, scope, "Month by month")
        lines.append(table_columns(measure, "Month"))
        for month, figure in measures.by_month(measure, scope, filters):
            lines.append(_table_line(measure, month_words(month), figure))
        lines.append(_table_line(measure, "Whole period", measures.figure(measure, scope, filters)))
        name = measure.key
    record_read("export", "performance_measure", measure.key[:40])
    return _download(_csv(lines), name.replace("_", "-"))


def family_columns(measure: Measure) -> list[str]:
    columns = ["Family", "Date"]
    if measure.kind == Kind.SHARE:
        columns.append((measure.counted_words or "Counted").capitalize())
    if measure.kind == Kind.AVERAGE_DAYS:
        columns.append("Days")
    if measure.breakdown_words:
        columns.append(measure.breakdown_words)
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
        measure, scope, filters, counted_only=behind.counted_only, month=behind.month, breakdown=behind.breakdown
    )
    lines = _heading_lines(measure, filters, scope, f"{len(rows)} {behind.words(measure, filters)}")
    lines.append(family_columns(measure))
    for row in rows:
        line = [row.family_reference, row.on.isoformat()]
        if measure.kind == Kind.SHARE:
            line.append("Yes" if row.counted else "No")
        if measure.kind == Kind.AVERAGE_DAYS:
            line.append("" if row.days is None else row.days)
        if measure.breakdown_words:
            line.append(row.breakdown)
        lines.append([*line, row.detail])
    record_read("export", "performance_measure", measure.key[:40])
    return _download(_csv(lines), f"{measure.key.replace('_', '-')}-families")
