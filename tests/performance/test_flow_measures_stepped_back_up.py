"""Step-downs that stepped back up within 6 and 12 months, with requests moved through the real service: the
calendar month's edge (31 August plus 6 months is 29 February 2028) and the London day. All names are
fictional."""

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Service, Transfer
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures, transfers
from earlyhelp.services.measures import Filters, Period
from tests.factories import make_transfer, make_user
from tests.factories_access import ensure_team
from tests.performance.test_flow_measures_transfers import at, request

SIX = measures.MEASURES["stepped_back_up_6_months"]
TWELVE = measures.MEASURES["stepped_back_up_12_months"]
AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
ASKED_AT = datetime(2028, 10, 1, 9, 0, tzinfo=LONDON)


def stepped_up(down: Transfer, *, requester, approver, decider, lead, sent, accepted):
    """A step-up of the family a step-down brought to early help, from its early help episode."""
    early_help = db.session.scalar(
        select(Episode)
        .join(Service, Service.id == Episode.service_id)
        .where(Episode.family_id == down.family_id, Service.code == "early_help", Episode.ended_on.is_(None))
    )
    with at(*sent):
        up = make_transfer(early_help, actor=requester)
        transfers.act(up.id, TransferAction.SUBMIT, actor=requester)
        transfers.act(up.id, TransferAction.APPROVE, actor=approver)
        db.session.commit()
    with at(*accepted):
        transfers.act(up.id, TransferAction.ACCEPT, actor=decider, lead=lead, reason="Agreed.")
        db.session.commit()
    return up


@pytest.fixture
def families(app):
    north = ensure_team("North early help", "early_help")
    pip = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    sam = make_user("team_manager", team_name="Early help team", name="Sam Okafor")
    sol = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    jo = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    nia = make_user("practitioner", team_name=north.name, name="Nia North")
    ned = make_user("team_manager", team_name=north.name, name="Ned North")
    down = dict(requester=sol, approver=jo, decider=sam, lead=pip)
    up = dict(approver=sam, decider=jo, lead=sol)
    # Each accepted at 23:30 on Tuesday 31 August 2027 in London (22:30 UTC): the London day is 31 August.
    made = {
        "leap_day": request(
            "step_down", made=(2027, 8, 27, 9), sent=(2027, 8, 27, 10), decision=(2027, 8, 31, 23, 30), **down
        ),
        "first_of_march": request(
            "step_down", made=(2027, 8, 27, 11), sent=(2027, 8, 27, 12), decision=(2027, 8, 31, 23, 30), **down
        ),
        "never": request("step_down", made=(2027, 8, 2, 9), sent=(2027, 8, 2, 10), decision=(2027, 8, 3, 11), **down),
        "north": request(
            "step_down",
            requester=sol,
            approver=jo,
            decider=ned,
            lead=nia,
            made=(2027, 8, 2, 11),
            sent=(2027, 8, 2, 12),
            decision=(2027, 8, 4, 11),
        ),
    }
    # 29 February 2028 is the last day of 6 months from 31 August: within. 1 March 2028 is not, but is within 12.
    stepped_up(made["leap_day"], requester=pip, sent=(2028, 2, 28, 10), accepted=(2028, 2, 29, 23, 30), **up)
    stepped_up(made["first_of_march"], requester=pip, sent=(2028, 2, 28, 11), accepted=(2028, 3, 1, 0, 30), **up)
    # North's family steps back up on 4 August 2028: the same day 12 months on, within 12.
    stepped_up(
        made["north"],
        requester=nia,
        approver=ned,
        decider=jo,
        lead=sol,
        sent=(2028, 8, 3, 10),
        accepted=(2028, 8, 4, 11),
    )
    return {"pip": pip, "nia": nia, "ned": ned, "sam": sam, "north": north, "requests": made}


def counts(measure, scope, filters):
    figure = measures.figure(measure, scope, filters)
    return figure.counted, figure.total


