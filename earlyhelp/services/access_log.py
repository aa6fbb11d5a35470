"""Reading the audit trail: who has looked at a family, the records a person opened, and the head of
service's view of break-glass openings and restricted families.

Each list is one query with the people's names joined in (never a query per row), paged in SQL. The
audit trail holds identifiers only, so these pages show who, when, what kind of record and the outcome,
never a record's content. Who may read them is decided in earlyhelp/policy.py.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, not_, select
from sqlalchemy.orm import aliased

from earlyhelp import clock, policy
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, BreakGlass, Family, Role, Team, User

PER_PAGE = 25
EXPORT_LIMIT = 50_000  # a family's whole trail is far smaller; this only bounds a runaway export
BREAK_GLASS_DAYS = 30
# Looking at (or downloading) the who-has-looked page itself: kept in the audit table, never listed with the
# family's events, or a manager's every visit would bury what others did.
OWN_PAGE = "audit_event"
# A break-glass opening and its audit event are written in one transaction, a moment apart.
SAME_OPENING = timedelta(seconds=60)

# Kinds of event a manager filters by: what was done, in words, and which audit actions it covers.
READ_ACTIONS = ("view", "open", "list", "search", "report")
DOWNLOAD_ACTIONS = ("download", "print", "export")
BREAK_GLASS = "break_glass"
KINDS = {
    "view": "Viewed",
    "change": "Changed",
    "download": "Downloaded or printed",
    BREAK_GLASS: "Broke the glass",
    "denied": "Denied or refused",  # every attempt turned away, "Tried to break the glass" among them
}

ACTION_WORDS = {
    "view": "Viewed",
    "open": "Opened",
    "list": "Listed",
    "search": "Searched",
    "report": "Reported on",
    "download": "Downloaded",
    "print": "Printed",
    "export": "Exported",
    BREAK_GLASS: "Broke the glass",
    "create": "Created",
    "update": "Changed",
    "change": "Changed",
    "decide": "Decided",
    "approve": "Approved",
    "submit": "Submitted",
    "rate": "Rated",
    "feedback": "Gave feedback",
    "issue": "Issued",
    "restrict": "Restricted",
    "unrestrict": "Lifted the restriction",
    "correct": "Corrected",
    "amend": "Amended",
    "withdraw": "Withdrew",
    "mark_duplicate": "Marked as a duplicate",
    "sign_off": "Signed off",
    "correct_feedback": "Corrected the feedback",
    "record_referral": "Recorded a referral",
    "add_case_note": "Added a case note",
    "add_person": "Added someone to the record",
    "leave": "Recorded leaving the household",
}

# What a person was trying to do, for an attempt that was turned away: "Tried to open".
TRIED_VERBS = {
    "view": "view",
    "open": "open",
    "change": "change",  # a refused POST (earlyhelp/access.py)
    "list": "list",
    "search": "search",
    "report": "report on",
    "download": "download",
    "print": "print",
    "export": "export",
    BREAK_GLASS: "break the glass",
    "create": "create",
    "update": "change",
    "feedback": "give feedback",
    "unrestrict": "lift the restriction",
}

OUTCOME_WORDS = {"ok": "Done", "denied": "Denied", "refused": "Refused"}
TURNED_AWAY = ("denied", "refused")


def action_words(action: str, outcome: str = "ok") -> str:
    if outcome in TURNED_AWAY:
        return "Tried to " + TRIED_VERBS.get(action, action.replace("_", " "))
    return ACTION_WORDS.get(action) or action.replace("_", " ").capitalize()


def record_words(record_type: str, record_id: str | None) -> str:
    """ "Family plan 12": the kind of record and its id. The family itself is just "Family record"."""
    if record_type == "family":
        return "Family record"
    if record_type == "audit_event":
        return "Who has looked"
    words = record_type.replace("_", " ").capitalize()
    return f"{words} {record_id}" if record_id else words


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome.capitalize())


@dataclass(frozen=True)
class EventFilters:
    """What a manager narrowed the list to. Dates are London days, both ends included."""

    user_id: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: object
    user_id: int | None
    who: str
    role: str
    team: str
    action: str
    record_type: str
    record_id: str | None
    outcome: str
    request_id: str | None
    detail: str
    family_id: int | None = None
    family_reference: str | None = None

    @property
    def what(self) -> str:
        return action_words(self.action, self.outcome)

    @property
    def role_and_team(self) -> str:
        """ "Early help practitioner, Early help south": an outsider stands out at once."""
        return ", ".join(part for part in (self.role, self.team) if part)

    @property
    def record(self) -> str:
        return record_words(self.record_type, self.record_id)

    @property
    def result(self) -> str:
        return outcome_words(self.outcome)

    @property
    def broke_glass(self) -> bool:
        """Only an opening that happened: a refused attempt reads "Tried to break the glass", with no red tag."""
        return self.action == BREAK_GLASS and self.outcome == "ok"

    @property
    def was_refused(self) -> bool:
        return self.outcome in TURNED_AWAY


class RowPagination(Pagination):
    """Flask-SQLAlchemy's pagination for a select of several columns (its own keeps only the first)."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [_row(row) for row in db.session.execute(query)]

    def _query_count(self) -> int:
        sub = self._query_args["select"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(sub))


