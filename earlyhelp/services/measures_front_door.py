"""Front door measures: referral decisions, feedback to referrers, referral quality, re-referrals, late recording.

Each is registered with earlyhelp.services.measures (read its docstring for the rows every measure returns).
Each measure's team and worker are those of one person its definition names (who decided, who recorded, who rated
or who told the referrer), by User.team_id at the time of asking: the product keeps no history of teams; its
service is that team's service.

A decision is complete when it was made, or, where the table of decisions and levels said it needed a team
manager's sign-off, when it was signed off: the moment the referral's own decision clock stops
(services/referrals.decision_clock), so a figure and the referral page behind it always agree.
"""

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from earlyhelp.models import Agency, DecisionOutcome, Referral, Team, User
from earlyhelp.models.referrals import CLOSED_STATUSES, ReferralStatus
from earlyhelp.services.measures import (
    Kind,
    Measure,
    day_in,
    limited,
    london_date,
    moment_in,
    register,
    rows_query,
)

SECTION = "Front door"
NO_FURTHER_ACTION = "no_further_action"  # DecisionOutcome.code
CLEAR = "yes"  # Referral.clarity: "Yes, the level of concern was clear" (services/referrals.CLARITY_CHOICES)
CLARITY_WORDS = {"yes": "Clear", "partly": "Partly clear", "no": "Not clear"}


class year_before(FunctionElement):
    """The same day a year before a date; 28 February for 29 February (the same on both engines)."""

    inherit_cache = True


@compiles(year_before, "postgresql")
def _year_before_pg(element, compiler, **kw):
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS DATE) - INTERVAL '1 year' AS DATE)"


@compiles(year_before, "sqlite")
def _year_before_sqlite(element, compiler, **kw):
    # SQLite's '-1 year' rolls 29 February on to 1 March: step back a day to 28 February, as PostgreSQL does.
    day = compiler.process(element.clauses, **kw)
    return (
        f"(CASE WHEN strftime('%m-%d', {day}) = '02-29' THEN date({day}, '-1 year', '-1 day')"
        f" ELSE date({day}, '-1 year') END)"
    )


def _by(query, scope, filters, worker_id):
    """Scope and filters by the worker named in `worker_id` (a Referral column), their team and its service."""
    worker = aliased(User)
    team = aliased(Team)
    query = query.outerjoin(worker, worker.id == worker_id).outerjoin(team, team.id == worker.team_id)
    return limited(
        query,
        scope,
        filters,
        family_id=Referral.family_id,
        team_id=worker.team_id,
        worker_id=worker_id,
        service_id=team.service_id,
    )


def _done_at():
    """When the decision was complete: signed off where it needed it, else made."""
    return func.coalesce(Referral.signed_off_at, Referral.decided_at)


def _decided_rows(*, counted=None, detail=None, breakdown=None, where=()):
    done_at = _done_at()
    return select(
        *rows_query(
            family_id=Referral.family_id,
            record_id=Referral.id,
            on=london_date(done_at),
            counted=counted,
            detail=detail,
            breakdown=breakdown,
        )
    ).where(Referral.status == ReferralStatus.DECIDED, *where)


def _in_period(filters):
    return moment_in(_done_at(), filters.period)


def _late():
    return london_date(_done_at()) > Referral.decision_due_on


def _late_words():
    """The reason given for a late decision; a decision made in time but signed off after its date asked for none."""
    return case(
        (func.coalesce(Referral.late_reason, "") != "", Referral.late_reason),
        (
            and_(Referral.signed_off_at.is_not(None), _late()),
            literal("Signed off after the decision date (no reason is asked at sign-off)"),
        ),
        else_=literal(""),
    )


def _decided(scope, filters):
    """Referrals whose decision was complete in the period."""
    query = _decided_rows(counted=~_late(), detail=_late_words(), where=[_in_period(filters)])
    return _by(query, scope, filters, Referral.decided_by_id)


DECIDED_WHEN = (
    "Referrals decided in the period, by the day the decision was complete (London time): the day it was made, or"
    " for a decision that needed a team manager's sign-off the day it was signed off (a decision waiting for"
    " sign-off is not yet decided). Withdrawn and duplicate referrals are never decided."
)
DECIDED_BY = " Team and worker are those of the person who made the decision."

DECISIONS_IN_TIME = register(
    Measure(
        key="decisions_in_time",
        section=SECTION,
        title="Referral decisions within one working day",
        definition=(
            DECIDED_WHEN + " Counted: decided on or before the referral's decision date, one working day after it"
            " was received, with weekends and bank holidays in England not counted (the date each referral's clock"
            " set when it was recorded; one received after the working day ends, 17:00 by default, counts from"
            " the next working day unless the council has set otherwise)." + DECIDED_BY
        ),
        kind=Kind.SHARE,
        rows=_decided,
        counted_words="decided within one working day",
        total_words="referrals decided",
        lower_is_better=False,
    )
)


