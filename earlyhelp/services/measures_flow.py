"""Flow and workload measures: step-ups and step-downs, family plans, next steps, supervision, caseloads, late
recording. Each is registered with earlyhelp.services.measures (read its docstring for the rows every measure
returns).

A request's moments are those of its history (TransferEvent.at: when the action was taken in the product), by
the London day: "sent" is its approval by the sending team's manager (the only way to the receiving team,
earlyhelp/policy.py), "decided" its acceptance or decline, "handed over" its handover marked complete. The state
machine allows each of these once per request. Teams and workers are as each definition says: the product keeps
no history of teams, so a person's team is their team at the time of asking (User.team_id), and a request's
sending and receiving teams are those it names.
"""

from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import Date, String, and_, case, cast, exists, extract, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from earlyhelp import clock
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.models import (
    Episode,
    FamilyPlan,
    HandoverPlan,
    NextStep,
    NextStepChange,
    Person,
    Supervision,
    Team,
    Transfer,
    TransferEvent,
    User,
)
from earlyhelp.models.case_notes import CaseNote
from earlyhelp.models.family_plans import FamilyPlanReview, FamilyPlanStatus
from earlyhelp.models.next_steps import NextStepStatus, OwnerKind
from earlyhelp.services.measures import (
    Kind,
    Measure,
    day_in,
    days_between,
    limited,
    london_date,
    moment_in,
    register,
    rows_query,
    worker_or_team,
)

SECTION_TRANSFERS = "Step-up and step-down"
SECTION_NEXT_STEPS = "Next steps"
SECTION_PLANS = "Family plans"
SECTION_WORKLOAD = "Workload"
SECTION_RECORDING = "Recording"
SECTION_SUPERVISION = "Supervision"


DECISIONS = (TransferAction.ACCEPT, TransferAction.DECLINE)


def _direction():
    """The breakdown of every request measure: "Step-up" or "Step-down"."""
    return case((Transfer.direction == Direction.STEP_UP, "Step-up"), else_="Step-down")


def _sent_at():
    """The request's approval moment (when it was sent to the receiving team), NULL if never sent: looked up by
    the request's own id (the index on transfer_event.transfer_id), not by reading every request's history."""
    event = aliased(TransferEvent)
    return (
        select(func.min(event.at))
        .where(event.transfer_id == Transfer.id, event.action == TransferAction.APPROVE)
        .scalar_subquery()
    )


# Step-ups and step-downs sent


def _requests_sent(scope, filters):
    sent = aliased(TransferEvent)
    earlier = aliased(TransferEvent)
    requester = aliased(User)
    sending_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=Transfer.family_id,
                record_id=Transfer.id,
                on=london_date(sent.at),
                breakdown=_direction(),
            )
        )
        .join(sent, and_(sent.transfer_id == Transfer.id, sent.action == TransferAction.APPROVE))
        .join(requester, requester.id == Transfer.requested_by_id)
        .outerjoin(sending_team, sending_team.id == Transfer.sending_team_id)
        .where(
            moment_in(sent.at, filters.period),
            # Approved once (the state machine allows no other); were there two, the first is the one counted.
            ~exists().where(
                earlier.transfer_id == sent.transfer_id,
                earlier.action == TransferAction.APPROVE,
                or_(earlier.at < sent.at, and_(earlier.at == sent.at, earlier.id < sent.id)),
            ),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Transfer.family_id,
        team_id=Transfer.sending_team_id,
        worker_id=Transfer.requested_by_id,
        service_id=sending_team.service_id,
    )


REQUESTS_SENT = register(
    Measure(
        key="transfers_sent",
        section=SECTION_TRANSFERS,
        title="Step-up and step-down requests sent",
        definition=(
            "Step-up and step-down requests sent to the receiving team in the period: counted on the day the"
            " sending team's manager approved the request (London time), which is when it is sent. A request"
            " still being written or awaiting approval is not sent; one sent and later withdrawn still counts."
            " Broken down into step-ups and step-downs. Team: the sending team; worker: the person who made the"
            " request."
        ),
        kind=Kind.COUNT,
        rows=_requests_sent,
        counted_words="requests sent",
        total_words="requests sent",
        breakdown_words="Step-up or step-down",
    )
)


# Decisions: accepted and declined, and the days from sent to decision


def _requests_decided(scope, filters):
    sent_at = _sent_at()
    decision = aliased(TransferEvent)
    decider = aliased(User)
    receiving_team = aliased(Team)
    decided_on = london_date(decision.at)
    query = (
        select(
            *rows_query(
                family_id=Transfer.family_id,
                record_id=Transfer.id,
                on=decided_on,
                counted=decision.action == TransferAction.ACCEPT,
                days=days_between(london_date(sent_at), decided_on),
                detail=case((decision.action == TransferAction.ACCEPT, "Accepted"), else_="Declined")
                + literal(": ")
                + Transfer.decision_rationale,
                breakdown=_direction(),
            )
        )
        .join(decision, and_(decision.transfer_id == Transfer.id, decision.action.in_(DECISIONS)))
        .join(decider, decider.id == decision.actor_id)
        .join(receiving_team, receiving_team.id == Transfer.receiving_team_id)
        .where(moment_in(decision.at, filters.period))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Transfer.family_id,
        team_id=Transfer.receiving_team_id,
        worker_id=decision.actor_id,
        service_id=receiving_team.service_id,
    )


