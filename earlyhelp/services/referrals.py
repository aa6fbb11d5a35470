"""Referrals: recording a clear one, deciding it within a working day, and telling the referrer.

Each step keeps when it happened and when it was written down; one written down more than
LATE_RECORDING_WORKING_DAYS working days after it happened keeps the reason too (earlyhelp/domain/recording.py,
the rule services/recording.py late_reason() applies, here with the use case's `now` so that a history can be
written as it was). A decision the table of decisions and levels says needs sign-off waits, its clock running,
for a team manager of the front door. Before a decision a referral can be put right: amended, withdrawn or
marked a duplicate, each change kept with who, when and why.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from earlyhelp import clock
from earlyhelp.domain import recording as recording_rules
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.referrals import (
    ProposedDecision,
    ProposedLead,
    changes_between,
    check_can_put_right,
    check_decision,
    check_duplicate,
    check_feedback,
    check_feedback_correction,
    check_fit,
    check_letter,
    check_receipt,
    check_received_before_recorded,
    check_sign_off,
    is_late,
    sign_off_explanation,
    where_it_stands,
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
    Person,
    Referral,
    ReferralChild,
    ReferralStatus,
    Role,
    Service,
    Team,
    User,
)
from earlyhelp.models.reference import DecisionRule
from earlyhelp.models.referrals import CLOSED_STATUSES, OPEN_STATUSES, ReferralChange, ReferralEpisode
from earlyhelp.policy import (
    FRONT_DOOR_SERVICE,
    at_front_door,
    family_ids,
    has_role,
    may_sign_off,
    not_restricted_for,
    signs_off_decisions,
)
from earlyhelp.services import recording
from earlyhelp.services.allocation import allocate
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline, open_episodes
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.use_case import use_case
from earlyhelp.versions import StaleEdit, add_once, by_submission_key, changed_by_person, changed_since, digests

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
    """Done when the decision is complete: when it was made, or signed off where it needed a sign-off. A
    decision waiting for sign-off, or sent back, is not done: its clock keeps running."""
    today = today or clock.today()
    done_at = referral.decision_done_at
    done_on = clock.local_date(done_at) if done_at else None
    return Clock.of(Deadline(referral.decision_due_on, referral.decision_due_explanation), today=today, done_on=done_on)


def _late(happened: date | datetime | None, reason: str | None, *, what: str, now: datetime) -> str:
    """The reason for writing `what` down late ("" when it is not), or Refused on late_recording_reason."""
    return recording_rules.check_recorded_in_time(
        happened, recorded=now, reason=reason, what=what, allowed_working_days=recording.allowed_working_days()
    )


def _stands(referral: Referral) -> str:
    """Where a referral that is not awaiting a decision stands, for a refusal: who did what, when."""
    if referral.is_closed:
        who, when = referral.closed_by, referral.closed_at
    else:
        who, when = referral.decided_by, referral.decided_at
    return where_it_stands(referral.status, who=who.name if who else "someone", when=when)


def _change(referral: Referral, kind: str, *, actor: User, now: datetime, reason: str = "", details=()) -> None:
    db.session.add(
        ReferralChange(
            referral_id=referral.id, kind=kind, at=now, actor_id=actor.id, reason=reason, details=list(details)
        )
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


def recent_referrals(family_id: int, *, now: datetime | None = None, leaving_out: int | None = None) -> list[Referral]:
    """The family's referrals received in the last DUPLICATE_REFERRAL_DAYS days, newest first: a new referral
    shows them and offers to link to one, so that two about the same worry are seen together."""
    since = (now or clock.now()) - timedelta(days=current_app.config["DUPLICATE_REFERRAL_DAYS"])
    query = select(Referral).where(Referral.family_id == family_id, Referral.received_at >= since)
    if leaving_out:
        query = query.where(Referral.id != leaving_out)
    return db.session.scalars(query.order_by(Referral.received_at.desc(), Referral.id.desc())).all()


def open_involvement(family_id: int) -> list[Episode]:
    """The services the family is open to now, each with its lead: a new referral is linked to them, and the
    leads are told."""
    return open_episodes(family_id)


def _check_children(family_or_people, children: list[ChildInput]) -> None:
    household = {person.id for person in family_or_people}
    if {child.person_id for child in children} != household:
        # The form lists every child in the household, always; anything else is a programming error.
        raise ValueError("the children given are not the children of the household")


@use_case("record_referral", "family")
def record_referral(
    family: Family,
    *,
    fields: dict,
    children: list[ChildInput],
    actor: User,
    now: datetime | None = None,
    late_recording_reason: str = "",
    linked_to: Referral | int | None = None,
    submission_key: str | None = None,
) -> Referral:
    """Record a referral as it was received. One written down late says why; one about a family with a referral
    received in the last few days may be linked to it; one about a family already open to a service is linked
    to that involvement, and its lead is told.

    The form's one-time `submission_key` records one referral however often it is posted (a double click, Back
    and save, two posts at once): the second gets the first, marked `already_saved`, and nothing changes."""
    submission_key = (submission_key or "")[:64] or None  # the column's length: a forged longer key is cut, never a 500
    existing = by_submission_key(Referral, submission_key)
    if existing is not None:
        existing.already_saved = True
        return existing
    now = now or clock.now()
    check_receipt(fields["received_at"], now=now)
    late = _late(fields["received_at"], late_recording_reason, what="this referral", now=now)
    linked = None
    if _id(linked_to):
        recent = recent_referrals(family.id, now=now)
        linked = next((r for r in recent if r.id == _id(linked_to) and not r.is_closed), None)
        if linked is None:
            raise Refused("Select a referral from the list, or say this one is not about the same worries", "linked_to")
    deadline = decision_deadline(fields["received_at"])
    referral = Referral(
        family=family,
        recorded_by=actor,
        decision_due_on=deadline.due,
        decision_due_explanation=deadline.explanation,
        status=ReferralStatus.AWAITING_DECISION,
        created_at=now,
        receipt_late_recording_reason=late,
        linked_to_id=linked.id if linked else None,
        **fields,
    )
    _check_children(family.children, children)
    for child in children:
        referral.children.append(
            ReferralChild(
                person_id=child.person_id,
                included=child.included,
                impact=child.impact.strip() if child.included else "",
                reason_not_included="" if child.included else child.reason_not_included.strip(),
            )
        )
    referral.submission_key = submission_key or None
    saved = add_once(referral)
    if saved.already_saved:
        return saved
    add_to_timeline(
        family.id,
        f"Referral received from {referral.agency.name} ({referral.referrer_name})",
        "referral",
        referral.id,
        actor=actor,
        at=fields["received_at"],
        late_reason=late,
    )
    _tell_open_episodes(referral, family, actor=actor)
    record_event("create", "referral", referral.id, family_id=family.id, user=actor)
    return referral


def _tell_open_episodes(referral: Referral, family: Family, *, actor: User) -> None:
    """A family already open to a service: the referral is linked to that involvement, and its lead told."""
    for episode in open_episodes(family.id):
        db.session.add(ReferralEpisode(referral_id=referral.id, episode_id=episode.id, lead_told_id=episode.lead_id))
        told = ""
        if episode.lead is not None:
            notify(
                episode.lead,
                kind="referral_about_your_family",
                message=f"New referral about {family.reference}, open to {episode.service.name} with you as lead: "
                f"from {referral.agency.name}, received {clock.moment(referral.received_at)}",
                link=link_to("referrals.show", referral_id=referral.id),
                dedupe_key=f"referral:{referral.id}:episode:{episode.id}",
                family_id=family.id,
            )
            told = f"; {episode.lead.name} told"
        add_to_timeline(
            family.id,
            f"Referral linked to the {episode.service.name} involvement{told}",
            "referral",
            referral.id,
            actor=actor,
        )


def _level_words(level: LevelOfNeed) -> str:
    return f"Level {level.number} ({level.name})"


def decision_rule(outcome: DecisionOutcome, level: LevelOfNeed) -> DecisionRule | None:
    return db.session.scalar(
        select(DecisionRule).where(DecisionRule.outcome_id == outcome.id, DecisionRule.level_id == level.id)
    )


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
    late_recording_reason: str = "",
) -> Referral:
    """Record the front door's decision. Exactly one of two people deciding at once wins.

    `lead` is the person named to lead the service the outcome opens (a lead practitioner for early
    help, a social worker for social care), by row or id; it is checked here, not by the caller. A decision
    the table of decisions and levels refuses is refused, saying why; one it says needs sign-off waits for a
    team manager of the front door (pending sign-off), with its clock running.
    """
    now = now or clock.now()
    referral = _locked(referral_id)
    if referral.status != ReferralStatus.AWAITING_DECISION:
        raise Refused(_stands(referral))
    outcome = db.session.get(DecisionOutcome, _id(outcome) or 0)
    if outcome is None or not outcome.active:
        raise Refused("Select a decision", "outcome")
    decided_level = db.session.get(LevelOfNeed, _id(decided_level) or 0)
    if decided_level is None or not decided_level.active:
        raise Refused("Select the level of need decided", "decided_level")
    rule = decision_rule(outcome, decided_level)
    level_words = _level_words(decided_level)
    fit, why = (rule.fit, rule.why) if rule else (None, "")
    needs_sign_off = check_fit(fit, outcome=outcome.name, level=level_words, why=why)
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
    late_recording = _late(decided_at, late_recording_reason, what="this decision", now=now)
    referral.outcome, referral.decided_level, referral.rationale = outcome, decided_level, rationale.strip()
    referral.decided_by, referral.decided_at, referral.lead = actor, decided_at, lead
    referral.decision_recorded_at, referral.decision_late_recording_reason = now, late_recording
    referral.late_reason = late_reason.strip() if is_late(decided_at, referral.decision_due_on) else None
    if needs_sign_off:
        referral.status = ReferralStatus.PENDING_SIGN_OFF
        add_to_timeline(
            referral.family_id,
            f"Decision recorded, waiting for a team manager's sign-off: {outcome.name} at {level_words}",
            "referral",
            referral.id,
            actor=actor,
            at=decided_at,
            late_reason=late_recording,
        )
        _ask_for_sign_off(referral, actor=actor)
    else:
        referral.status = ReferralStatus.DECIDED
        add_to_timeline(
            referral.family_id,
            f"Referral decided: {outcome.name}",
            "referral",
            referral.id,
            actor=actor,
            at=decided_at,
            late_reason=late_recording,
        )
        if outcome.opens_service:
            _open_episode(referral, outcome.opens_service, lead=lead, actor=actor, decided_at=decided_at)
    record_event("decide", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def front_door_managers() -> list[User]:
    """The team managers of the front door, who sign off the decisions that need it."""
    return db.session.scalars(
        select(User)
        .join(Role, User.role_id == Role.id)
        .join(Team, User.team_id == Team.id)
        .join(Service, Team.service_id == Service.id)
        .where(User.active, Role.code == RoleCode.TEAM_MANAGER, Service.code == FRONT_DOOR_SERVICE)
        .order_by(User.name)
    ).all()


def _ask_for_sign_off(referral: Referral, *, actor: User) -> None:
    family = db.session.get(Family, referral.family_id)
    for manager in front_door_managers():
        if manager.id == actor.id:
            continue
        notify(
            manager,
            kind="sign_off_needed",
            message=f"A decision for {family.reference} needs your sign-off: {referral.outcome.name} at "
            f"{_level_words(referral.decided_level)}",
            link=link_to("referrals.sign_off", referral_id=referral.id),
            dedupe_key=f"sign-off:{referral.id}:{manager.id}:{referral.decision_recorded_at.isoformat()}",
            family_id=referral.family_id,
        )


def _sign_off_stands(referral: Referral) -> str:
    """For the second of two managers signing off at once: what the first did."""
    if referral.is_decided and referral.signed_off_by is not None:
        return (
            f"This decision was signed off by {referral.signed_off_by.name} on "
            f"{clock.long_moment(referral.signed_off_at)}"
        )
    if referral.status == ReferralStatus.AWAITING_DECISION and referral.returned_by is not None:
        return (
            f"{referral.returned_by.name} did not agree with this decision on "
            f"{clock.long_moment(referral.returned_at)}: it is back with the front door"
        )
    if referral.status == ReferralStatus.AWAITING_DECISION:
        return "This referral has no decision waiting for sign-off"
    return f"{_stands(referral)}: it has no decision waiting for sign-off"


@use_case("sign_off", "referral")
def sign_off_decision(
    referral_id: int, *, agree: bool, reason: str, actor: User, now: datetime | None = None
) -> Referral:
    """A team manager of the front door agrees with a decision that needed sign-off (it is decided, its clock
    done now, and what it opens opens), or does not (it goes back to awaiting a decision, with the manager's
    note for the front door, and the decision kept in the history). Of two managers at once, one wins."""
    now = now or clock.now()
    referral = _locked(referral_id)
    stands = _sign_off_stands(referral)
    if referral.is_pending_sign_off and not may_sign_off(actor, referral):
        raise Refused("Only a team manager of the front door can sign off this decision")
    check_sign_off(referral.status, decided_by_id=referral.decided_by_id, actor_id=actor.id, stands=stands)
    asked = "why you agree with this decision" if agree else "why you do not agree with this decision"
    reason = check_reason(reason, asked=asked, field="reason")
    family = db.session.get(Family, referral.family_id)
    outcome, decider = referral.outcome, referral.decided_by
    if agree:
        referral.status = ReferralStatus.DECIDED
        referral.signed_off_by, referral.signed_off_at, referral.sign_off_reason = actor, now, reason
        _change(referral, "signed_off", actor=actor, now=now, reason=reason)
        add_to_timeline(
            referral.family_id,
            f"Decision signed off by {actor.name}: {outcome.name}",
            "referral",
            referral.id,
            actor=actor,
            at=now,
        )
        if outcome.opens_service:
            _open_episode(referral, outcome.opens_service, lead=referral.lead, actor=actor, decided_at=now)
        told = f"{actor.name} signed off your decision for {family.reference}: {outcome.name}. Now tell the referrer"
    else:
        _change(
            referral,
            "returned",
            actor=actor,
            now=now,
            reason=reason,
            details=[
                ["Decision", outcome.name, ""],
                ["Level of need decided", referral.decided_level.label, ""],
                ["Reasons", referral.rationale or "", ""],
                ["Decided by", f"{decider.name}, {clock.moment(referral.decided_at)}", ""],
            ],
        )
        referral.status = ReferralStatus.AWAITING_DECISION
        referral.returned_by, referral.returned_at, referral.returned_reason = actor, now, reason
        referral.outcome = referral.decided_level = referral.decided_by = referral.lead = None
        referral.rationale = referral.decided_at = referral.late_reason = referral.decision_recorded_at = None
        referral.decision_late_recording_reason = ""
        add_to_timeline(
            referral.family_id,
            f"Decision ({outcome.name}) not signed off by {actor.name}: back to the front door",
            "referral",
            referral.id,
            actor=actor,
            at=now,
        )
        told = f"{actor.name} did not agree with your decision for {family.reference} ({outcome.name}): see their note"
    if decider is not None and decider.id != actor.id:
        notify(
            decider,
            kind="sign_off_answered",
            message=told,
            link=link_to("referrals.show", referral_id=referral.id),
            dedupe_key=f"signed-off:{referral.id}:{now.isoformat()}",
            family_id=referral.family_id,
        )
    record_event("sign_off", "referral", referral.id, family_id=referral.family_id, user=actor)
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


def _check_told_the_decision(referral: Referral) -> None:
    if referral.is_pending_sign_off:
        raise Refused(
            "The decision is waiting for a team manager's sign-off: record that the referrer was told once it is"
            " signed off"
        )
    if referral.is_closed:
        raise Refused(f"{_stands(referral)}: there is no decision to tell the referrer")


@use_case("feedback", "referral")
def record_feedback(
    referral: Referral | int,
    *,
    method: str,
    actor: User,
    told_on: date | None = None,
    at: datetime | None = None,
    late_recording_reason: str = "",
    now: datetime | None = None,
) -> Referral:
    """Record the day the referrer was told the decision, as the person recording it gives it (`told_on`, or the
    London day of `at`): once, not before the decision was complete, and with a reason when written down late."""
    now = now or clock.now()
    if method not in FEEDBACK_METHODS:
        raise Refused("Select how the referrer was told", "method")
    referral = _locked(_id(referral))
    told_on = told_on or clock.local_date(at)
    _check_told_the_decision(referral)
    check_feedback(decided_at=referral.decision_done_at, told_on_before=referral.fed_back_on, told_on=told_on, now=now)
    late = _late(told_on, late_recording_reason, what="telling the referrer", now=now)
    referral.feedback_method, referral.fed_back_on, referral.feedback_by_id = method, told_on, actor.id
    referral.feedback_recorded_at, referral.feedback_late_recording_reason = now, late
    add_to_timeline(
        referral.family_id,
        f"Referrer told of the decision ({FEEDBACK_METHODS[method].lower()})",
        "referral",
        referral.id,
        actor=actor,
        at=told_on,
        late_reason=late,
    )
    record_event("feedback", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


FEEDBACK_LABELS = {"fed_back_on": "Date the referrer was told", "method": "How the referrer was told"}


@use_case("correct_feedback", "referral")
def correct_feedback(
    referral: Referral | int, *, method: str, told_on: date, reason: str, actor: User, now: datetime | None = None
) -> Referral:
    """Put right the day or the way the referrer was told, with a reason; what it was before stays in the
    history."""
    now = now or clock.now()
    if method not in FEEDBACK_METHODS:
        raise Refused("Select how the referrer was told", "method")
    referral = _locked(_id(referral))
    check_feedback_correction(
        decided_at=referral.decision_done_at or referral.decided_at,
        told_on=told_on,
        method=method,
        was=(referral.fed_back_on, referral.feedback_method),
        now=now,
    )
    reason = check_reason(reason, asked="why the feedback is being corrected", field="reason")
    before = {"fed_back_on": clock.day(referral.fed_back_on), "method": FEEDBACK_METHODS[referral.feedback_method]}
    after = {"fed_back_on": clock.day(told_on), "method": FEEDBACK_METHODS[method]}
    _change(
        referral,
        "feedback_corrected",
        actor=actor,
        now=now,
        reason=reason,
        details=changes_between(before, after, FEEDBACK_LABELS),
    )
    referral.fed_back_on, referral.feedback_method = told_on, method
    add_to_timeline(
        referral.family_id,
        f"Feedback to the referrer corrected: told {clock.day(told_on)} ({FEEDBACK_METHODS[method].lower()})",
        "referral",
        referral.id,
        actor=actor,
        at=now,
    )
    record_event("correct_feedback", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def feedback_letter(referral: Referral) -> dict:
    """What the feedback letter prints: raises Refused before there is a decision to tell (none, one waiting
    for sign-off, or a referral withdrawn or put aside as a duplicate)."""
    check_letter(status=referral.status, decided_at=referral.decision_done_at)
    return {"referral": referral, "today": clock.today()}


# Putting a referral right before its decision: amended, withdrawn, or marked a duplicate.

# What each kind of change is called in the referral's history.
CHANGE_KINDS = {
    "amended": "Amended",
    "withdrawn": "Withdrawn",
    "duplicate": "Marked as a duplicate",
    "signed_off": "Decision signed off",
    "returned": "Decision not signed off",
    "feedback_corrected": "Feedback corrected",
}

YES_NO_WORDS = {True: "Yes", False: "No"}
REFERRAL_LABELS = {
    "received_at": "Received",
    "agency_id": "Referring agency",
    "referrer_name": "Referrer's name",
    "referrer_role": "Referrer's role",
    "referrer_phone": "Referrer's phone number",
    "referrer_email": "Referrer's email address",
    "level_id": "Level of need the referrer believes applies",
    "immediate_danger": "Child in immediate danger",
    "worries": "What they are worried about",
    "what_has_been_tried": "What has been tried",
    "if_nothing_changes": "If nothing changes",
    "family_knows": "The family knows",
    "family_agrees": "The family agrees",
    "family_agreement_note": "Why the family does not agree, or was not asked",
}


def children_to_amend(referral: Referral) -> list[Person]:
    """The children an amendment asks about: those on the referral, and any child who joined the household since."""
    on_referral = [child.person for child in referral.children]
    known = {person.id for person in on_referral}
    family = db.session.get(Family, referral.family_id)
    return on_referral + [child for child in family.children if child.id not in known]


def _words(name: str, value) -> str:
    """A referral's field as the page shows it, for the history of changes."""
    if name == "received_at":
        return clock.moment(value)
    if name == "agency_id":
        agency = db.session.get(Agency, value)
        return agency.name if agency else ""
    if name == "level_id":
        level = db.session.get(LevelOfNeed, value)
        return level.label if level else ""
    if name == "immediate_danger":
        return YES_NO_WORDS[bool(value)]
    if name == "family_agrees":
        return FAMILY_AGREES.get(value, value)
    if name == "family_knows":
        return (value or "").capitalize()
    return value or ""


