"""Next steps overdue as at the end of a period, with exact figures from steps added, done, cancelled and moved
through the real service on known days. All names are fictional."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models.next_steps import NextStepStatus
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures, next_steps
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.next_steps import NextStepInput
from tests.factories import make_household, make_next_step, make_user
from tests.factories_access import ensure_team

OVERDUE = measures.MEASURES["next_steps_overdue"]
JULY = Period(date(2027, 7, 1), date(2027, 7, 31))
AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
SEPTEMBER = Period(date(2027, 9, 1), date(2027, 9, 30))
# Asked on Friday 10 September 2027: September has not ended yet.
ASKED_AT = datetime(2027, 9, 10, 9, 0, tzinfo=LONDON)


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=LONDON).astimezone(UTC), tick=False)


def step(owner, due_on, what):
    return make_next_step(owner, what=what, due_on=due_on, added_on=date(2027, 8, 2))


@pytest.fixture
def steps(app):
    """Steps added on Monday 2 August 2027 for Pip (Early help team) and Nia (North early help), and one more
    of Pip's on 1 September; some done, cancelled or moved on later days."""
    north = ensure_team("North early help", "early_help")
    pip = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    nia = make_user("practitioner", team_name=north.name, name="Nia North")
    with at(2027, 8, 2, 10, 0):
        made = {
            "open": step(pip, date(2027, 8, 20), "Ring the school"),
            "due_last_day": step(pip, date(2027, 8, 31), "Book the review"),
            "done_later": step(pip, date(2027, 8, 10), "Visit at home"),
            "done_last_day": step(pip, date(2027, 8, 10), "Send the letter"),
            "moved": step(pip, date(2027, 8, 30), "Meet the health visitor"),
            "cancelled_later": step(pip, date(2027, 8, 12), "Refer to the food bank"),
            "north": step(nia, date(2027, 8, 3), "Phone the GP"),
        }
        family = make_household(children=1)
        made["family_owned"] = next_steps.add_next_step(
            family.id,
            NextStepInput(
                what="Mum rings the nursery", owner_kind="family_member", owner_name="Mum", due_on=date(2027, 8, 3)
            ),
            source_type="family_plan",
            source_id=None,
            actor=pip,
            today=date(2027, 8, 2),
        )
        db.session.commit()
    with at(2027, 8, 31, 16, 0):
        next_steps.complete(made["done_last_day"], actor=pip, on=date(2027, 8, 31))
        db.session.commit()
    with at(2027, 9, 1, 9, 0):
        next_steps.close_undone(
            made["cancelled_later"],
            NextStepStatus.CANCELLED,
            reason="The family use another one.",
            actor=pip,
            on=date(2027, 9, 1),
        )
        made["new"] = make_next_step(pip, what="Check in with mum", due_on=date(2027, 9, 3), added_on=date(2027, 9, 1))
        db.session.commit()
    with at(2027, 9, 2, 9, 0):
        next_steps.reschedule(
            made["moved"],
            due_on=date(2027, 9, 15),
            reason="The health visitor is away.",
            actor=pip,
            today=date(2027, 9, 2),
        )
        db.session.commit()
    with at(2027, 9, 5, 9, 0):
        next_steps.complete(made["done_later"], actor=pip, on=date(2027, 9, 5))
        db.session.commit()
    return {"pip": pip, "nia": nia, "north": north, "steps": made}


def head():
    return scope_for(make_user("head_of_service", team_name=None))