_DECIDED_WHAT = (
    "Step-up and step-down requests accepted or declined in the period, counted on the day of the decision"
    " (London time)"
)
_DECIDED_WHOSE = (
    " Broken down into step-ups and step-downs. Team: the receiving team; worker: the manager who accepted or"
    " declined (at the front door's daily meeting, a front door manager)."
)

REQUESTS_ACCEPTED = register(
    Measure(
        key="transfers_accepted",
        section=SECTION_TRANSFERS,
        title="Step-up and step-down requests accepted",
        definition=(
            f"{_DECIDED_WHAT}, and how many of them were accepted: the share accepted of those decided. A request"
            " waiting for a decision, or withdrawn before one, is not decided." + _DECIDED_WHOSE
        ),
        kind=Kind.SHARE,
        rows=_requests_decided,
        counted_words="accepted",
        total_words="requests decided",
        breakdown_words="Step-up or step-down",
    )
)

DECISION_DAYS = register(
    Measure(
        key="transfer_decision_days",
        section=SECTION_TRANSFERS,
        title="Days from a request being sent to its decision",
        definition=(
            f"{_DECIDED_WHAT}, and the average number of calendar days from the day it was sent (its approval by"
            " the sending team's manager) to the day it was accepted or declined, London days: decided the day"
            " it was sent is 0 days; weekends and bank holidays are counted." + _DECIDED_WHOSE
        ),
        kind=Kind.AVERAGE_DAYS,
        rows=_requests_decided,
        counted_words="requests decided",
        total_words="requests decided",
        breakdown_words="Step-up or step-down",
        lower_is_better=True,
    )
)


# Handover complete: the days from acceptance


def _handovers_completed(scope, filters):
    accepted = aliased(TransferEvent)
    completed = aliased(TransferEvent)
    receiving_team = aliased(Team)
    completed_on = london_date(completed.at)
    query = (
        select(
            *rows_query(
                family_id=Transfer.family_id,
                record_id=Transfer.id,
                on=completed_on,
                days=days_between(london_date(accepted.at), completed_on),
                breakdown=_direction(),
            )
        )
        .join(
            completed, and_(completed.transfer_id == Transfer.id, completed.action == TransferAction.COMPLETE_HANDOVER)
        )
        .join(accepted, and_(accepted.transfer_id == Transfer.id, accepted.action == TransferAction.ACCEPT))
        .join(receiving_team, receiving_team.id == Transfer.receiving_team_id)
        .where(moment_in(completed.at, filters.period))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Transfer.family_id,
        team_id=Transfer.receiving_team_id,
        worker_id=Transfer.receiving_lead_id,
        service_id=receiving_team.service_id,
    )


HANDOVER_DAYS = register(
    Measure(
        key="handover_days",
        section=SECTION_TRANSFERS,
        title="Days from acceptance to handover complete",
        definition=(
            "Step-up and step-down requests whose handover was marked complete in the period (counted on that"
            " day, London time), and the average number of calendar days from the day the request was accepted"
            " to the day its handover was marked complete: the same day is 0 days; weekends and bank holidays are"
            " counted. Broken down into step-ups and step-downs. Team: the receiving team; worker: the receiving"
            " lead named when it was accepted."
        ),
        kind=Kind.AVERAGE_DAYS,
        rows=_handovers_completed,
        counted_words="handovers completed",
        total_words="handovers completed",
        breakdown_words="Step-up or step-down",
        lower_is_better=True,
    )
)


# Step-down handover meetings within the local deadline