def _child_words(name: str, included: bool, impact: str, reason: str) -> dict[str, str]:
    return {
        f"{name}: part of the referral": YES_NO_WORDS[included],
        f"{name}: impact": impact if included else "",
        f"{name}: why not part of it": "" if included else reason,
    }


def _names(referral: Referral) -> dict[int, str]:
    return {person.id: person.full_name for person in children_to_amend(referral)}


def _saved_words(referral: Referral) -> dict[str, str]:
    """What the referral says now, field by field and child by child, as the page shows it."""
    names = _names(referral)
    words = {name: _words(name, getattr(referral, name)) for name in REFERRAL_LABELS}
    for row in referral.children:
        name = names.get(row.person_id, str(row.person_id))
        words |= _child_words(name, row.included, row.impact, row.reason_not_included)
    return words


def _typed_words(referral: Referral, fields: dict, children: list[ChildInput]) -> dict[str, str]:
    """What the referral would say with this amendment, in the shape of _saved_words."""
    names = _names(referral)
    words = {name: _words(name, fields.get(name)) for name in REFERRAL_LABELS}
    for child in children:
        name = names.get(child.person_id, str(child.person_id))
        words |= _child_words(name, child.included, child.impact.strip(), child.reason_not_included.strip())
    return words


def referral_digests(referral: Referral) -> str:
    """The amend form's `loaded` field: a digest of what each field and child's answer said (earlyhelp.versions)."""
    return digests(_saved_words(referral))


