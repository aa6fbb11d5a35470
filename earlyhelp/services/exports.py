"""Inspection exports (issue 14, items 4 and 5): the early help list in the shape of Ofsted's ILACS Annex A, and
an early help episodes extract in the shape of the Standard Safeguarding Dataset's ssd_early_help_episodes table.

Both are one row for each child in each early help episode that was open at any time in the chosen period
(started on or before its last day, and not ended before its first), from one SELECT each, built with the
viewer's Scope and the chosen Filters through measures.limited, as every figure is: a team manager gets their
team's episodes, a head of service every team's, and a restricted family is left out for anyone not named on it.

Where the shapes come from (docs/annex-a.md says the same, with every column):

- Annex A: Ofsted, "Inspecting local authority children's services" (ILACS), Annex A, list 2 "Early help": "All
  early help assessments in the six months before the date of inspection. Also, current early help interventions
  that are being coordinated through the local authority." Ofsted's own spreadsheet could not be read from here:
  the columns are as Data to Insight publish them in their Annex A query for the Standard Safeguarding Dataset
  (github.com/data-to-insight/ssd-data-model, "Ofsted List 2 - Early Help Assessments", last modified 17/01/24):
  CHILD_ID, GENDER, ETHNICITY, DATE_OF_BIRTH, AGE, the early help start and end dates and the organisation,
  with dates as dd/mm/yyyy and an unborn child's age as -1. The lead worker, team, reason, referrer and step-up
  columns are as councils commonly add them; a council chooses which columns with EARLY_HELP_LIST_COLUMNS.
- SSD: the ssd_early_help_episodes table of data-to-insight/ssd-data-model (items EARL001A to EARL008A):
  earl_episode_id, earl_person_id, earl_episode_start_date, earl_episode_end_date, earl_episode_reason,
  earl_episode_end_reason, earl_episode_organisation, earl_episode_worker_id.

The columns are tables (ANNEX_A_COLUMNS, SSD_COLUMNS) of (key, heading, SQL value, definition): a council that needs
another column adds a row there, and never touches the query. Every cell that starts like a formula (= + - @, a
tab or a carriage return) starts with a quote instead, so a spreadsheet shows it and never runs it.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Integer, String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from earlyhelp.domain.ethnicity import ETHNICITIES, SEXES
from earlyhelp.domain.transfers import Direction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Agency, Episode, Family, LevelOfNeed, Person, Referral, Service, Team, Transfer, User
from earlyhelp.services.audit import record_read
from earlyhelp.services.measures import Filters, limited

# The services whose episodes are early help. Services are rows a council renames; their codes stay.
EARLY_HELP_SERVICE_CODES = ("early_help",)


class date_number(FunctionElement):
    """A date as the whole number yyyymmdd: whole years between two of them are (later - earlier) // 10000."""

    type = Integer()
    inherit_cache = True


@compiles(date_number, "postgresql")
def _date_number_pg(element, compiler, **kw):
    return f"CAST(to_char({compiler.process(element.clauses, **kw)}, 'YYYYMMDD') AS INTEGER)"


@compiles(date_number, "sqlite")
def _date_number_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%Y%m%d', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Sources:
    """What a column's value may read: the episode, the child, the lead, the team and service, the referral."""

    episode: type
    family: type
    child: type
    lead: object
    team: type
    service: type
    referral: type
    level: object
    agency: type
    filters: Filters


@dataclass(frozen=True)
class Column:
    key: str  # in EARLY_HELP_LIST_COLUMNS: lower case and underscores
    heading: str  # the CSV's heading
    value: Callable[[Sources], object]  # a SQL expression
    definition: str  # what it holds, for docs/annex-a.md and the exports page
    kind: str = "text"  # "date": written as the shape asks (dd/mm/yyyy for Annex A, yyyy-mm-dd for the SSD)


def _age(s: Sources):
    # At the period's last day (the "date of inspection"), in whole years at the last birthday; -1 unborn.
    end = s.filters.period.end
    return case(
        (s.child.date_of_birth.is_(None), None),
        (s.child.date_of_birth > end, -1),
        else_=(int(end.strftime("%Y%m%d")) - date_number(s.child.date_of_birth)) // 10000,
    )