def test_stepped_back_up_within_6_and_12_calendar_months(families):
    made = families["requests"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = scope_for(make_user("head_of_service", team_name=None))
        assert counts(SIX, scope, Filters(AUGUST)) == (1, 4)
        assert counts(TWELVE, scope, Filters(AUGUST)) == (3, 4)
        rows = measures.rows_behind(TWELVE, scope, Filters(AUGUST), which=measures.Rows.ALL)
        assert sorted((row.record_id, row.on, row.counted, row.days, row.breakdown) for row in rows) == sorted(
            [
                (made["leap_day"].id, date(2027, 8, 31), True, 182, "Early help team"),
                (made["first_of_march"].id, date(2027, 8, 31), True, 183, "Early help team"),
                (made["never"].id, date(2027, 8, 3), False, None, "Early help team"),
                (made["north"].id, date(2027, 8, 4), True, 366, "North early help"),
            ]
        )
        assert [row.record_id for row in measures.rows_behind(SIX, scope, Filters(AUGUST))] == [made["leap_day"].id]


def test_stepped_back_up_is_the_receiving_teams_and_leads(families):
    with time_machine.travel(ASKED_AT, tick=False):
        assert counts(TWELVE, scope_for(families["pip"]), Filters(AUGUST)) == (2, 3)
        assert counts(TWELVE, scope_for(families["ned"]), Filters(AUGUST)) == (1, 1)
        assert counts(TWELVE, scope_for(families["sam"]), Filters(AUGUST)) == (2, 3)
        north = Filters(AUGUST, team_id=families["north"].id)
        assert counts(SIX, scope_for(make_user("head_of_service", team_name=None)), north) == (0, 1)


def test_a_restricted_family_is_in_no_step_back_up_figure_for_those_not_named_on_it(families):
    families["requests"]["leap_day"].family.restricted = True
    db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        scope = scope_for(make_user("head_of_service", team_name=None))
        assert counts(SIX, scope, Filters(AUGUST)) == (0, 3)
        assert counts(TWELVE, scope, Filters(AUGUST)) == (2, 3)


def test_a_step_up_accepted_before_the_step_down_is_not_stepping_back_up(families):
    """A family stepped up in July and down again in August has not stepped back up: only a step-up accepted
    after the step-down counts, however close the earlier one is."""
    sol, jo = (
        make_user("social_worker", team_name="Social care team"),
        make_user("team_manager", team_name="Social care team"),
    )
    pip, sam = families["pip"], families["sam"]
    up = request(
        "step_up",
        requester=pip,
        approver=sam,
        made=(2027, 7, 1, 9),
        sent=(2027, 7, 1, 10),
        decision=(2027, 7, 2, 11),
        decider=jo,
        lead=sol,
    )
    social_care = db.session.scalar(
        select(Episode)
        .join(Service, Service.id == Episode.service_id)
        .where(Episode.family_id == up.family_id, Service.code == "social_care", Episode.ended_on.is_(None))
    )
    with at(2027, 8, 9, 9):
        down = make_transfer(social_care, actor=sol, direction="step_down", receiving_team="Early help team")
        transfers.act(down.id, TransferAction.SUBMIT, actor=sol)
        transfers.act(down.id, TransferAction.APPROVE, actor=jo)
        db.session.commit()
    with at(2027, 8, 10, 11):
        transfers.act(down.id, TransferAction.ACCEPT, actor=sam, lead=pip, reason="Agreed.")
        db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        scope = scope_for(make_user("head_of_service", team_name=None))
        assert counts(TWELVE, scope, Filters(AUGUST)) == (3, 5)
        (row,) = [
            row
            for row in measures.rows_behind(TWELVE, scope, Filters(AUGUST), which=measures.Rows.ALL)
            if row.record_id == down.id
        ]
        assert (row.on, row.counted, row.days) == (date(2027, 8, 10), False, None)