def _handover_meetings(scope, filters):
    sent_at = _sent_at()
    receiving_team = aliased(Team)
    today = clock.today()
    held_in_time = and_(
        HandoverPlan.meeting_held.is_(True),
        HandoverPlan.meeting_on <= HandoverPlan.meeting_due_on,
        # A meeting dated before its request was sent (recorded before that rule) is never counted as done
        # (services.transfers.handover.meeting_before_request).
        HandoverPlan.meeting_on >= london_date(sent_at),
    )
    query = (
        select(
            *rows_query(
                family_id=Transfer.family_id,
                record_id=Transfer.id,
                on=HandoverPlan.meeting_due_on,
                counted=held_in_time,
                detail=case(
                    (held_in_time, "Held in time"),
                    (HandoverPlan.meeting_held.is_(True), "Held after the deadline"),
                    else_="Not held yet",
                ),
                breakdown=receiving_team.name,
            )
        )
        .join(HandoverPlan, HandoverPlan.transfer_id == Transfer.id)
        .join(receiving_team, receiving_team.id == Transfer.receiving_team_id)
        .where(
            Transfer.direction == Direction.STEP_DOWN,
            HandoverPlan.meeting_due_on.is_not(None),
            day_in(HandoverPlan.meeting_due_on, filters.period),
            # Not yet decided: a deadline still to come, or today, with no meeting held yet.
            or_(HandoverPlan.meeting_due_on < today, HandoverPlan.meeting_held.is_(True)),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Transfer.family_id,
        team_id=Transfer.receiving_team_id,
        worker_id=Transfer.receiving_lead_id,
        service_id=receiving_team.service_id,
    )


HANDOVER_MEETINGS_IN_TIME = register(
    Measure(
        key="handover_meetings_in_time",
        section=SECTION_TRANSFERS,
        title="Step-down handover meetings within the local deadline",
        definition=(
            "Accepted step-downs whose handover meeting (or joint visit) was due in the period, counted on the day"
            " it was due, and how many were held on or before that day. The deadline is the one set when the"
            " step-down was accepted: the council's timescale in working days after acceptance (10 unless the"
            " council has set another), with weekends and bank holidays in England not counted. Held"
            " means recorded as held, on the date it was held (not the day it was written down); a meeting dated"
            " before the request was sent does not count. A meeting due today or later and not yet held is left"
            " out until its day has passed. Team: the receiving team (the breakdown); worker: the receiving lead."
        ),
        kind=Kind.SHARE,
        rows=_handover_meetings,
        counted_words="held within the deadline",
        total_words="handover meetings due",
        breakdown_words="Receiving team",
    )
)


# Next steps overdue, as at the end of the period


def _as_at(filters) -> date:
    """The day overdue is judged on: the period's last day, or today when the period has not ended yet."""
    return min(filters.period.end, clock.today())


def _next_steps_overdue(scope, filters):
    as_at = _as_at(filters)
    # The first moment after the as-at day: what happened from then on had not happened yet.
    after = clock.at_london(as_at + timedelta(days=1), time(0))
    owner = aliased(User)
    owner_team = aliased(Team)
    # The due date as it stood then: a step moved to a new date after the as-at day was due on the date it was
    # moved from (its first change after that day).
    due_then = func.coalesce(
        select(NextStepChange.from_due_on)
        .where(
            NextStepChange.next_step_id == NextStep.id,
            NextStepChange.kind == "rescheduled",
            NextStepChange.at >= after,
        )
        .order_by(NextStepChange.at, NextStepChange.id)
        .limit(1)
        .scalar_subquery(),
        NextStep.due_on,
    )
    open_then = or_(
        NextStep.status == NextStepStatus.OPEN,
        and_(
            NextStep.status.in_((NextStepStatus.DONE, NextStepStatus.NOT_DONE, NextStepStatus.CANCELLED)),
            NextStep.status_on > as_at,
        ),
    )
    query = (
        select(
            *rows_query(
                family_id=NextStep.family_id,
                record_id=NextStep.id,
                on=literal(as_at),
                days=days_between(due_then, literal(as_at)),
                detail=NextStep.what,
                breakdown=worker_or_team(scope, filters, worker=owner.name, team=owner_team.name),
            )
        )
        .join(owner, owner.id == NextStep.owner_user_id)
        .outerjoin(owner_team, owner_team.id == owner.team_id)
        .where(
            NextStep.owner_kind == OwnerKind.USER,
            NextStep.created_at < after,
            open_then,
            due_then < as_at,
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=NextStep.family_id,
        team_id=owner.team_id,
        worker_id=NextStep.owner_user_id,
        service_id=owner_team.service_id,
    )


NEXT_STEPS_OVERDUE = register(
    Measure(
        key="next_steps_overdue",
        as_at=True,
        section=SECTION_NEXT_STEPS,
        title="Next steps overdue",
        definition=(
            "Next steps owned by a member of staff that were overdue as at the last day of the period (today, if"
            " the period has not ended yet): added on or before that day, still open at the end of it (not yet"
            " done, not done or cancelled by then), and due before it, by the due date they had then (a step"
            " moved to a later date after that day counts with the date it had). Steps owned by a family member"
            " or a partner agency, and steps only proposed in a request not yet accepted, are not counted. Days:"
            " how many calendar days overdue on that day. Broken down by owner (by team, when the figures"
            " cover more than one team). Team: the owner's team; worker: the owner."
        ),
        days_words="Days overdue",
        kind=Kind.COUNT,
        rows=_next_steps_overdue,
        counted_words="overdue",
        total_words="next steps overdue",
        breakdown_words="Owner",
        team_first=True,
        lower_is_better=True,
    )
)


# Family plans issued


def _plans_issued(scope, filters):
    issuer = aliased(User)
    issuer_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=FamilyPlan.family_id,
                record_id=FamilyPlan.id,
                on=london_date(FamilyPlan.issued_at),
                detail=literal("Version ") + cast(FamilyPlan.version, String),
                breakdown=case((FamilyPlan.version == 1, "First plan"), else_="New version"),
            )
        )
        .join(issuer, issuer.id == FamilyPlan.issued_by_id)
        .outerjoin(issuer_team, issuer_team.id == issuer.team_id)
        .where(FamilyPlan.status == FamilyPlanStatus.ISSUED, moment_in(FamilyPlan.issued_at, filters.period))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=FamilyPlan.family_id,
        team_id=issuer.team_id,
        worker_id=FamilyPlan.issued_by_id,
        service_id=issuer_team.service_id,
    )