def _labelled(column, labels: dict[str, str]):
    return case(labels, value=column, else_=column) if labels else column


def _stepped_up(s: Sources):
    request = aliased(Transfer)
    return case(
        (
            exists(
                select(request.id).where(
                    request.from_episode_id == s.episode.id,
                    request.direction == Direction.STEP_UP.value,
                    request.state.in_([TransferState.ACCEPTED, TransferState.HANDOVER_COMPLETE]),
                )
            ),
            "Yes",
        ),
        else_="No",
    )


def _reason(s: Sources):
    return case(
        (s.level.id.is_not(None), literal("Level ") + cast(s.level.number, String) + literal(": ") + s.level.name),
        (s.episode.referral_id.is_(None), literal("Stepped down or opened without a referral")),
        else_=literal(""),
    )


def _organisation(s: Sources):
    return func.coalesce(s.team.name, s.service.name)


ANNEX_A_COLUMNS: tuple[Column, ...] = (
    Column("child_id", "CHILD_ID", lambda s: s.child.id, "The child's person id in this system (never changes)."),
    Column(
        "gender",
        "GENDER",
        lambda s: _labelled(s.child.sex, {code: sex.label for code, sex in SEXES.items()}),
        "The child's sex as recorded (Female, Male, Not known, Not stated); blank if nobody has asked.",
    ),
    Column(
        "ethnicity",
        "ETHNICITY",
        lambda s: _labelled(s.child.ethnicity, {code: e.label for code, e in ETHNICITIES.items()}),
        "The child's ethnicity as recorded (2021 Census categories, 'White: Irish'); blank if nobody has asked.",
    ),
    Column("date_of_birth", "DATE_OF_BIRTH", lambda s: s.child.date_of_birth, "The child's date of birth.", "date"),
    Column(
        "age",
        "AGE",
        _age,
        "Age in whole years on the last day of the period (at the last birthday); -1 for a child not yet born.",
    ),
    Column(
        "start_date",
        "EARLY_HELP_START_DATE",
        lambda s: s.episode.started_on,
        "The day the family's early help episode started.",
        "date",
    ),
    Column(
        "end_date",
        "EARLY_HELP_END_DATE",
        lambda s: s.episode.ended_on,
        "The day it ended; blank while it is open.",
        "date",
    ),
    Column(
        "organisation",
        "ORGANISATION",
        _organisation,
        "The team providing early help (the service's name if no team holds the episode).",
    ),
    Column("team", "TEAM", lambda s: s.team.name, "The team holding the episode; blank if none does."),
    Column("lead_worker", "LEAD_WORKER", lambda s: s.lead.name, "The family's lead practitioner now; blank if none."),
    Column(
        "reason",
        "REASON",
        _reason,
        "Why early help started: the level of need decided on the referral that opened it (as referred, if not "
        "decided); 'Stepped down or opened without a referral' when no referral opened it.",
    ),
    Column("referred_by", "REFERRED_BY", lambda s: s.agency.name, "The kind of agency that referred; blank if none."),
    Column(
        "end_reason",
        "END_REASON",
        lambda s: s.episode.closure_reason,
        "Why the episode ended, as the person who closed it wrote it; blank while it is open.",
    ),
    Column(
        "stepped_up",
        "STEPPED_UP",
        _stepped_up,
        "Yes when a step-up request from this episode was accepted (to children's social care); otherwise No.",
    ),
    Column(
        "family_reference",
        "FAMILY_REFERENCE",
        lambda s: s.family.reference,
        "The family's reference in this system: every child of a family shares it.",
    ),
)

# Annex A's own columns, in its order, then those councils commonly add: what EARLY_HELP_LIST_COLUMNS is unset.
DEFAULT_ANNEX_A_KEYS = (
    "child_id",
    "gender",
    "ethnicity",
    "date_of_birth",
    "age",
    "start_date",
    "end_date",
    "organisation",
    "lead_worker",
    "reason",
    "stepped_up",
)