# What someone else changed, as the stale refusal says it ("they changed the referrer's name and what it says
# about Sam Brook").
_CHANGED_WORDS = {
    "received_at": "when it was received",
    "worries": "what they are worried about",
    "what_has_been_tried": "what has been tried",
    "if_nothing_changes": "what happens if nothing changes",
    "immediate_danger": "whether a child is in immediate danger",
    "family_knows": "whether the family knows",
    "family_agrees": "whether the family agrees",
    "family_agreement_note": "why the family does not agree, or was not asked",
}


def _labels_of(names) -> list[str]:
    """The words for changed fields and children, once each, in the page's order."""
    labels = [
        _CHANGED_WORDS.get(name) or "the " + label[:1].lower() + label[1:]
        for name, label in REFERRAL_LABELS.items()
        if name in names
    ]
    labels += [f"what it says about {name.split(': ')[0]}" for name in names if name not in REFERRAL_LABELS]
    return list(dict.fromkeys(labels))


def typed_by_person(referral: Referral, fields: dict, children: list[ChildInput], loaded: str | None) -> set[str]:
    """The names of the fields (and children's answers) this person changed from the page they loaded: after a
    stale refusal (versions.keep_typed) these keep what they typed, and every other one shows what is saved."""
    return changed_by_person(_typed_words(referral, fields, children), loaded)