PLANS_ISSUED = register(
    Measure(
        key="family_plans_issued",
        section=SECTION_PLANS,
        title="Family plans issued",
        definition=(
            "Versions of family plans issued in the period (printed for the family and frozen), counted on the day"
            " each was issued, London time; a draft is not counted. Broken down into first plans (version 1) and"
            " new versions of a plan. Team and worker: the person who issued it, and their team."
        ),
        kind=Kind.COUNT,
        rows=_plans_issued,
        counted_words="plans issued",
        total_words="plans issued",
        breakdown_words="First plan or new version",
    )
)


# Caseloads now, against the ceiling


def caseload_ceiling() -> int:
    """The most open families one worker should hold (setting CASELOAD_CEILING, 20 unless set)."""
    return current_app.config["CASELOAD_CEILING"]


def _children(family_id):
    """How many children live in the family's household now."""
    return (
        select(func.count(Person.id))
        .where(Person.family_id == family_id, Person.is_child.is_(True), Person.in_household.is_(True))
        .scalar_subquery()
    )


def _caseloads(scope, filters):
    lead = aliased(User)
    lead_team = aliased(Team)
    held = limited(
        select(
            Episode.id.label("episode_id"),
            Episode.family_id.label("family_id"),
            lead.name.label("lead_name"),
            lead_team.name.label("team_name"),
            func.count().over(partition_by=Episode.lead_id).label("families"),
        )
        .join(lead, lead.id == Episode.lead_id)
        .outerjoin(lead_team, lead_team.id == lead.team_id)
        .where(Episode.ended_on.is_(None)),
        scope,
        filters,
        family_id=Episode.family_id,
        team_id=lead.team_id,
        worker_id=Episode.lead_id,
        service_id=Episode.service_id,
    ).subquery("held")
    children = _children(held.c.family_id)
    return select(
        *rows_query(
            family_id=held.c.family_id,
            record_id=held.c.episode_id,
            on=literal(filters.period.end),
            counted=held.c.families > caseload_ceiling(),
            detail=cast(children, String) + case((children == 1, " child"), else_=" children"),
            breakdown=worker_or_team(scope, filters, worker=held.c.lead_name, team=held.c.team_name),
        )
    )


CASELOADS = register(
    Measure(
        key="caseloads",
        as_at=True,
        section=SECTION_WORKLOAD,
        title="Families held by a worker over the caseload ceiling",
        definition=(
            "Caseloads now, whatever the period (the product keeps no history of leads): every family open to a"
            " service with a named lead, one row per family per worker, counted on the period's last day."
            " Counted: the family's lead holds more open families than the council's caseload ceiling (20"
            " unless it has set another)."
            " Broken down by worker, each worker's total is their caseload (by team, when the figures"
            " cover more than one team); each row says how many children live in the household. A"
            " family the viewer may not see is not in any caseload they see. Team: the lead's team; worker: the"
            " lead; service: the service the family is open to."
        ),
        kind=Kind.SHARE,
        rows=_caseloads,
        counted_words="held by a worker over the ceiling",
        total_words="open families with a lead",
        breakdown_words="Worker",
        team_first=True,
        lower_is_better=True,
    )
)


def _children_held(scope, filters):
    lead = aliased(User)
    lead_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=Episode.family_id,
                record_id=Person.id,
                on=literal(filters.period.end),
                detail=Person.first_name,
                breakdown=worker_or_team(scope, filters, worker=lead.name, team=lead_team.name),
            )
        )
        .join(lead, lead.id == Episode.lead_id)
        .outerjoin(lead_team, lead_team.id == lead.team_id)
        .join(Person, and_(Person.family_id == Episode.family_id, Person.is_child.is_(True)))
        .where(Episode.ended_on.is_(None), Person.in_household.is_(True))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Episode.family_id,
        team_id=lead.team_id,
        worker_id=Episode.lead_id,
        service_id=Episode.service_id,
    )


CHILDREN_HELD = register(
    Measure(
        key="caseload_children",
        as_at=True,
        section=SECTION_WORKLOAD,
        title="Children in open families",
        definition=(
            "Children now, whatever the period: every child living in the household of a family open to a"
            " service with a named lead, counted on the period's last day. Broken down by worker (the lead; by"
            " team, when the figures cover more than one team). A"
            " family led in two services at once (early help and social care) counts its children for each lead."
            " Team: the lead's team; worker: the lead; service: the service the family is open to."
        ),
        kind=Kind.COUNT,
        rows=_children_held,
        counted_words="children",
        total_words="children",
        breakdown_words="Worker",
        team_first=True,
    )
)


