"""Step-up and step-down measures, with exact figures from requests moved through the real service at known
moments: period edges, the London day, and the August bank holiday (Monday 30 August 2027) in the handover
meeting's deadline. All names are fictional."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Transfer
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures, transfers
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.transfers.handover import save_handover_plan
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.factories_access import ensure_team

JULY = Period(date(2027, 7, 1), date(2027, 7, 31))
AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
SEPTEMBER = Period(date(2027, 9, 1), date(2027, 9, 30))
JULY_TO_SEPTEMBER = Period(date(2027, 7, 1), date(2027, 9, 30))
# When the figures are asked for: every deadline in the data has passed.
ASKED_AT = datetime(2027, 10, 1, 9, 0, tzinfo=LONDON)

SENT = measures.MEASURES["transfers_sent"]
ACCEPTED = measures.MEASURES["transfers_accepted"]
DECISION_DAYS = measures.MEASURES["transfer_decision_days"]
HANDOVER_DAYS = measures.MEASURES["handover_days"]
MEETINGS = measures.MEASURES["handover_meetings_in_time"]


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def at(*args):
    return time_machine.travel(london(*args), tick=False)


def _act(transfer, action, actor, when, **options):
    with at(*when):
        transfers.act(transfer.id, action, actor=actor, **options)
        db.session.commit()


def request(direction, *, requester, approver, made, sent, decision=None, decider=None, lead=None, declined=False):
    """A request written and sent for approval on `made`, approved (sent) on `sent`, and, given a `decision`
    moment, accepted by `decider` naming `lead` (or declined), all through the service."""
    service_code = "early_help" if direction == "step_up" else "social_care"
    receiving = lead.team.name if lead is not None else ("Social care team" if direction == "step_up" else None)
    with at(*made):
        episode = make_episode(make_household(children=1), service_code=service_code, lead=requester)
        transfer = make_transfer(
            episode, actor=requester, direction=direction, receiving_team=receiving or decider.team.name
        )
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=requester)
        db.session.commit()
    _act(transfer, TransferAction.APPROVE, approver, sent)
    if decision is not None:
        if declined:
            _act(transfer, TransferAction.DECLINE, decider, decision, reason="Needs are not at this level now.")
        else:
            _act(transfer, TransferAction.ACCEPT, decider, decision, lead=lead, reason="Agreed at the meeting.")
    return db.session.get(Transfer, transfer.id)


def meeting_held(transfer, on, actor):
    """The handover meeting recorded as held on `on` (a date), written down that day."""
    with at(on.year, on.month, on.day, 16, 0):
        plan = transfer.handover_plan
        save_handover_plan(
            transfer,
            expected_version=plan.version,
            changes={"meeting_on": on, "meeting_held": True, "meeting_place": "Family home"},
            actor=actor,
        )
        db.session.commit()


def handed_over(transfer, actor, when):
    _act(transfer, TransferAction.COMPLETE_HANDOVER, actor, when)


@pytest.fixture
def flow(app):
    """Step-ups from the Early help team to the Social care team, step-downs back, and one step-down to the
    North early help team, with their decisions, meetings and handovers in July to September 2027."""
    north = ensure_team("North early help", "early_help")
    who = {
        "pip": make_user("practitioner", team_name="Early help team", name="Pip Practitioner"),
        "sam": make_user("team_manager", team_name="Early help team", name="Sam Okafor"),
        "sol": make_user("social_worker", team_name="Social care team", name="Sol Socialworker"),
        "jo": make_user("team_manager", team_name="Social care team", name="Jo Brackenfold"),
        "nia": make_user("practitioner", team_name=north.name, name="Nia North"),
        "ned": make_user("team_manager", team_name=north.name, name="Ned North"),
    }
    pip, sam, sol, jo, nia, ned = (who[name] for name in ("pip", "sam", "sol", "jo", "nia", "ned"))
    up = dict(requester=pip, approver=sam, decider=jo, lead=sol)
    down = dict(requester=sol, approver=jo, decider=sam, lead=pip)
    who["requests"] = {
        # Sent on Friday 30 July, accepted on Monday 2 August (3 days), handed over on Friday 6 August (4 days).
        "july": request("step_up", made=(2027, 7, 29, 10), sent=(2027, 7, 30, 16), decision=(2027, 8, 2, 10), **up),
        # Sent and declined the same day: 0 days.
        "declined": request(
            "step_up", made=(2027, 8, 2, 9), sent=(2027, 8, 3, 10), decision=(2027, 8, 3, 15), declined=True, **up
        ),
        # Sent on Friday 27 August, accepted at 23:30 on Tuesday 31 August (22:30 UTC): 4 days, across the
        # bank holiday, decided in August by the London day.
        "late_evening": request(
            "step_up", made=(2027, 8, 26, 9), sent=(2027, 8, 27, 17, 30), decision=(2027, 8, 31, 23, 30), **up
        ),
        # Approved at 00:30 on 1 September in London, which is 23:30 on 31 August in UTC: sent in September.
        "after_midnight": request("step_up", made=(2027, 8, 31, 9), sent=(2027, 9, 1, 0, 30), **up),
        # A step-down accepted Wednesday 4 August: meeting due Wednesday 18 August, held 17 August, handed over
        # 19 August (15 days after acceptance).
        "down_in_time": request(
            "step_down", made=(2027, 7, 30, 9), sent=(2027, 8, 2, 9), decision=(2027, 8, 4, 11), **down
        ),
        # Accepted Friday 20 August: ten working days, the bank holiday not counted, is Monday 6 September
        # (without it, Friday 3 September). Held on 6 September: in time.
        "down_bank_holiday": request(
            "step_down", made=(2027, 8, 16, 9), sent=(2027, 8, 17, 9), decision=(2027, 8, 20, 11), **down
        ),
        # Accepted Tuesday 3 August: due Tuesday 17 August, held 19 August: late.
        "down_late": request(
            "step_down", made=(2027, 7, 30, 10), sent=(2027, 8, 2, 10), decision=(2027, 8, 3, 12), **down
        ),
        # To the North early help team, accepted Monday 9 August: due Monday 23 August, never held.
        "down_north": request(
            "step_down",
            requester=sol,
            approver=jo,
            decider=ned,
            lead=nia,
            made=(2027, 8, 5, 9),
            sent=(2027, 8, 6, 9),
            decision=(2027, 8, 9, 11),
        ),
    }
    requests = who["requests"]
    meeting_held(requests["july"], date(2027, 8, 5), jo)
    handed_over(requests["july"], jo, (2027, 8, 6, 12))
    meeting_held(requests["down_in_time"], date(2027, 8, 17), sam)
    handed_over(requests["down_in_time"], sam, (2027, 8, 19, 12))
    meeting_held(requests["down_bank_holiday"], date(2027, 9, 6), sam)
    meeting_held(requests["down_late"], date(2027, 8, 19), sam)
    return who


def counts(measure, scope, filters) -> tuple[int, int]:
    """How many counted, of how many (a share's figure, without the average days its rows also carry)."""
    figure = measures.figure(measure, scope, filters)
    return figure.counted, figure.total


def head():
    return scope_for(make_user("head_of_service", team_name=None))


def test_the_handover_meeting_deadlines_are_those_the_service_stored(flow):
    requests = flow["requests"]
    due = {name: requests[name].handover_plan.meeting_due_on for name in requests if name.startswith("down")}
    assert due == {
        "down_in_time": date(2027, 8, 18),
        "down_bank_holiday": date(2027, 9, 6),
        "down_late": date(2027, 8, 17),
        "down_north": date(2027, 8, 23),
    }


def test_requests_sent_count_by_the_day_of_approval_in_london_and_break_down_by_direction(flow):
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        assert measures.figure(SENT, scope, Filters(JULY)) == Figure(1, 1)
        assert measures.figure(SENT, scope, Filters(AUGUST)) == Figure(6, 6)
        assert measures.figure(SENT, scope, Filters(SEPTEMBER)) == Figure(1, 1)
        assert measures.by_breakdown(SENT, scope, Filters(AUGUST)) == [
            ("Step-down", Figure(4, 4)),
            ("Step-up", Figure(2, 2)),
        ]
        after_midnight = flow["requests"]["after_midnight"]
        assert [(row.record_id, row.on) for row in measures.rows_behind(SENT, scope, Filters(SEPTEMBER))] == [
            (after_midnight.id, date(2027, 9, 1))
        ]


def test_requests_sent_are_the_sending_teams_and_the_requesters(flow):
    with time_machine.travel(ASKED_AT, tick=False):
        filters = Filters(JULY_TO_SEPTEMBER)
        early_help_manager = make_user("team_manager", team_name="Early help team")
        assert measures.figure(SENT, scope_for(early_help_manager), filters) == Figure(4, 4)
        assert measures.figure(SENT, scope_for(flow["pip"]), filters) == Figure(4, 4)
        assert measures.figure(SENT, scope_for(flow["sol"]), filters) == Figure(4, 4)
        assert measures.figure(SENT, scope_for(flow["nia"]), filters) == Figure(0, 0)
        north = ensure_team("North early help", "early_help")
        assert measures.figure(SENT, head(), Filters(JULY_TO_SEPTEMBER, team_id=north.id)) == Figure(0, 0)


def test_decisions_share_accepted_and_days_from_sent_to_decision(flow):
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        accepted = measures.figure(ACCEPTED, scope, Filters(AUGUST))
        # Decided in August: july (3 days), declined (0), late_evening (4), down_in_time (2), down_bank_holiday
        # (3), down_late (1), down_north (3).
        assert (accepted.counted, accepted.total, accepted.percentage) == (6, 7, 86)
        days = measures.figure(DECISION_DAYS, scope, Filters(AUGUST))
        assert days.total == 7 and days.average_days == pytest.approx(16 / 7)
        assert measures.by_breakdown(DECISION_DAYS, scope, Filters(AUGUST)) == [
            ("Step-down", Figure(4, 4, 9 / 4)),
            ("Step-up", Figure(2, 3, pytest.approx(7 / 3))),
        ]
        # Nothing was decided in July: the request sent on 30 July counts when it was decided.
        assert counts(ACCEPTED, scope, Filters(JULY)) == (0, 0)
        declined = flow["requests"]["declined"]
        behind = measures.rows_behind(ACCEPTED, scope, Filters(AUGUST), which=measures.Rows.ALL)
        assert [(row.record_id, row.days, row.detail) for row in behind if not row.counted] == [
            (declined.id, 0, "Declined: Needs are not at this level now.")
        ]
        assert measures.count_behind(ACCEPTED, scope, Filters(AUGUST)) == 6


def test_decisions_are_the_receiving_teams_and_the_deciding_managers(flow):
    with time_machine.travel(ASKED_AT, tick=False):
        filters = Filters(AUGUST)
        # The Social care team decided the step-ups; the Early help team and North decided the step-downs.
        assert counts(ACCEPTED, scope_for(flow["jo"]), filters) == (2, 3)
        assert counts(ACCEPTED, scope_for(flow["sam"]), filters) == (3, 3)
        assert counts(ACCEPTED, scope_for(flow["ned"]), filters) == (1, 1)
        other_manager = make_user("team_manager", team_name="Social care team")
        assert counts(ACCEPTED, scope_for(other_manager), filters) == (2, 3)
        # A practitioner decides nothing: their own figure is empty.
        assert counts(ACCEPTED, scope_for(flow["pip"]), filters) == (0, 0)
        assert counts(ACCEPTED, head(), Filters(AUGUST, worker_id=flow["jo"].id)) == (2, 3)


def test_days_from_acceptance_to_handover_complete(flow):
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        # july: accepted 2 August, complete 6 August (4); down_in_time: accepted 4 August, complete 19 August (15).
        assert measures.figure(HANDOVER_DAYS, scope, Filters(AUGUST)) == Figure(2, 2, 19 / 2)
        assert measures.by_breakdown(HANDOVER_DAYS, scope, Filters(AUGUST)) == [
            ("Step-down", Figure(1, 1, 15.0)),
            ("Step-up", Figure(1, 1, 4.0)),
        ]
        # The receiving lead's own figure: Sol leads the step-up, Pip the step-down.
        assert measures.figure(HANDOVER_DAYS, scope_for(flow["sol"]), Filters(AUGUST)) == Figure(1, 1, 4.0)
        assert measures.figure(HANDOVER_DAYS, scope_for(flow["pip"]), Filters(AUGUST)) == Figure(1, 1, 15.0)
        assert measures.figure(HANDOVER_DAYS, scope, Filters(SEPTEMBER)) == Figure(0, 0)


def test_handover_meetings_within_the_deadline_count_on_the_day_due_and_skip_the_bank_holiday(flow):
    requests = flow["requests"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        # Due in August: down_in_time (held in time), down_late (held late), down_north (never held).
        assert measures.figure(MEETINGS, scope, Filters(AUGUST)) == Figure(1, 3)
        # Due Monday 6 September, because of the bank holiday, and held that day.
        assert measures.figure(MEETINGS, scope, Filters(SEPTEMBER)) == Figure(1, 1)
        rows = measures.rows_behind(MEETINGS, scope, Filters(AUGUST), which=measures.Rows.ALL)
        assert [(row.record_id, row.on, row.counted, row.detail, row.breakdown) for row in rows] == [
            (requests["down_north"].id, date(2027, 8, 23), False, "Not held yet", "North early help"),
            (requests["down_in_time"].id, date(2027, 8, 18), True, "Held in time", "Early help team"),
            (requests["down_late"].id, date(2027, 8, 17), False, "Held after the deadline", "Early help team"),
        ]
        assert measures.count_behind(MEETINGS, scope, Filters(AUGUST)) == 1
        assert measures.figure(MEETINGS, scope_for(flow["sam"]), Filters(AUGUST)) == Figure(1, 2)
        assert measures.figure(MEETINGS, scope_for(flow["nia"]), Filters(AUGUST)) == Figure(0, 1)


def test_a_meeting_not_yet_due_and_not_held_is_left_out_until_its_day_has_passed(flow):
    scope_person = make_user("head_of_service", team_name=None)
    # On Friday 3 September the meeting due on Monday 6 September is still to come.
    with time_machine.travel(datetime(2027, 9, 3, 9, 0, tzinfo=LONDON), tick=False):
        db.session.expire_all()
        bank_holiday = flow["requests"]["down_bank_holiday"]
        bank_holiday.handover_plan.meeting_held = False
        db.session.flush()
        assert measures.figure(MEETINGS, scope_for(scope_person), Filters(SEPTEMBER)) == Figure(0, 0)
    with time_machine.travel(ASKED_AT, tick=False):
        assert measures.figure(MEETINGS, scope_for(scope_person), Filters(SEPTEMBER)) == Figure(0, 1)


def test_a_restricted_family_is_in_no_request_figure_for_those_not_named_on_it(flow):
    flow["requests"]["declined"].family.restricted = True
    db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        assert measures.figure(SENT, scope, Filters(AUGUST)) == Figure(5, 5)
        assert counts(ACCEPTED, scope, Filters(AUGUST)) == (6, 6)
        assert measures.figure(DECISION_DAYS, scope, Filters(AUGUST)).average_days == pytest.approx(16 / 6)


MEETINGS_LATE = measures.MEASURES["handover_meetings_recorded_late"]


def test_handover_meetings_written_down_late_skip_the_bank_holiday(flow):
    requests = flow["requests"]
    sam, jo, sol = flow["sam"], flow["jo"], flow["sol"]
    # Two more step-downs, their meetings held on Friday 27 August: one written down on Tuesday 31 August (one
    # working day after, the bank holiday not counted: in time), one on Wednesday 1 September (late).
    down = dict(requester=sol, approver=jo, decider=sam, lead=flow["pip"])
    in_time = request("step_down", made=(2027, 8, 16, 10), sent=(2027, 8, 17, 10), decision=(2027, 8, 18, 11), **down)
    late = request("step_down", made=(2027, 8, 16, 11), sent=(2027, 8, 17, 11), decision=(2027, 8, 18, 12), **down)
    for transfer, written, reason in (
        (in_time, (2027, 8, 31, 9, 0), ""),
        (late, (2027, 9, 1, 9, 0), "The notes were in the car."),
    ):
        with at(*written):
            save_handover_plan(
                transfer,
                expected_version=transfer.handover_plan.version,
                changes={"meeting_on": date(2027, 8, 27), "meeting_held": True, "late_recording_reason": reason},
                actor=sam,
            )
            db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        # Held in August: july (5 August), down_in_time (17 August), down_late (19 August), and these two; all
        # but the last written down the day they were held.
        figure = measures.figure(MEETINGS_LATE, scope, Filters(AUGUST))
        assert (figure.counted, figure.total) == (1, 5)
        assert figure.average_days == pytest.approx((0 + 0 + 0 + 4 + 5) / 5)
        assert [
            (row.record_id, row.on, row.days, row.detail)
            for row in measures.rows_behind(MEETINGS_LATE, scope, Filters(AUGUST))
        ] == [(late.id, date(2027, 8, 27), 5, "The notes were in the car.")]
        # Held on 6 September, written down that day.
        assert counts(MEETINGS_LATE, scope, Filters(SEPTEMBER)) == (0, 1)
        # The receiving team's and lead's: Pip leads the step-downs, Sol the step-up.
        assert counts(MEETINGS_LATE, scope_for(flow["pip"]), Filters(AUGUST)) == (1, 4)
        assert counts(MEETINGS_LATE, scope_for(sol), Filters(AUGUST)) == (0, 1)
        late.family.restricted = True
        db.session.commit()
        assert counts(MEETINGS_LATE, head(), Filters(AUGUST)) == (0, 4)
    assert requests["july"].handover_plan.meeting_late_reason == ""