def _events(*, with_family: bool = False) -> Select:
    # The family is an alias: policy.not_restricted_for() asks about Family in a subquery of its own.
    family = aliased(Family)
    columns = [
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.user_id,
        func.coalesce(User.name, "").label("who"),
        func.coalesce(Role.name, AuditEvent.role, "").label("role"),
        func.coalesce(Team.name, "").label("team"),
        AuditEvent.action,
        AuditEvent.record_type,
        AuditEvent.record_id,
        AuditEvent.outcome,
        AuditEvent.request_id,
        AuditEvent.detail,
    ]
    if with_family:
        columns += [AuditEvent.family_id, family.reference.label("family_reference")]
    query = (
        select(*columns)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Role, Role.code == AuditEvent.role)
        .outerjoin(Team, Team.id == User.team_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if with_family:
        query = query.join(family, family.id == AuditEvent.family_id)
    return query


def _row(row) -> EventRow:
    return EventRow(**row._mapping)


def _kind_clause(kind: str):
    if kind == "view":
        return and_(AuditEvent.action.in_(READ_ACTIONS), AuditEvent.outcome == "ok")
    if kind == "download":
        return and_(AuditEvent.action.in_(DOWNLOAD_ACTIONS), AuditEvent.outcome == "ok")
    if kind == BREAK_GLASS:
        return and_(AuditEvent.action == BREAK_GLASS, AuditEvent.outcome == "ok")
    if kind == "change":
        return and_(
            not_(AuditEvent.action.in_((*READ_ACTIONS, *DOWNLOAD_ACTIONS, BREAK_GLASS))), AuditEvent.outcome == "ok"
        )
    if kind == "denied":
        return AuditEvent.outcome.in_(TURNED_AWAY)
    raise ValueError(f"unknown kind of event: {kind}")


def family_events(family_id: int, filters: EventFilters = EventFilters()) -> Select:
    """Everything recorded about one family, newest first, narrowed by the filters (one indexed query).

    Views of this very list (record type "audit_event") are left out: they stay in the audit table."""
    query = _events().where(AuditEvent.family_id == family_id, AuditEvent.record_type != OWN_PAGE)
    if filters.user_id:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.kind:
        query = query.where(_kind_clause(filters.kind))
    if filters.since:
        query = query.where(AuditEvent.at >= clock.at_london(filters.since, time.min))
    if filters.until:
        query = query.where(AuditEvent.at < clock.at_london(filters.until + timedelta(days=1), time.min))
    return query


def family_page(family_id: int, filters: EventFilters, *, page: int, per_page: int = PER_PAGE) -> RowPagination:
    return RowPagination(
        page=page, per_page=per_page, max_per_page=None, error_out=False, select=family_events(family_id, filters)
    )


def people_who_looked(family_id: int) -> list[tuple[int, str]]:
    """Everyone with an event on this family, for the person filter: one query."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(
            User.id.in_(
                select(AuditEvent.user_id).where(AuditEvent.family_id == family_id, AuditEvent.record_type != OWN_PAGE)
            )
        )
        .order_by(User.name, User.id)
    )
    return [(row.id, row.name) for row in rows]


@dataclass(frozen=True)
class Opening:
    """One break-glass opening of a family: who, when, until when, and the reason they gave."""

    user_id: int
    who: str
    role: str
    team: str
    at: object
    expires_at: object
    reason: str

    @property
    def role_and_team(self) -> str:
        return ", ".join(part for part in (self.role, self.team) if part)

    @property
    def ended(self) -> bool:
        return self.expires_at <= clock.now()


def family_openings(family_id: int) -> list[Opening]:
    """Every break-glass opening of this family, newest first, with the person's role and team: one query."""
    rows = db.session.execute(
        select(
            BreakGlass.user_id,
            User.name,
            func.coalesce(Role.name, ""),
            func.coalesce(Team.name, ""),
            BreakGlass.at,
            BreakGlass.expires_at,
            BreakGlass.reason,
        )
        .join(User, User.id == BreakGlass.user_id)
        .outerjoin(Role, Role.id == User.role_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(BreakGlass.family_id == family_id)
        .order_by(BreakGlass.at.desc(), BreakGlass.id.desc())
    )
    return [Opening(*row) for row in rows]


def _reason_for(event: EventRow, openings: list[Opening]) -> str:
    """The reason given for the opening this break-glass event recorded: the same person's opening nearest in
    time (the two are written together, in one transaction). Matched here rather than in SQL, where adding
    seconds to a timestamp is written differently by each database."""
    if not event.broke_glass:
        return ""
    near = [o for o in openings if o.user_id == event.user_id and abs(o.at - event.at) <= SAME_OPENING]
    return min(near, key=lambda o: abs(o.at - event.at)).reason if near else ""


def records_opened(user, *, page: int, per_page: int = PER_PAGE) -> RowPagination:
    """One person's own events that were about a family, newest first, with the family's reference.

    A family since restricted without naming them is left out, as it is from every other list."""
    query = _events(with_family=True).where(
        AuditEvent.user_id == user.id,
        AuditEvent.family_id.is_not(None),
        policy.not_restricted_for(user, AuditEvent.family_id),
    )
    return RowPagination(page=page, per_page=per_page, max_per_page=None, error_out=False, select=query)


# The export

CSV_COLUMNS = ("When (London)", "Who", "Role", "Team", "Action", "Record", "Outcome", "Request id", "Reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such a cell starts with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(values: Iterable) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(value) for value in values])
    return out.getvalue()


def family_csv(family_id: int, filters: EventFilters) -> str:
    """The family's events with the same filters, as CSV: two queries (the events, and the family's
    break-glass openings, whose reason fills the "Reason" column of each "Broke the glass" row). The trail
    itself is identifiers only; the reason is what the person typed when they broke the glass."""
    rows = [_row(row) for row in db.session.execute(family_events(family_id, filters).limit(EXPORT_LIMIT))]
    openings = family_openings(family_id) if any(row.broke_glass for row in rows) else []
    lines = [_csv_line(CSV_COLUMNS)]
    for row in rows:
        when = clock.local(row.at).strftime("%Y-%m-%d %H:%M:%S")
        values = (when, row.who, row.role, row.team, row.what, row.record, row.result, row.request_id)
        lines.append(_csv_line((*values, _reason_for(row, openings))))
    return "".join(lines)


# The head of service's home


@dataclass(frozen=True)
class GlassBroken:
    family_id: int
    family_reference: str
    who: str
    at: object
    reason: str


@dataclass(frozen=True)
class RestrictedFamily:
    family_id: int
    reference: str
    restricted_by: str
    at: object


def recent_break_glass(user, *, days: int = BREAK_GLASS_DAYS, limit: int = 50) -> list[GlassBroken]:
    """Every break-glass opening across the service in the last `days`, newest first: one query."""
    since = clock.now() - timedelta(days=days)
    family = aliased(Family)
    rows = db.session.execute(
        select(BreakGlass.family_id, family.reference, User.name, BreakGlass.at, BreakGlass.reason)
        .join(family, family.id == BreakGlass.family_id)
        .join(User, User.id == BreakGlass.user_id)
        .where(BreakGlass.at >= since, policy.not_restricted_for(user, BreakGlass.family_id))
        .order_by(BreakGlass.at.desc(), BreakGlass.id.desc())
        .limit(limit)
    )
    return [GlassBroken(*row) for row in rows]


def restricted_families(user, *, limit: int = 100) -> list[RestrictedFamily]:
    """Restricted families, newest restriction first. Only those this person is named on: to everyone else a
    restricted family is in no list (earlyhelp/policy.py)."""
    restrictor = aliased(User)
    family = aliased(Family)
    rows = db.session.execute(
        select(family.id, family.reference, func.coalesce(restrictor.name, ""), family.restricted_at)
        .outerjoin(restrictor, restrictor.id == family.restricted_by_id)
        .where(family.restricted.is_(True), policy.not_restricted_for(user, family.id))
        .order_by(family.restricted_at.desc().nulls_last(), family.id.desc())
        .limit(limit)
    )
    return [RestrictedFamily(*row) for row in rows]
