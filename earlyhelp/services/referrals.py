"""Referrals: recording a clear one, deciding it within a working day, and telling the referrer."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.domain.referrals import (
    ProposedDecision,
    ProposedLead,
    check_decision,
    check_feedback,
    check_letter,
    check_receipt,
    is_late,
)
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.roles import RoleCode
from earlyhelp.domain.timescales import Clock, Deadline, add_working_days, deadline_after_receipt, working_day_ends
from earlyhelp.extensions import db
from earlyhelp.models import (
    Agency,
    DecisionOutcome,
    Episode,
    Family,
    LevelOfNeed,
    Referral,
    ReferralChild,
    ReferralStatus,
    Role,
    Service,
    Team,
    User,
)
from earlyhelp.policy import family_ids, has_role, not_restricted_for
from earlyhelp.services.allocation import allocate
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.use_case import use_case

CLARITY_CHOICES = {"yes": "Yes, the level of concern was clear", "partly": "Partly clear", "no": "No, it was not clear"}
FEEDBACK_METHODS = {"phone": "Phone call", "email": "Email", "letter": "Letter", "meeting": "In person"}
FAMILY_AGREES = {"yes": "Yes", "no": "No", "not_asked": "They were not asked"}


@dataclass(frozen=True)
class ChildInput:
    person_id: int
    included: bool
    impact: str
    reason_not_included: str


def decision_deadline(received_at: datetime) -> Deadline:
    """Working Together 2023: a decision within one working day of receipt (a setting)."""
    config = current_app.config
    return deadline_after_receipt(
        received_at,
        config["TIMESCALES"]["referral_decision"],
        what="Decision",
        of_what="referral",
        working_day_ends=working_day_ends(config),
    )


def decision_clock(referral: Referral, *, today: date | None = None) -> Clock:
    today = today or clock.today()
    decided_on = clock.local_date(referral.decided_at) if referral.decided_at else None
    return Clock.of(
        Deadline(referral.decision_due_on, referral.decision_due_explanation), today=today, done_on=decided_on
    )


QUEUE_PAGE_SIZE = 25
QUALITY_MONTHS = 6


def _id(record_or_id) -> int | None:
    """Callers pass what they hold: a row (the demo data, other services) or the id a form gave."""
    value = getattr(record_or_id, "id", record_or_id)
    return int(value) if value not in (None, "") else None


def _locked(referral_id: int) -> Referral:
    """The referral as the database holds it now, its row locked on PostgreSQL (on SQLite the use case's
    transaction already holds the write lock), so that of two people acting at once exactly one wins."""
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update(of=Referral)
        .execution_options(populate_existing=True)
    )


@use_case("record_referral", "family")
def record_referral(
    family: Family, *, fields: dict, children: list[ChildInput], actor: User, now: datetime | None = None
) -> Referral:
    check_receipt(fields["received_at"], now=now or clock.now())
    deadline = decision_deadline(fields["received_at"])
    referral = Referral(
        family=family,
        recorded_by=actor,
        decision_due_on=deadline.due,
        decision_due_explanation=deadline.explanation,
        status=ReferralStatus.AWAITING_DECISION,
        **fields,
    )
    household = {child.id for child in family.children}
    if {child.person_id for child in children} != household:
        # The form lists every child in the household, always; anything else is a programming error.
        raise ValueError("the children given are not the children of the household")
    for child in children:
        referral.children.append(
            ReferralChild(
                person_id=child.person_id,
                included=child.included,
                impact=child.impact.strip() if child.included else "",
                reason_not_included="" if child.included else child.reason_not_included.strip(),
            )
        )
    db.session.add(referral)
    db.session.flush()
    add_to_timeline(
        family.id,
        f"Referral received from {referral.agency.name} ({referral.referrer_name})",
        "referral",
        referral.id,
        actor=actor,
        at=fields["received_at"],
    )
    record_event("create", "referral", referral.id, family_id=family.id, user=actor)
    return referral


@use_case("decide", "referral")
def decide_referral(
    referral_id: int,
    *,
    outcome: DecisionOutcome | int,
    decided_level: LevelOfNeed | int,
    rationale: str,
    decided_at: datetime,
    late_reason: str,
    lead: User | int | None,
    actor: User,
    now: datetime | None = None,
) -> Referral:
    """Record the front door's decision. Exactly one of two people deciding at once wins.

    `lead` is the person named to lead the service the outcome opens (a lead practitioner for early
    help, a social worker for social care), by row or id; it is checked here, not by the caller.
    """
    now = now or clock.now()
    referral = _locked(referral_id)
    if referral.is_decided:
        raise Refused(
            f"This referral was decided by {referral.decided_by.name} on {clock.long_moment(referral.decided_at)}"
        )
    outcome = db.session.get(DecisionOutcome, _id(outcome) or 0)
    if outcome is None or not outcome.active:
        raise Refused("Select a decision", "outcome")
    decided_level = db.session.get(LevelOfNeed, _id(decided_level) or 0)
    if decided_level is None or not decided_level.active:
        raise Refused("Select the level of need decided", "decided_level")
    lead = db.session.get(User, _id(lead)) if outcome.opens_service and _id(lead) else None
    check_decision(
        ProposedDecision(
            received_at=referral.received_at,
            decided_at=decided_at,
            due_on=referral.decision_due_on,
            late_reason=late_reason,
            opens_service=outcome.opens_service,
            lead=_proposed_lead(lead),
        ),
        now=now,
    )
    referral.status = ReferralStatus.DECIDED
    referral.outcome, referral.decided_level, referral.rationale = outcome, decided_level, rationale.strip()
    referral.decided_by, referral.decided_at = actor, decided_at
    referral.late_reason = late_reason.strip() if is_late(decided_at, referral.decision_due_on) else None
    add_to_timeline(
        referral.family_id, f"Referral decided: {outcome.name}", "referral", referral.id, actor=actor, at=decided_at
    )
    if outcome.opens_service:
        _open_episode(referral, outcome.opens_service, lead=lead, actor=actor, decided_at=decided_at)
    record_event("decide", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def _proposed_lead(user: User | None) -> ProposedLead | None:
    if user is None:
        return None
    leads_in = None
    if user.team is not None:
        if has_role(user, *EARLY_HELP_LEAD_ROLES) and user.team.service.code == "early_help":
            leads_in = "early_help"
        elif has_role(user, RoleCode.SOCIAL_WORKER):
            leads_in = user.team.service.code
    return ProposedLead(name=user.name, active=user.active, leads_in=leads_in)


def _open_episode(referral: Referral, service_code: str, *, lead: User | None, actor: User, decided_at: datetime):
    service = db.session.scalar(select(Service).where(Service.code == service_code))
    existing = db.session.scalar(
        select(Episode).where(
            Episode.family_id == referral.family_id, Episode.service_id == service.id, Episode.ended_on.is_(None)
        )
    )
    if existing:
        # The family is already open to this service: its current lead carries on, and is told on the timeline.
        add_to_timeline(
            referral.family_id,
            f"Already open to {service.name}: the current lead keeps the case",
            "episode",
            existing.id,
            actor=actor,
            at=decided_at,
        )
        return existing
    started_on = clock.local_date(decided_at)
    assessment_due = None
    if service_code == "social_care":
        received_on = clock.local_date(referral.received_at)
        assessment_due = add_working_days(received_on, current_app.config["TIMESCALES"]["assessment"])
    episode = Episode(
        family_id=referral.family_id,
        service=service,
        lead=lead,
        team=lead.team if lead else None,
        started_on=started_on,
        referral_id=referral.id,
        assessment_due_on=assessment_due,
    )
    db.session.add(episode)
    db.session.flush()
    if lead is not None:
        allocate(episode, lead, actor=actor, on=started_on)
    lead_text = f", lead {lead.name}" if lead else ", lead not yet allocated"
    add_to_timeline(
        referral.family_id,
        f"{service.name} involvement began{lead_text}",
        "episode",
        episode.id,
        actor=actor,
        at=decided_at,
    )
    record_event("create", "episode", episode.id, family_id=referral.family_id, user=actor)
    return episode


@use_case("rate", "referral")
def rate_clarity(referral: Referral, *, clarity: str, note: str, actor: User, now: datetime | None = None) -> None:
    if clarity not in CLARITY_CHOICES:
        raise Refused("Select whether the level of concern was clear", "clarity")
    referral.clarity, referral.clarity_note = clarity, note.strip()
    referral.clarity_rated_by_id, referral.clarity_rated_at = actor.id, now or clock.now()
    record_event("rate", "referral", referral.id, family_id=referral.family_id, user=actor)


@use_case("feedback", "referral")
def record_feedback(referral: Referral | int, *, method: str, at: datetime, actor: User) -> Referral:
    """Record that the referrer was told the decision, once, and not before it was made."""
    if method not in FEEDBACK_METHODS:
        raise Refused("Select how the referrer was told", "method")
    referral = _locked(_id(referral))
    check_feedback(decided_at=referral.decided_at, told_at=referral.feedback_at, told_on=clock.local_date(at))
    # Told on the day of the decision, at a time of day before it was recorded: told as it was made.
    at = max(at, referral.decided_at)
    referral.feedback_method, referral.feedback_at, referral.feedback_by_id = method, at, actor.id
    add_to_timeline(
        referral.family_id,
        f"Referrer told of the decision ({FEEDBACK_METHODS[method].lower()})",
        "referral",
        referral.id,
        actor=actor,
        at=at,
    )
    record_event("feedback", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def feedback_letter(referral: Referral) -> dict:
    """What the feedback letter prints: raises Refused before there is a decision to tell."""
    check_letter(decided_at=referral.decided_at)
    return {"referral": referral, "today": clock.today()}


# Reads for the pages: the choices on the forms, the queue and the quality report.

EARLY_HELP_LEAD_ROLES = (RoleCode.PRACTITIONER, RoleCode.TEAM_MANAGER)


def active_agencies() -> list[Agency]:
    return db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name)).all()


def active_levels() -> list[LevelOfNeed]:
    return db.session.scalars(select(LevelOfNeed).where(LevelOfNeed.active).order_by(LevelOfNeed.number)).all()


def active_outcomes() -> list[DecisionOutcome]:
    return db.session.scalars(
        select(DecisionOutcome).where(DecisionOutcome.active).order_by(DecisionOutcome.sort_order)
    ).all()


def social_workers() -> list[User]:
    """Social workers who can be named for a social care decision: active, and in a team."""
    return db.session.scalars(
        select(User)
        .join(Role, User.role_id == Role.id)
        .where(User.active, Role.code == RoleCode.SOCIAL_WORKER, User.team_id.is_not(None))
        .order_by(User.name)
    ).all()


def lead_practitioners() -> list[User]:
    """People who can lead early help work: active practitioners and managers in early help teams."""
    return db.session.scalars(
        select(User)
        .join(Team, User.team_id == Team.id)
        .join(Service, Team.service_id == Service.id)
        .join(Role, User.role_id == Role.id)
        .where(User.active, Service.code == "early_help", Role.code.in_(EARLY_HELP_LEAD_ROLES))
        .order_by(User.name)
    ).all()


def queue(
    viewer: User,
    *,
    status: str = ReferralStatus.AWAITING_DECISION,
    agency_id: int | None = None,
    level_id: int | None = None,
) -> Select:
    """The front door queue: oldest first, so the longest-waiting family is seen first. Only referrals
    about families the viewer may see (earlyhelp/policy.py): a restricted family is not there."""
    query = select(Referral).where(Referral.status == status, Referral.family_id.in_(family_ids(viewer)))
    if agency_id:
        query = query.where(Referral.agency_id == agency_id)
    if level_id:
        query = query.where(Referral.level_id == level_id)
    order = Referral.received_at.asc() if status == ReferralStatus.AWAITING_DECISION else Referral.decided_at.desc()
    # Each row shows the family's name (its surnames), so the households come in one more query.
    return query.order_by(order, Referral.id).options(selectinload(Referral.family).selectinload(Family.members))


def queue_page(
    viewer: User, *, status: str, agency_id: int | None, level_id: int | None, page: int
) -> tuple[Pagination, dict]:
    """One page of the queue, and each referral's decision clock, by referral id."""
    referrals = db.paginate(
        queue(viewer, status=status, agency_id=agency_id, level_id=level_id),
        page=page,
        per_page=QUEUE_PAGE_SIZE,
        error_out=False,
    )
    today = clock.today()
    return referrals, {referral.id: decision_clock(referral, today=today) for referral in referrals.items}