def current_words(referral: Referral) -> dict[str, str]:
    """What the referral says now, field by field and child by child (the shape `loaded` digests)."""
    return _saved_words(referral)


def _only_mine(referral: Referral, fields: dict, children: list[ChildInput], loaded: str) -> tuple:
    """The amendment as it should be written: the person's own changes, the rest as the referral says now."""
    mine = typed_by_person(referral, fields, children, loaded)
    fields = {
        name: value if name not in REFERRAL_LABELS or name in mine else getattr(referral, name)
        for name, value in fields.items()
    }
    names, rows = _names(referral), {row.person_id: row for row in referral.children}
    kept = []
    for child in children:
        row = rows.get(child.person_id)
        prefix = f"{names.get(child.person_id, child.person_id)}: "
        if row is None or any(name.startswith(prefix) for name in mine):
            kept.append(child)
        else:
            kept.append(ChildInput(child.person_id, row.included, row.impact, row.reason_not_included))
    return fields, kept


@use_case("amend", "referral")
def amend_referral(
    referral_id: int,
    *,
    fields: dict,
    children: list[ChildInput],
    reason: str,
    version: int,
    actor: User,
    now: datetime | None = None,
    late_recording_reason: str = "",
    loaded: str | None = None,
) -> Referral:
    """Put right what a referral says, before its decision: the same fields as recording it, with a reason. What
    each changed field was before is kept, with who changed it, when and why. An amendment made from an older
    copy of the referral than the database holds is refused (versions.StaleEdit), keeping what was typed and (given the
    page's `loaded` digests) naming what was changed; with them, only what this person changed is written."""
    now = now or clock.now()
    referral = _locked(referral_id)
    check_can_put_right(
        referral.status, **_who_when(referral), what="it can no longer be amended. Its history shows what it said"
    )
    if version != referral.version:
        last = _last_change(referral)
        current = _saved_words(referral)
        theirs = changed_since(current, loaded) if loaded is not None else set()
        raise StaleEdit(
            "this referral",
            who=last.actor if last else None,
            when=last.at if last else None,
            changed=_labels_of([name for name in current if name in theirs]),
            current_version=referral.version,
            current=current,
        )
    if loaded is not None:
        fields, children = _only_mine(referral, fields, children, loaded)
    if db.session.get(Agency, fields["agency_id"]) is None:
        raise Refused("Select the referring agency from the list", "agency")
    if db.session.get(LevelOfNeed, fields["level_id"]) is None:
        raise Refused("Select the level of need the referrer believes applies", "level")
    check_receipt(fields["received_at"], now=now)
    people = children_to_amend(referral)
    _check_children(people, children)
    names = {person.id: person.full_name for person in people}
    rows = {child.person_id: child for child in referral.children}
    before = {name: _words(name, getattr(referral, name)) for name in REFERRAL_LABELS}
    after = {name: _words(name, fields[name]) for name in REFERRAL_LABELS}
    labels = dict(REFERRAL_LABELS)
    for child in children:
        row = rows.get(child.person_id)
        was = _child_words(names[child.person_id], row.included, row.impact, row.reason_not_included) if row else {}
        becomes = _child_words(
            names[child.person_id], child.included, child.impact.strip(), child.reason_not_included.strip()
        )
        before |= was
        after |= becomes
        labels |= {label: label for label in becomes}
    changes = changes_between(before, after, labels)
    if not changes:
        raise Refused("Nothing has changed. Change what the referral says, or go back to the referral")
    reason = check_reason(reason, asked="why the referral is being changed", field="reason")
    fields = dict(fields)
    received_moved = before["received_at"] != after["received_at"]
    if not received_moved:
        # The boxes hold minutes: a moment that reads the same is the one on record, seconds and all.
        fields.pop("received_at")
    else:
        # Received earlier than first said: written down late, then, perhaps; the clock is set again.
        check_received_before_recorded(fields["received_at"], recorded_at=referral.created_at)
        referral.receipt_late_recording_reason = _late(
            fields["received_at"], late_recording_reason, what="this referral", now=referral.created_at
        )
        deadline = decision_deadline(fields["received_at"])
        referral.decision_due_on, referral.decision_due_explanation = deadline.due, deadline.explanation
    for name, value in fields.items():
        setattr(referral, name, value.strip() if isinstance(value, str) else value)
    for child in children:
        row = rows.get(child.person_id)
        if row is None:
            row = ReferralChild(person_id=child.person_id)
            referral.children.append(row)
        row.included = child.included
        row.impact = child.impact.strip() if child.included else ""
        row.reason_not_included = "" if child.included else child.reason_not_included.strip()
    referral.version += 1
    _change(referral, "amended", actor=actor, now=now, reason=reason, details=changes)
    # What changed, in a few words: each field, and each child whose answers changed, once.
    changed = ", ".join(dict.fromkeys(label.split(": ")[0] for label, *_ in changes))
    add_to_timeline(
        referral.family_id, f"Referral amended: {changed}"[:300], "referral", referral.id, actor=actor, at=now
    )
    record_event("amend", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def _who_when(referral: Referral) -> dict:
    if referral.is_closed:
        who, when = referral.closed_by, referral.closed_at
    else:
        who, when = referral.decided_by, referral.decided_at
    return {"who": who.name if who else "someone", "when": when}


def _last_change(referral: Referral) -> ReferralChange | None:
    return db.session.scalar(
        select(ReferralChange)
        .where(ReferralChange.referral_id == referral.id)
        .order_by(ReferralChange.at.desc(), ReferralChange.id.desc())
        .limit(1)
    )


@use_case("withdraw", "referral")
def withdraw_referral(referral_id: int, *, reason: str, actor: User, now: datetime | None = None) -> Referral:
    """Withdrawn before a decision (the referrer took it back, it was about another family): no decision, no
    letter, out of the queue with a status of its own."""
    now = now or clock.now()
    referral = _locked(referral_id)
    check_can_put_right(referral.status, **_who_when(referral), what="it can no longer be withdrawn")
    reason = check_reason(reason, asked="why the referral is being withdrawn", field="reason")
    referral.status = ReferralStatus.WITHDRAWN
    referral.closed_by, referral.closed_at, referral.closed_reason = actor, now, reason
    _change(referral, "withdrawn", actor=actor, now=now, reason=reason)
    add_to_timeline(
        referral.family_id,
        f"Referral from {referral.agency.name} withdrawn",
        "referral",
        referral.id,
        actor=actor,
        at=now,
    )
    record_event("withdraw", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def duplicate_choices(referral: Referral) -> list[Referral]:
    """The family's other referrals that this one could repeat: not itself put aside, newest first."""
    return db.session.scalars(
        select(Referral)
        .where(
            Referral.family_id == referral.family_id,
            Referral.id != referral.id,
            Referral.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Referral.received_at.desc(), Referral.id.desc())
    ).all()


@use_case("mark_duplicate", "referral")
def mark_duplicate(
    referral_id: int, *, original: Referral | int | None, reason: str, actor: User, now: datetime | None = None
) -> Referral:
    """The same worry about the same family, already referred: put aside before a decision, linked to the
    referral it repeats (which is decided, and whose letter goes to the referrer)."""
    now = now or clock.now()
    referral = _locked(referral_id)
    check_can_put_right(referral.status, **_who_when(referral), what="it can no longer be marked as a duplicate")
    repeated = db.session.get(Referral, _id(original)) if _id(original) else None
    check_duplicate(referral_id=referral.id, family_id=referral.family_id, original=repeated)
    reason = check_reason(reason, asked="why this referral is a duplicate", field="reason")
    referral.status = ReferralStatus.DUPLICATE
    referral.duplicate_of_id = repeated.id
    referral.closed_by, referral.closed_at, referral.closed_reason = actor, now, reason
    _change(
        referral,
        "duplicate",
        actor=actor,
        now=now,
        reason=reason,
        details=[["Duplicate of", "", _described(repeated)]],
    )
    add_to_timeline(
        referral.family_id,
        f"Referral from {referral.agency.name} marked as a duplicate of {_described(repeated)}",
        "referral",
        referral.id,
        actor=actor,
        at=now,
    )
    record_event("mark_duplicate", "referral", referral.id, family_id=referral.family_id, user=actor)
    return referral


def _described(referral: Referral) -> str:
    """'the referral from School received Tue 1 Dec 2026 at 10:00'."""
    return f"the referral from {referral.agency.name} received {clock.moment(referral.received_at)}"


# What the referral page shows besides the referral: its history, the referrals linked to it, the involvement
# it was linked to, and why a decision waits for sign-off. One statement each, however many there are.


@dataclass(frozen=True)
class ReferralPage:
    changes: list[ReferralChange]
    linked: list[Referral]
    episodes: list[ReferralEpisode]
    sign_off_reason: str  # why its decision needs sign-off, while it waits for it


def referral_page(referral: Referral) -> ReferralPage:
    changes = db.session.scalars(
        select(ReferralChange)
        .where(ReferralChange.referral_id == referral.id)
        .order_by(ReferralChange.at, ReferralChange.id)
    ).all()
    ties = [Referral.linked_to_id == referral.id, Referral.duplicate_of_id == referral.id]
    if referral.linked_to_id:
        ties.append(Referral.id == referral.linked_to_id)
    if referral.duplicate_of_id:
        ties.append(Referral.id == referral.duplicate_of_id)
    linked = db.session.scalars(
        select(Referral).where(or_(*ties), Referral.id != referral.id).order_by(Referral.received_at, Referral.id)
    ).all()
    episodes = db.session.scalars(
        select(ReferralEpisode).where(ReferralEpisode.referral_id == referral.id).order_by(ReferralEpisode.id)
    ).all()
    why = ""
    if referral.is_pending_sign_off:
        rule = decision_rule(referral.outcome, referral.decided_level)
        why = sign_off_explanation(
            referral.outcome.name, _level_words(referral.decided_level), rule.why if rule else ""
        )
    return ReferralPage(changes=changes, linked=linked, episodes=episodes, sign_off_reason=why)


def sign_off_rules() -> list[str]:
    """The decisions that need a team manager's sign-off, as sentences, for the decide page."""
    rules = db.session.scalars(
        select(DecisionRule)
        .join(DecisionOutcome, DecisionRule.outcome_id == DecisionOutcome.id)
        .join(LevelOfNeed, DecisionRule.level_id == LevelOfNeed.id)
        .where(DecisionRule.fit == "sign_off", DecisionOutcome.active, LevelOfNeed.active)
        .order_by(DecisionOutcome.sort_order, LevelOfNeed.number)
    ).all()
    return [f"{rule.outcome.name} at {_level_words(rule.level)}" for rule in rules]


def waiting_for_sign_off(viewer: User) -> list[Referral]:
    """Decisions waiting for a team manager's sign-off, oldest first: on a front door manager's My work."""
    if not signs_off_decisions(viewer):
        return []
    return db.session.scalars(
        select(Referral)
        .where(Referral.status == ReferralStatus.PENDING_SIGN_OFF, not_restricted_for(viewer, Referral.family_id))
        .options(joinedload(Referral.family), joinedload(Referral.decided_by), joinedload(Referral.decided_level))
        .order_by(Referral.decided_at, Referral.id)
    ).all()


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
    """The front door queue: oldest first, so the longest-waiting family is seen first. Waiting for a decision
    includes decisions waiting for sign-off: their clocks are still running. Only referrals about families the
    viewer may see (earlyhelp/policy.py): a restricted family is not there."""
    wanted = (
        Referral.status.in_(OPEN_STATUSES) if status == ReferralStatus.AWAITING_DECISION else Referral.status == status
    )
    if status in OPEN_STATUSES and at_front_door(viewer):
        # The front door sees every family with a referral waiting (policy.family_ids), restricted ones aside: the
        # same rows as the full family_ids() union, without building it for 50,000 families on every request.
        seen = not_restricted_for(viewer, Referral.family_id)
    else:
        seen = Referral.family_id.in_(family_ids(viewer))
    query = select(Referral).where(wanted, seen)
    if agency_id:
        query = query.where(Referral.agency_id == agency_id)
    if level_id:
        query = query.where(Referral.level_id == level_id)
    if status in OPEN_STATUSES:
        order = Referral.received_at.asc()
    elif status == ReferralStatus.DECIDED:
        order = Referral.decided_at.desc()
    else:
        order = Referral.closed_at.desc()
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
