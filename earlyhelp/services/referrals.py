"""Referrals: recording a clear one, deciding it within a working day, and telling the referrer."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, func, select

from earlyhelp import clock
from earlyhelp.domain.referrals import ProposedDecision, check_decision, is_late
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.timescales import Clock, Deadline, add_working_days, deadline_after_receipt
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
    Service,
    User,
)
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.use_case import use_case

CLARITY_CHOICES = {"yes": "Yes, the level of concern was clear", "partly": "Partly clear", "no": "No, it was not clear"}
FEEDBACK_METHODS = {"phone": "Phone call", "email": "Email", "letter": "Letter", "meeting": "In person"}


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
        working_day_ends=config["WORKING_DAY_ENDS"],
    )


def decision_clock(referral: Referral, *, today: date | None = None) -> Clock:
    today = today or clock.local_date(clock.now())
    decided_on = clock.local_date(referral.decided_at) if referral.decided_at else None
    return Clock.of(
        Deadline(referral.decision_due_on, referral.decision_due_explanation), today=today, done_on=decided_on
    )


def record_referral(family: Family, *, fields: dict, children: list[ChildInput], actor: User) -> Referral:
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
    for child in children:
        if child.person_id not in household:
            raise ValueError("a child outside the household was given")
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
    outcome: DecisionOutcome,
    decided_level: LevelOfNeed,
    rationale: str,
    decided_at: datetime,
    late_reason: str,
    lead: User | None,
    actor: User,
    now: datetime | None = None,
) -> Referral:
    """Record the front door's decision. Exactly one of two people deciding at once wins."""
    now = now or clock.now()
    # Locks the row on PostgreSQL; on SQLite the transaction already holds the write lock.
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update(of=Referral)
        .execution_options(populate_existing=True)
    )
    if referral.is_decided:
        raise Refused(
            f"This referral was decided by {referral.decided_by.name} on {clock.long_moment(referral.decided_at)}"
        )
    check_decision(
        ProposedDecision(
            received_at=referral.received_at,
            decided_at=decided_at,
            due_on=referral.decision_due_on,
            late_reason=late_reason,
            opens_service=outcome.opens_service,
            lead_chosen=lead is not None,
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


def rate_clarity(referral: Referral, *, clarity: str, note: str, actor: User, now: datetime | None = None) -> None:
    referral.clarity, referral.clarity_note = clarity, note.strip()
    referral.clarity_rated_by_id, referral.clarity_rated_at = actor.id, now or clock.now()
    record_event("rate", "referral", referral.id, family_id=referral.family_id, user=actor)


def record_feedback(referral: Referral, *, method: str, at: datetime, actor: User) -> None:
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


def lead_practitioners() -> list[User]:
    """People who can lead early help work: active practitioners and managers in early help teams."""
    from earlyhelp.models import Role, Team

    return db.session.scalars(
        select(User)
        .join(Team, User.team_id == Team.id)
        .join(Service, Team.service_id == Service.id)
        .join(Role, User.role_id == Role.id)
        .where(User.active, Service.code == "early_help", Role.code.in_(["practitioner", "team_manager"]))
        .order_by(User.name)
    ).all()


def queue(
    *, status: str = ReferralStatus.AWAITING_DECISION, agency_id: int | None = None, level_id: int | None = None
) -> Select:
    """The front door queue: oldest first, so the longest-waiting family is seen first."""
    query = select(Referral).where(Referral.status == status)
    if agency_id:
        query = query.where(Referral.agency_id == agency_id)
    if level_id:
        query = query.where(Referral.level_id == level_id)
    order = Referral.received_at.asc() if status == ReferralStatus.AWAITING_DECISION else Referral.decided_at.desc()
    return query.order_by(order, Referral.id)


def agency_quality(*, since: datetime) -> dict[str, dict[str, dict[str, int]]]:
    """Clarity ratings per agency and month: {agency: {"2025-11": {"yes": 3, "partly": 1, "no": 0}}}."""
    month = (
        func.to_char(Referral.received_at, "YYYY-MM")
        if db.engine.dialect.name == "postgresql"
        else func.strftime("%Y-%m", Referral.received_at)
    )
    rows = db.session.execute(
        select(Agency.name, month.label("month"), Referral.clarity, func.count())
        .join(Agency, Referral.agency_id == Agency.id)
        .where(Referral.clarity.is_not(None), Referral.received_at >= since)
        .group_by(Agency.name, "month", Referral.clarity)
        .order_by(Agency.name, "month")
    ).all()
    result: dict = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(CLARITY_CHOICES, 0)))
    for agency, month_key, clarity, count in rows:
        result[agency][month_key][clarity] = count
    return result