def agency_quality(
    viewer: User, *, since: datetime, until: datetime | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """Clarity ratings per agency and London month: {agency: {"2025-11": {"yes": 3, "partly": 1, "no": 0}}}.

    Months are London months: a referral received at 00:30 on 1 July (23:30 on 30 June in UTC) counts in July.
    """
    months = _london_months(since, until or clock.now())
    month = case(*[(Referral.received_at >= start, key) for key, start in reversed(months)], else_=None)
    rows = db.session.execute(
        select(Agency.name, month.label("month"), Referral.clarity, func.count())
        .join(Agency, Referral.agency_id == Agency.id)
        .where(
            Referral.clarity.is_not(None), Referral.received_at >= since, not_restricted_for(viewer, Referral.family_id)
        )
        .group_by(Agency.name, "month", Referral.clarity)
        .order_by(Agency.name, "month")
    ).all()
    result: dict = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(CLARITY_CHOICES, 0)))
    for agency, month_key, clarity, count in rows:
        result[agency][month_key][clarity] = count
    return result


def _london_months(since: datetime, until: datetime) -> list[tuple[str, datetime]]:
    """Each London month from since's to until's (and the next, for anything recorded ahead), with its start."""
    day = clock.local_date(since).replace(day=1)
    last = clock.local_date(until).replace(day=1)
    months = []
    while True:
        months.append((f"{day.year}-{day.month:02d}", clock.at_london(day, time(0, 0))))
        if day > last:
            return months
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)


def quality_report(viewer: User, *, months: int = QUALITY_MONTHS) -> tuple[dict, list[str]]:
    """Clarity ratings per agency for referrals received in about the last `months` months, and the months.
    A restricted family's referrals count only for the people named on it."""
    ratings = agency_quality(viewer, since=clock.now() - timedelta(days=months * 31))
    return ratings, sorted({month for per_agency in ratings.values() for month in per_agency})