# Step-downs that stepped back up


def _months_within_sql(first, second, months):
    """Whether the second date is on or before the first plus `months` calendar months, a month end held to the
    shorter month's end (31 August plus 6 months is 29 February in a leap year), the same on both engines."""
    months_apart = (extract("year", second) * 12 + extract("month", second)) - (
        extract("year", first) * 12 + extract("month", first)
    )
    return or_(months_apart < months, and_(months_apart == months, extract("day", second) <= extract("day", first)))


def _stepped_back_up(months: int):
    def rows(scope, filters):
        accepted = aliased(TransferEvent)
        up = aliased(Transfer)
        up_accepted = aliased(TransferEvent)
        receiving_team = aliased(Team)
        down_on = london_date(accepted.at)
        # The family's step-ups first (the index on transfer.family_id), then each one's acceptance after this
        # one by its own id (ix_transfer_event_transfer_action_at): never every acceptance since this one.
        up_accepted_after = (
            select(func.min(up_accepted.at))
            .where(
                up_accepted.transfer_id == up.id,
                up_accepted.action == TransferAction.ACCEPT,
                up_accepted.at > accepted.at,
            )
            # Two levels down: `up` and this step-down's acceptance are the enclosing queries', not new FROMs.
            .correlate_except(up_accepted)
            .scalar_subquery()
        )
        first_up = (
            select(func.min(up_accepted_after))
            .where(up.family_id == Transfer.family_id, up.direction == Direction.STEP_UP)
            .scalar_subquery()
        )
        up_on = london_date(first_up)
        query = (
            select(
                *rows_query(
                    family_id=Transfer.family_id,
                    record_id=Transfer.id,
                    on=down_on,
                    counted=and_(first_up.is_not(None), _months_within_sql(down_on, up_on, months)),
                    days=days_between(down_on, up_on),
                    breakdown=receiving_team.name,
                )
            )
            .join(accepted, and_(accepted.transfer_id == Transfer.id, accepted.action == TransferAction.ACCEPT))
            .join(receiving_team, receiving_team.id == Transfer.receiving_team_id)
            .where(Transfer.direction == Direction.STEP_DOWN, moment_in(accepted.at, filters.period))
        )
        return limited(
            query,
            scope,
            filters,
            family_id=Transfer.family_id,
            team_id=Transfer.receiving_team_id,
            worker_id=Transfer.receiving_lead_id,
            service_id=receiving_team.service_id,
        )

    return rows


def _stepped_back_up_measure(months: int) -> Measure:
    return Measure(
        key=f"stepped_back_up_{months}_months",
        section=SECTION_TRANSFERS,
        title=f"Step-downs that stepped back up within {months} months",
        definition=(
            "Step-downs accepted in the period (counted on the day accepted, London time), and how many of their"
            f" families then had a step-up accepted within {months} calendar months of that day (up to the same"
            f" day {months} months later; from 31 August, the last day of the shorter month), whichever team sent"
            " it. A step-down accepted less than that long ago may still step back up. Days: from the step-down's"
            " acceptance to the first step-up accepted after it, if any. Broken down by the team that took the"
            " step-down. Team: that receiving team; worker: the receiving lead named when it was accepted."
        ),
        days_words="Days until it stepped back up",
        kind=Kind.SHARE,
        rows=_stepped_back_up(months),
        counted_words=f"stepped back up within {months} months",
        total_words="step-downs accepted",
        breakdown_words="Receiving team",
        lower_is_better=True,
    )


STEPPED_BACK_UP_6 = register(_stepped_back_up_measure(6))
STEPPED_BACK_UP_12 = register(_stepped_back_up_measure(12))


# Written down late: when it happened against when it was written down


LATE_RULE = (
    " Written down late: more than the allowed number of working days (1 unless the council has"
    " set another; weekends and bank holidays in England not counted) between the day it happened and the London"
    " day it was written down, as the product judged it when it was written down (and asked why)."
)


def _meetings_recorded_late(scope, filters):
    receiving_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=Transfer.family_id,
                record_id=Transfer.id,
                on=HandoverPlan.meeting_on,
                counted=HandoverPlan.meeting_late_reason != "",
                days=days_between(HandoverPlan.meeting_on, london_date(HandoverPlan.meeting_recorded_at)),
                detail=HandoverPlan.meeting_late_reason,
                breakdown=_direction(),
            )
        )
        .join(HandoverPlan, HandoverPlan.transfer_id == Transfer.id)
        .join(receiving_team, receiving_team.id == Transfer.receiving_team_id)
        .where(
            HandoverPlan.meeting_held.is_(True),
            HandoverPlan.meeting_recorded_at.is_not(None),
            day_in(HandoverPlan.meeting_on, filters.period),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Transfer.family_id,
        team_id=Transfer.receiving_team_id,
        worker_id=Transfer.receiving_lead_id,
        service_id=receiving_team.service_id,
    )