SSD_COLUMNS: tuple[Column, ...] = (
    Column(
        "earl_episode_id",
        "earl_episode_id",
        lambda s: cast(s.episode.id, String) + literal("-") + cast(s.child.id, String),
        "EARL001A: the episode's id and the child's person id, as episode-person (one row per child).",
    ),
    Column("earl_person_id", "earl_person_id", lambda s: s.child.id, "EARL002A: the child's person id."),
    Column(
        "earl_episode_start_date",
        "earl_episode_start_date",
        lambda s: s.episode.started_on,
        "EARL003A: the day the episode started.",
        "date",
    ),
    Column(
        "earl_episode_end_date",
        "earl_episode_end_date",
        lambda s: s.episode.ended_on,
        "EARL004A: the day it ended; blank while open.",
        "date",
    ),
    Column("earl_episode_reason", "earl_episode_reason", _reason, "EARL005A: why it started (as REASON above)."),
    Column(
        "earl_episode_end_reason",
        "earl_episode_end_reason",
        lambda s: s.episode.closure_reason,
        "EARL006A: why it ended; blank while open.",
    ),
    Column(
        "earl_episode_organisation",
        "earl_episode_organisation",
        _organisation,
        "EARL007A: the team providing it (the service's name if no team holds it).",
    ),
    Column(
        "earl_episode_worker_id",
        "earl_episode_worker_id",
        lambda s: s.lead.id,
        "EARL008A: the lead practitioner's user id (ssd_professionals); blank if none.",
    ),
)


def _setting_keys(setting: str | None) -> list[str]:
    if setting is None:
        setting = current_app.config["EARLY_HELP_LIST_COLUMNS"]
    keys = [key.strip().lower() for key in setting.split(",") if key.strip()]
    return list(dict.fromkeys(keys or DEFAULT_ANNEX_A_KEYS))


def annex_a_setting_problem(setting: str | None = None) -> str | None:
    """What is wrong with EARLY_HELP_LIST_COLUMNS, if it names a column there is none of: the list is not
    downloaded while it does (an inspector would get other columns than the council chose)."""
    known = [column.key for column in ANNEX_A_COLUMNS]
    unknown = [key for key in _setting_keys(setting) if key not in known]
    if not unknown:
        return None
    return (
        f"The setting EARLY_HELP_LIST_COLUMNS names {', '.join(repr(key) for key in unknown)}, which "
        f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of the early help list. "
        f"The columns are: {', '.join(known)}."
    )


def annex_a_columns(setting: str | None = None) -> tuple[Column, ...]:
    """The columns EARLY_HELP_LIST_COLUMNS chooses (keys separated by commas, in the order wanted), or the default
    when it is unset. A key that names no column is left out here, and annex_a_setting_problem says so."""
    known = {column.key: column for column in ANNEX_A_COLUMNS}
    return tuple(known[key] for key in _setting_keys(setting) if key in known)


@dataclass(frozen=True)
class Export:
    key: str
    title: str
    filename: str  # without the date and .csv
    record_type: str  # the audit event's record type
    date_format: str
    description: str


ANNEX_A = Export(
    "annex_a",
    "Early help list (Ofsted ILACS Annex A, list 2)",
    "annex-a-early-help",
    "annex_a_early_help_list",
    "%d/%m/%Y",
    "One row for each child in each early help episode open at any time in the period, as Ofsted asks for it "
    "before an inspection of local authority children's services.",
)
SSD_EPISODES = Export(
    "ssd_early_help_episodes",
    "Early help episodes (Standard Safeguarding Dataset)",
    "ssd-early-help-episodes",
    "ssd_early_help_episodes",
    "%Y-%m-%d",
    "The same episodes, one row for each child, in the shape of the ssd_early_help_episodes table of Data to "
    "Insight's Standard Safeguarding Dataset.",
)
EXPORTS = (ANNEX_A, SSD_EPISODES)