def _decided_late(scope, filters):
    query = _decided_rows(detail=_late_words(), where=[_in_period(filters), _late()])
    return _by(query, scope, filters, Referral.decided_by_id)


DECISIONS_LATE = register(
    Measure(
        key="decisions_late",
        section=SECTION,
        title="Referral decisions made late",
        definition=(
            DECIDED_WHEN + " Counted: decided after the referral's decision date (one working day after receipt,"
            " weekends and bank holidays in England not counted), each with the reason the person deciding gave."
            " These are the referrals not counted in 'Referral decisions within one working day'." + DECIDED_BY
        ),
        kind=Kind.COUNT,
        rows=_decided_late,
        counted_words="decided late",
        total_words="referrals decided late",
        lower_is_better=True,
    )
)


def _referrer():
    """'Pat Teacher, School': who is owed the feedback."""
    return Referral.referrer_name + literal(", ") + Agency.name


def _told(scope, filters):
    query = _decided_rows(
        counted=Referral.fed_back_on.is_not(None),
        detail=_referrer(),
        breakdown=Agency.name,
        where=[_in_period(filters)],
    ).join(Agency, Agency.id == Referral.agency_id)
    return _by(query, scope, filters, Referral.decided_by_id)


FEEDBACK_RULE = (
    " The referrer is owed feedback once the decision is complete (Working Together 2023: the referrer is told the"
    " decision; the product lets it be recorded only then, and not while a decision waits for sign-off)."
)

FEEDBACK_GIVEN = register(
    Measure(
        key="feedback_given",
        section=SECTION,
        title="Referrers told the decision",
        definition=(
            DECIDED_WHEN + FEEDBACK_RULE + " Counted: the day the referrer was told is recorded, on any day up to"
            " now, so a period's figure rises as feedback is recorded." + DECIDED_BY
        ),
        kind=Kind.SHARE,
        rows=_told,
        counted_words="referrer told",
        total_words="referrals decided",
        breakdown_words="Partner agency",
        lower_is_better=False,
    )
)


def _owed(scope, filters):
    query = _decided_rows(
        detail=_referrer(), breakdown=Agency.name, where=[_in_period(filters), Referral.fed_back_on.is_(None)]
    ).join(Agency, Agency.id == Referral.agency_id)
    return _by(query, scope, filters, Referral.decided_by_id)


FEEDBACK_OWED = register(
    Measure(
        key="feedback_owed",
        section=SECTION,
        title="Feedback still owed to referrers",
        definition=(
            DECIDED_WHEN
            + FEEDBACK_RULE
            + " Counted: no day the referrer was told is recorded yet (as of now)."
            + DECIDED_BY
        ),
        kind=Kind.COUNT,
        rows=_owed,
        counted_words="referrer not yet told",
        total_words="referrers not yet told",
        breakdown_words="Partner agency",
        lower_is_better=True,
    )
)


def _clarity(scope, filters):
    query = (
        select(
            *rows_query(
                family_id=Referral.family_id,
                record_id=Referral.id,
                on=london_date(Referral.received_at),
                counted=Referral.clarity == CLEAR,
                detail=case(CLARITY_WORDS, value=Referral.clarity, else_=literal("")),
                breakdown=Agency.name,
            )
        )
        .join(Agency, Agency.id == Referral.agency_id)
        .where(Referral.clarity.is_not(None), moment_in(Referral.received_at, filters.period))
    )
    return _by(query, scope, filters, Referral.clarity_rated_by_id)


CLARITY = register(
    Measure(
        key="referral_clarity",
        section=SECTION,
        title="Referrals that made the level of concern clear, by partner agency",
        definition=(
            "Referrals received in the period (by the day received, London time), whatever became of them, whose"
            " clarity the front door has rated, by the referrer's agency: the same referrals and months as the"
            " referral quality report. Counted: rated 'Yes, the level of concern was clear' (not 'Partly clear' or"
            " 'No'). Referrals not rated are left out. Team and worker are those of the person who rated it."
        ),
        kind=Kind.SHARE,
        rows=_clarity,
        counted_words="rated clear",
        total_words="referrals rated",
        breakdown_words="Partner agency",
        lower_is_better=False,
    )
)


def _no_further_action(scope, filters):
    query = (
        _decided_rows(
            counted=DecisionOutcome.code == NO_FURTHER_ACTION,
            detail=DecisionOutcome.name,
            breakdown=Agency.name,
            where=[_in_period(filters)],
        )
        .join(Agency, Agency.id == Referral.agency_id)
        .join(DecisionOutcome, DecisionOutcome.id == Referral.outcome_id)
    )
    return _by(query, scope, filters, Referral.decided_by_id)


NO_FURTHER_ACTION_BY_AGENCY = register(
    Measure(
        key="no_further_action",
        section=SECTION,
        title="Referrals ending in no further action, by partner agency",
        definition=(
            DECIDED_WHEN + " By the referrer's agency. Counted: the decision was 'No further action' (information"
            " and advice, or universal services, are other decisions)." + DECIDED_BY
        ),
        kind=Kind.SHARE,
        rows=_no_further_action,
        counted_words="no further action",
        total_words="referrals decided",
        breakdown_words="Partner agency",
        lower_is_better=False,
    )
)