MEETINGS_RECORDED_LATE = register(
    Measure(
        key="handover_meetings_recorded_late",
        section=SECTION_RECORDING,
        title="Handover meetings written down late",
        definition=(
            "Step-up and step-down handover meetings (or joint visits) held in the period, by the date they were"
            " held, and how many were written down late: the date held against the moment it was recorded as"
            " held." + LATE_RULE + " Days: calendar days from the meeting to the day it was written down. Broken"
            " down into step-ups and step-downs. Team: the receiving team; worker: the receiving lead."
        ),
        days_words="Days late",
        kind=Kind.SHARE,
        rows=_meetings_recorded_late,
        counted_words="written down late",
        total_words="handover meetings held",
        breakdown_words="Step-up or step-down",
        lower_is_better=True,
    )
)


def _notes_recorded_late(scope, filters):
    author = aliased(User)
    author_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=CaseNote.family_id,
                record_id=CaseNote.id,
                on=london_date(CaseNote.happened_at),
                counted=CaseNote.recorded_late.is_(True),
                days=days_between(london_date(CaseNote.happened_at), london_date(CaseNote.recorded_at)),
                detail=CaseNote.late_recording_reason,
                breakdown=author.name,
            )
        )
        .join(author, author.id == CaseNote.author_id)
        .outerjoin(author_team, author_team.id == author.team_id)
        .where(CaseNote.corrects_id.is_(None), moment_in(CaseNote.happened_at, filters.period))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=CaseNote.family_id,
        team_id=author.team_id,
        worker_id=CaseNote.author_id,
        service_id=author_team.service_id,
    )


NOTES_RECORDED_LATE = register(
    Measure(
        key="case_notes_recorded_late",
        section=SECTION_RECORDING,
        title="Case notes written down late",
        definition=(
            "Case notes about what happened in the period (by the London day it happened), and how many were"
            " written down late: when it happened against when the note was saved." + LATE_RULE + " A correction"
            " of a note is not counted again. Days: calendar days from the day it happened to the day it was"
            " written down. Broken down by author. Team and worker: the author, and their team."
        ),
        days_words="Days late",
        kind=Kind.SHARE,
        rows=_notes_recorded_late,
        counted_words="written down late",
        total_words="case notes",
        breakdown_words="Author",
        lower_is_better=True,
    )
)


def _reviews_recorded_late(scope, filters):
    recorder = aliased(User)
    recorder_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=FamilyPlan.family_id,
                record_id=FamilyPlanReview.id,
                on=FamilyPlanReview.held_on,
                counted=FamilyPlanReview.late_reason != "",
                days=days_between(FamilyPlanReview.held_on, london_date(FamilyPlanReview.recorded_at)),
                detail=FamilyPlanReview.late_reason,
                breakdown=recorder.name,
            )
        )
        .join(FamilyPlan, FamilyPlan.id == FamilyPlanReview.plan_id)
        .join(recorder, recorder.id == FamilyPlanReview.recorded_by_id)
        .outerjoin(recorder_team, recorder_team.id == recorder.team_id)
        .where(day_in(FamilyPlanReview.held_on, filters.period))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=FamilyPlan.family_id,
        team_id=recorder.team_id,
        worker_id=FamilyPlanReview.recorded_by_id,
        service_id=recorder_team.service_id,
    )


REVIEWS_RECORDED_LATE = register(
    Measure(
        key="plan_reviews_recorded_late",
        section=SECTION_RECORDING,
        title="Family plan reviews written down late",
        definition=(
            "Family plan review meetings held in the period (by the date held), and how many were written down"
            " late: the date held against the moment the review was recorded." + LATE_RULE + " Days: calendar"
            " days from the review to the day it was written down. Broken down by who recorded it. Team and"
            " worker: the person who recorded it, and their team."
        ),
        days_words="Days late",
        kind=Kind.SHARE,
        rows=_reviews_recorded_late,
        counted_words="written down late",
        total_words="reviews held",
        breakdown_words="Recorded by",
        lower_is_better=True,
    )
)