def test_overdue_as_at_the_last_day_of_a_past_period_by_what_stood_then(steps):
    made = steps["steps"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        # Open at the end of 31 August and due before it: done on 5 September, cancelled on 1 September and moved
        # on 2 September all still count; done on 31 August and due on 31 August do not.
        figure = measures.figure(OVERDUE, scope, Filters(AUGUST))
        assert (figure.counted, figure.total) == (5, 5)
        rows = measures.rows_behind(OVERDUE, scope, Filters(AUGUST))
        assert sorted((row.record_id, row.on, row.days, row.detail) for row in rows) == sorted(
            [
                (made["open"].id, date(2027, 8, 31), 11, "Ring the school"),
                (made["done_later"].id, date(2027, 8, 31), 21, "Visit at home"),
                (made["moved"].id, date(2027, 8, 31), 1, "Meet the health visitor"),
                (made["cancelled_later"].id, date(2027, 8, 31), 19, "Refer to the food bank"),
                (made["north"].id, date(2027, 8, 31), 28, "Phone the GP"),
            ]
        )
        assert figure.average_days == pytest.approx(80 / 5)
        # A head of service sees every team, so compares teams; within a team, its owners
        assert OVERDUE.breakdown_words_for(scope, Filters(AUGUST)) == "Team"
        assert measures.by_breakdown(OVERDUE, scope, Filters(AUGUST)) == [
            ("Early help team", Figure(4, 4, 52 / 4)),
            ("North early help", Figure(1, 1, 28.0)),
        ]
        assert measures.figure(OVERDUE, scope, Filters(JULY)) == Figure(0, 0)


def test_overdue_by_team_for_whoever_sees_several_and_by_owner_within_one(steps):
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        assert measures.count_behind(OVERDUE, scope, Filters(AUGUST), breakdown="North early help") == 1
        assert [
            row.detail for row in measures.rows_behind(OVERDUE, scope, Filters(AUGUST), breakdown="North early help")
        ] == ["Phone the GP"]
        pips_team = Filters(AUGUST, team_id=steps["pip"].team_id)
        assert OVERDUE.breakdown_words_for(scope, pips_team) == "Owner"
        assert measures.by_breakdown(OVERDUE, scope, pips_team) == [("Pip Practitioner", Figure(4, 4, 52 / 4))]
        manager = scope_for(make_user("team_manager", team_name="Early help team"))
        assert OVERDUE.breakdown_words_for(manager, Filters(AUGUST)) == "Owner"
        assert measures.by_breakdown(OVERDUE, manager, Filters(AUGUST)) == [("Pip Practitioner", Figure(4, 4, 52 / 4))]
        # A measure broken down by partner agency stays so for everyone
        referrals = measures.MEASURES["feedback_given"]
        assert referrals.breakdown_words_for(scope, Filters(AUGUST)) == "Partner agency"


def test_overdue_in_a_period_not_yet_ended_is_as_at_today(steps):
    made = steps["steps"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        for period in (SEPTEMBER, Period(date(2027, 8, 1), date(2027, 12, 31))):
            rows = measures.rows_behind(OVERDUE, scope, Filters(period))
            assert sorted((row.record_id, row.on, row.days) for row in rows) == sorted(
                [
                    (made["open"].id, date(2027, 9, 10), 21),
                    (made["due_last_day"].id, date(2027, 9, 10), 10),
                    (made["new"].id, date(2027, 9, 10), 7),
                    (made["north"].id, date(2027, 9, 10), 38),
                ]
            ), period
            assert measures.count_behind(OVERDUE, scope, Filters(period)) == 4


def test_overdue_steps_are_the_owners_and_their_teams(steps):
    with time_machine.travel(ASKED_AT, tick=False):
        filters = Filters(AUGUST)
        assert measures.figure(OVERDUE, scope_for(steps["pip"]), filters).counted == 4
        assert measures.figure(OVERDUE, scope_for(steps["nia"]), filters).counted == 1
        early_help_manager = make_user("team_manager", team_name="Early help team")
        assert measures.figure(OVERDUE, scope_for(early_help_manager), filters).counted == 4
        north_manager = make_user("team_manager", team_name=steps["north"].name)
        assert measures.figure(OVERDUE, scope_for(north_manager), filters).counted == 1
        assert measures.figure(OVERDUE, scope_for(make_user("practitioner")), filters) == Figure(0, 0)
        by_team = Filters(AUGUST, team_id=steps["north"].id)
        assert measures.figure(OVERDUE, head(), by_team).counted == 1
        by_worker = Filters(AUGUST, worker_id=steps["pip"].id)
        assert measures.figure(OVERDUE, head(), by_worker).counted == 4


def test_a_restricted_family_is_in_no_overdue_figure_for_those_not_named_on_it(steps):
    steps["steps"]["open"].family.restricted = True
    db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        assert measures.figure(OVERDUE, head(), Filters(AUGUST)).counted == 4


def test_the_list_of_overdue_steps_says_how_many_days_each_is_overdue_the_most_first(client, steps):
    """A figure as at one day has no date worth a column (every row is on that day): the days overdue are."""
    with time_machine.travel(ASKED_AT, tick=False):
        client.sign_in(make_user("head_of_service", team_name=None))
        page = client.page(
            "performance.families",
            key="next_steps_overdue",
            rows="all",
            **{"from": ["1", "8", "2027"]},
            to=["31", "8", "2027"],
        )
        table = page.select_one("#families-next_steps_overdue-table")
        assert [th.get_text(strip=True) for th in table.select("thead th")] == [
            "Family",
            "Days overdue",
            "Team",
            "Detail",
        ]
        rows = [[td.get_text(strip=True) for td in row.select("td")][1:] for row in table.select("tbody tr")]
        assert rows == [
            ["28", "North early help", "Phone the GP"],
            ["21", "Early help team", "Visit at home"],
            ["19", "Early help team", "Refer to the food bank"],
            ["11", "Early help team", "Ring the school"],
            ["1", "Early help team", "Meet the health visitor"],
        ]