def _counts_as_referral(referral):
    """Not put aside before a decision (withdrawn, or a duplicate of another referral)."""
    return referral.status.not_in(CLOSED_STATUSES)


def _re_referrals(scope, filters):
    earlier = aliased(Referral)
    received_on = london_date(Referral.received_at)
    before = exists().where(
        earlier.family_id == Referral.family_id,
        earlier.id != Referral.id,
        _counts_as_referral(earlier),
        or_(
            earlier.received_at < Referral.received_at,
            and_(earlier.received_at == Referral.received_at, earlier.id < Referral.id),
        ),
        london_date(earlier.received_at) >= year_before(received_on),
    )
    query = (
        select(
            *rows_query(
                family_id=Referral.family_id,
                record_id=Referral.id,
                on=received_on,
                counted=before,
                breakdown=Agency.name,
            )
        )
        .join(Agency, Agency.id == Referral.agency_id)
        .where(_counts_as_referral(Referral), moment_in(Referral.received_at, filters.period))
    )
    return _by(query, scope, filters, Referral.recorded_by_id)


RE_REFERRALS = register(
    Measure(
        key="re_referrals",
        section=SECTION,
        title="Re-referrals within 12 months",
        definition=(
            "Referrals received in the period (by the day received, London time), decided or still waiting, but not"
            " withdrawn or marked a duplicate. Counted: the family had another such referral received in the 12"
            " months before it, from the same day a year earlier (28 February for 29 February) up to the moment"
            " this one arrived, from any agency and however it was decided. Broken down by the agency that"
            " referred. Team and worker are those of the person who recorded the referral."
        ),
        kind=Kind.SHARE,
        rows=_re_referrals,
        counted_words="re-referral within 12 months",
        total_words="referrals received",
        breakdown_words="Partner agency",
        lower_is_better=True,
    )
)


LATE_RULE = (
    " Written down late: more than the allowed number of working days (1 unless the council has"
    " set another; weekends and bank holidays in England not counted) between the day it happened and the London"
    " day it was written down. Counted by the reason for writing it down late that the product asks for exactly"
    " then, under the setting in force at the time: what the referral page shows as recorded late."
)


def _recorded_late(*, on, when, reason, worker_id):
    def rows(scope, filters):
        query = select(
            *rows_query(
                family_id=Referral.family_id,
                record_id=Referral.id,
                on=on,
                counted=reason != "",
                detail=reason,
            )
        ).where(when(filters.period))
        return _by(query, scope, filters, worker_id)

    return rows


RECEIPT_RECORDED_LATE = register(
    Measure(
        key="referrals_recorded_late",
        section=SECTION,
        title="Referrals written down late",
        definition=(
            "Referrals received in the period (by the day received, London time, as now recorded), whatever became"
            " of them, and how many were written down late: when it was received against"
            " when it was recorded." + LATE_RULE + " Team and worker are those of the person who recorded the referral."
        ),
        kind=Kind.SHARE,
        rows=_recorded_late(
            on=london_date(Referral.received_at),
            when=lambda period: moment_in(Referral.received_at, period),
            reason=Referral.receipt_late_recording_reason,
            worker_id=Referral.recorded_by_id,
        ),
        counted_words="written down late",
        total_words="referrals received",
        lower_is_better=True,
    )
)

DECISION_RECORDED_LATE = register(
    Measure(
        key="decisions_recorded_late",
        section=SECTION,
        title="Referral decisions written down late",
        definition=(
            "Referral decisions made in the period (by the day the decision was made, London time), decided or"
            " waiting for sign-off, and how many were written down late: when it was made against when it"
            " was recorded. A decision a team manager sent back is no longer a decision." + LATE_RULE + DECIDED_BY
        ),
        kind=Kind.SHARE,
        rows=_recorded_late(
            on=london_date(Referral.decided_at),
            when=lambda period: moment_in(Referral.decided_at, period),
            reason=Referral.decision_late_recording_reason,
            worker_id=Referral.decided_by_id,
        ),
        counted_words="written down late",
        total_words="decisions made",
        lower_is_better=True,
    )
)

FEEDBACK_RECORDED_LATE = register(
    Measure(
        key="feedback_recorded_late",
        section=SECTION,
        title="Feedback to referrers written down late",
        definition=(
            "Referrers told the decision in the period (by the day they were told, as recorded), and how many were"
            " written down late: the day they were told against when that was recorded."
            + LATE_RULE
            + " Team and worker are those of the person who recorded telling the referrer."
        ),
        kind=Kind.SHARE,
        rows=_recorded_late(
            on=Referral.fed_back_on,
            when=lambda period: day_in(Referral.fed_back_on, period),
            reason=Referral.feedback_late_recording_reason,
            worker_id=Referral.feedback_by_id,
        ),
        counted_words="written down late",
        total_words="referrers told",
        lower_is_better=True,
    )
)