def _family_copies(scope, filters):
    lead = aliased(User)
    lead_team = aliased(Team)
    issued_on = london_date(FamilyPlan.issued_at)
    query = (
        select(
            *rows_query(
                family_id=FamilyPlan.family_id,
                record_id=FamilyPlan.id,
                on=issued_on,
                counted=issued_on <= FamilyPlan.family_copy_due_on,
                days=days_between(FamilyPlan.family_copy_due_on, issued_on),
                detail=literal("Version ") + cast(FamilyPlan.version, String),
                breakdown=func.coalesce(lead.name, "No lead"),
            )
        )
        .outerjoin(lead, lead.id == FamilyPlan.lead_id)
        .outerjoin(lead_team, lead_team.id == lead.team_id)
        .where(
            FamilyPlan.status == FamilyPlanStatus.ISSUED,
            moment_in(FamilyPlan.issued_at, filters.period),
            FamilyPlan.family_copy_due_on.is_not(None),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=FamilyPlan.family_id,
        team_id=lead.team_id,
        worker_id=FamilyPlan.lead_id,
        service_id=lead_team.service_id,
    )


FAMILY_COPIES_IN_TIME = register(
    Measure(
        key="family_copies_in_time",
        section=SECTION_PLANS,
        title="Family plans given to the family within the local deadline",
        definition=(
            "Versions of family plans issued in the period (the day each was issued, London time: issuing prints"
            " the family's own copy), and how many were issued on or before the local deadline: the council's"
            " timescale in working days (15 unless it has set another) after the plan was agreed with the"
            " family, or after the"
            " draft was started if no agreement is recorded, with weekends and bank holidays in England not"
            " counted (the date fixed when it was issued). Days: calendar days from the deadline to the day it"
            " was issued (negative: early). Broken down by the plan's lead. Team and worker: the lead named in"
            " the plan, and their team."
        ),
        kind=Kind.SHARE,
        rows=_family_copies,
        counted_words="given within the deadline",
        total_words="plans issued",
        breakdown_words="Lead",
    )
)


def _reviews_held(scope, filters):
    lead = aliased(User)
    lead_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=FamilyPlan.family_id,
                record_id=FamilyPlanReview.id,
                on=FamilyPlanReview.held_on,
                counted=FamilyPlanReview.held_on <= FamilyPlanReview.due_on,
                days=days_between(FamilyPlanReview.due_on, FamilyPlanReview.held_on),
                detail=literal("Version ") + cast(FamilyPlan.version, String),
                breakdown=func.coalesce(lead.name, "No lead"),
            )
        )
        .join(FamilyPlan, FamilyPlan.id == FamilyPlanReview.plan_id)
        .outerjoin(lead, lead.id == FamilyPlan.lead_id)
        .outerjoin(lead_team, lead_team.id == lead.team_id)
        .where(day_in(FamilyPlanReview.held_on, filters.period), FamilyPlanReview.due_on.is_not(None))
    )
    return limited(
        query,
        scope,
        filters,
        family_id=FamilyPlan.family_id,
        team_id=lead.team_id,
        worker_id=FamilyPlan.lead_id,
        service_id=lead_team.service_id,
    )


REVIEWS_ON_TIME = register(
    Measure(
        key="plan_reviews_on_time",
        section=SECTION_PLANS,
        title="Family plan reviews held on time",
        definition=(
            "Family plan review meetings held in the period (by the date held), and how many were held on or"
            " before the review date the plan had then (set when the plan was issued, or by the review before)."
            " Reviews recorded before the product kept that date (December 2026) are left out. Days: calendar"
            " days from the review date to the meeting (negative: held early). Broken down by the plan's lead."
            " Team and worker: the lead named in the plan, and their team."
        ),
        kind=Kind.SHARE,
        rows=_reviews_held,
        counted_words="held on time",
        total_words="reviews held",
        breakdown_words="Lead",
    )
)


# Case supervision on time (the rule of services.supervision.due_from, in SQL)