def _query(columns: tuple[Column, ...], scope, filters: Filters):
    """One SELECT: each child in each early help episode open in the period, the viewer's scope and filters on."""
    lead = aliased(User)
    level = aliased(LevelOfNeed)
    sources = Sources(Episode, Family, Person, lead, Team, Service, Referral, level, Agency, filters)
    period = filters.period
    query = (
        select(*[column.value(sources).label(column.key) for column in columns])
        .select_from(Episode)
        .join(Family, Family.id == Episode.family_id)
        .join(Service, Service.id == Episode.service_id)
        .join(Person, and_(Person.family_id == Episode.family_id, Person.is_child.is_(True)))
        .outerjoin(Team, Team.id == Episode.team_id)
        .outerjoin(lead, lead.id == Episode.lead_id)
        .outerjoin(Referral, Referral.id == Episode.referral_id)
        .outerjoin(level, level.id == func.coalesce(Referral.decided_level_id, Referral.level_id))
        .outerjoin(Agency, Agency.id == Referral.agency_id)
        .where(
            Service.code.in_(EARLY_HELP_SERVICE_CODES),
            Episode.started_on <= period.end,
            or_(Episode.ended_on.is_(None), Episode.ended_on >= period.start),
            # In the household while the episode was open: a child who left before it began, or joined after it
            # ended, was not part of this family's early help.
            Person.in_household.is_(True),
            or_(Person.left_on.is_(None), Person.left_on >= Episode.started_on),
            or_(Person.joined_on.is_(None), Person.joined_on <= func.coalesce(Episode.ended_on, period.end)),
        )
        .order_by(Episode.started_on, Episode.id, Person.id)
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Episode.family_id,
        team_id=Episode.team_id,
        worker_id=Episode.lead_id,
        service_id=Episode.service_id,
    )


def columns_of(export: Export) -> tuple[Column, ...]:
    return annex_a_columns() if export is ANNEX_A else SSD_COLUMNS


def rows(export: Export, scope, filters: Filters) -> list[tuple]:
    """The export's rows, as the database gives them: one statement."""
    return [tuple(row) for row in db.session.execute(_query(columns_of(export), scope, filters)).all()]


def count(export: Export, scope, filters: Filters) -> int:
    """How many rows the export has: one statement."""
    query = _query(columns_of(export), scope, filters).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(query))


# Columns an inspector expects filled in for every child: the exports page says how many rows leave each blank,
# before the list is sent.
EXPECTED_FILLED = ("gender", "ethnicity", "date_of_birth")


def blanks(export: Export, scope, filters: Filters) -> list[tuple[str, int]]:
    """(heading, rows blank) for each expected column of the export that any row leaves blank: one statement."""
    columns = [column for column in columns_of(export) if column.key in EXPECTED_FILLED]
    if not columns:
        return []
    rows = _query(columns, scope, filters).order_by(None).subquery()

    def blank(column):  # a text left unanswered is stored as "" (models.Person.sex, .ethnicity)
        value = rows.c[column.key]
        return value.is_(None) if column.kind == "date" else or_(value.is_(None), value == "")

    counts = db.session.execute(select(*[func.sum(case((blank(column), 1), else_=0)) for column in columns])).one()
    return [(column.heading, int(blank)) for column, blank in zip(columns, counts, strict=True) if blank]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value, kind: str = "text", date_format: str = "%Y-%m-%d") -> str:
    """One CSV cell: a date as the shape writes it, nothing as blank, and never a formula (CSV injection)."""
    if value is None:
        return ""
    if kind == "date":
        value = date.fromisoformat(value) if isinstance(value, str) else value
        return value.strftime(date_format)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_text(export: Export, scope, filters: Filters) -> tuple[str, int]:
    """The export as CSV text (headings first), and how many rows it has: one statement."""
    columns = columns_of(export)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.heading for column in columns])
    found = rows(export, scope, filters)
    for row in found:
        writer.writerow(
            [cell(value, column.kind, export.date_format) for value, column in zip(row, columns, strict=True)]
        )
    return out.getvalue(), len(found)


def describe(filters: Filters, team_name: str | None) -> str:
    """The filters, as the audit event and the file's name say them."""
    period = filters.period
    words = f"period {period.start.isoformat()} to {period.end.isoformat()}"
    return words + (f"; team {filters.team_id} ({team_name})" if filters.team_id else "; every team in scope")


def record_export(export: Export, filters: Filters, team_name: str | None, row_count: int) -> None:
    """The audit event of an export: what was exported, with which filters, and how many rows (never what they say)."""
    columns = ",".join(column.key for column in columns_of(export))
    detail = f"{export.key}: {describe(filters, team_name)}; {row_count} rows; columns {columns}"
    record_read("export", export.record_type, detail=detail)