class add_days(FunctionElement):
    """A date plus a whole number of days, as a date, on both engines."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "postgresql")
def _add_days_pg(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '+' || CAST({compiler.process(days, **kw)} AS TEXT) || ' days')"


def _open_through(family_id, held_on, day):
    """The family's episode open when the supervision was held was still open on that day: a case with no open
    episode needs no supervision, and a family opened again starts a clock of its own (the first case
    supervision measure), as every supervision page has it (services.supervision.cases_due)."""
    return exists().where(
        Episode.family_id == family_id,
        Episode.started_on <= held_on,
        or_(Episode.ended_on.is_(None), Episode.ended_on >= day),
    )


def _case_supervisions_due(scope, filters):
    later = aliased(Supervision)
    supervised = aliased(User)
    supervised_team = aliased(Team)
    due = Supervision.next_supervision_on
    met = exists().where(
        later.kind == "case",
        later.family_id == Supervision.family_id,
        or_(later.held_on > Supervision.held_on, and_(later.held_on == Supervision.held_on, later.id > Supervision.id)),
        later.held_on <= due,
    )
    query = (
        select(
            *rows_query(
                family_id=Supervision.family_id,
                record_id=Supervision.id,
                on=due,
                counted=met,
                breakdown=worker_or_team(scope, filters, worker=supervised.name, team=supervised_team.name),
            )
        )
        .join(supervised, supervised.id == Supervision.practitioner_id)
        .outerjoin(supervised_team, supervised_team.id == supervised.team_id)
        .where(
            Supervision.kind == "case",
            day_in(due, filters.period),
            or_(due < clock.today(), met),
            _open_through(Supervision.family_id, Supervision.held_on, due),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=Supervision.family_id,
        team_id=supervised.team_id,
        worker_id=Supervision.practitioner_id,
        service_id=supervised_team.service_id,
    )


CASE_SUPERVISION_ON_TIME = register(
    Measure(
        key="case_supervision_on_time",
        section=SECTION_SUPERVISION,
        title="Case supervision on time",
        definition=(
            "Case supervisions due in the period, counted on the day due: the date of the next supervision agreed"
            " at each case supervision (the rule every supervision page uses), while the family was still open in"
            " the episode it was held in. On time: another case supervision of the family was held after it, on or"
            " before that date. A date today or still to come, not yet met, is left out until it has passed. The"
            " first case supervision of each episode (a family opened again included) is in the measure of first"
            " case supervisions. Broken down by the practitioner"
            " supervised (by team, when the figures cover more than one team). Team and"
            " worker: the practitioner supervised, and their team."
        ),
        kind=Kind.SHARE,
        rows=_case_supervisions_due,
        counted_words="held on time",
        total_words="case supervisions due",
        breakdown_words="Practitioner",
        team_first=True,
    )
)


def _first_case_supervisions_due(scope, filters):
    weeks = current_app.config["SUPERVISION_INTERVAL_WEEKS"]
    due = add_days(Episode.started_on, literal(weeks * 7))
    lead = aliased(User)
    lead_team = aliased(Team)
    case_supervision = aliased(Supervision)
    met = exists().where(
        case_supervision.kind == "case",
        case_supervision.family_id == Episode.family_id,
        case_supervision.held_on >= Episode.started_on,
        case_supervision.held_on <= due,
    )
    query = (
        select(
            *rows_query(
                family_id=Episode.family_id,
                record_id=Episode.id,
                on=due,
                counted=met,
                breakdown=func.coalesce(lead.name, "No lead"),
            )
        )
        .outerjoin(lead, lead.id == Episode.lead_id)
        .outerjoin(lead_team, lead_team.id == Episode.team_id)
        .where(
            day_in(due, filters.period),
            or_(due < clock.today(), met),
            or_(Episode.ended_on.is_(None), Episode.ended_on >= due),
        )
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


FIRST_CASE_SUPERVISION_ON_TIME = register(
    Measure(
        key="first_case_supervision_on_time",
        section=SECTION_SUPERVISION,
        title="First case supervision on time",
        definition=(
            "Times a family was opened to a service (a family opened again starts again), whose first case "
            "supervision of that episode was due in the period: the council's supervision interval (4 weeks "
            "unless it has set another) after the day the family was opened (the rule every supervision page "
            "uses), counted on that day, while the family was still open. On time: a case supervision of the "
            "family held from the day it was opened to that date. A date today or still to come, not yet met, is "
            "left out until it has passed. Broken down by the family's lead. Team: the team holding the family; "
            "worker: its lead now; service: the service."
        ),
        kind=Kind.SHARE,
        rows=_first_case_supervisions_due,
        counted_words="held on time",
        total_words="first case supervisions due",
        breakdown_words="Lead",
    )
)


# Family plan reviews overdue now


def _reviews_overdue(scope, filters):
    today = clock.today()
    newer = aliased(FamilyPlan)
    lead = aliased(User)
    lead_team = aliased(Team)
    query = (
        select(
            *rows_query(
                family_id=FamilyPlan.family_id,
                record_id=FamilyPlan.id,
                on=literal(filters.period.end),
                days=days_between(FamilyPlan.review_on, literal(today)),
                detail=literal("Version ") + cast(FamilyPlan.version, String),
                breakdown=worker_or_team(
                    scope, filters, worker=func.coalesce(lead.name, "No lead"), team=lead_team.name
                ),
            )
        )
        .outerjoin(lead, lead.id == FamilyPlan.lead_id)
        .outerjoin(lead_team, lead_team.id == lead.team_id)
        .where(
            FamilyPlan.status == FamilyPlanStatus.ISSUED,
            FamilyPlan.closed_at.is_(None),
            FamilyPlan.review_on < today,
            ~exists().where(
                newer.family_id == FamilyPlan.family_id,
                newer.status == FamilyPlanStatus.ISSUED,
                newer.version > FamilyPlan.version,
            ),
        )
    )
    return limited(
        query,
        scope,
        filters,
        family_id=FamilyPlan.family_id,
        team_id=lead.team_id,
        worker_id=FamilyPlan.lead_id,
        service_id=lead_team.service_id,
    )


REVIEWS_OVERDUE = register(
    Measure(
        key="plan_reviews_overdue",
        as_at=True,
        section=SECTION_PLANS,
        title="Family plans overdue for review",
        definition=(
            "Now, whatever the period (the product keeps only each plan's next review date, not the dates it had"
            " before): the family's latest issued plan, not closed, whose next review date has passed (a review"
            " held sets the next date; one due today is not yet overdue), counted on the period's last day. Days:"
            " calendar days overdue today. Broken down by the plan's lead (by team, when the"
            " figures cover more than one team). Team and worker: the lead named in the plan, and their team."
        ),
        days_words="Days overdue",
        kind=Kind.COUNT,
        rows=_reviews_overdue,
        counted_words="overdue for review",
        total_words="plans overdue for review",
        breakdown_words="Lead",
        team_first=True,
        lower_is_better=True,
    )
)
