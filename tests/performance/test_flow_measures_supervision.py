"""Case supervision on time, by the rule every supervision page uses (services.supervision.due_from): the date
agreed at the last case supervision, or SUPERVISION_INTERVAL_WEEKS after the episode began. Exact figures from
supervisions recorded through the service on known days. All names are fictional."""

from datetime import date, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures
from earlyhelp.services.measures import Filters, Period
from tests.factories import make_episode, make_household, make_supervision, make_user
from tests.factories_access import ensure_team
from tests.helpers import text_of

DUE = measures.MEASURES["case_supervision_on_time"]
FIRST = measures.MEASURES["first_case_supervision_on_time"]
JULY = Period(date(2027, 7, 1), date(2027, 7, 31))
AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
SEPTEMBER = Period(date(2027, 9, 1), date(2027, 9, 30))
OCTOBER = Period(date(2027, 10, 1), date(2027, 10, 31))
ASKED_AT = datetime(2027, 10, 1, 9, 0, tzinfo=LONDON)


def held(supervisor, worker, family, on: date, next_on: date):
    with time_machine.travel(datetime(on.year, on.month, on.day, 15, 0, tzinfo=LONDON), tick=False):
        record = make_supervision(supervisor, worker, family, held_on=on, next_on=next_on)
        db.session.commit()
    return record


@pytest.fixture
def supervision(app):
    """With the usual 4 weeks: family A (Pip) first due 29 July, supervised 27 July (next 24 August), 26 August
    (late; next 23 September) and 23 September; family B (Nia, North) first due 30 August, never supervised;
    family C (Pip) first due 2 August, supervised that day (next 30 August), then not; family D (Pip) closed
    on 20 August, before its next date (29 August)."""
    assert app.config["SUPERVISION_INTERVAL_WEEKS"] == 4
    north = ensure_team("North early help", "early_help")
    pip = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    sam = make_user("team_manager", team_name="Early help team", name="Sam Okafor")
    nia = make_user("practitioner", team_name=north.name, name="Nia North")
    families = {name: make_household(children=1) for name in "ABCD"}
    episodes = {
        "A": make_episode(families["A"], lead=pip, started_on=date(2027, 7, 1)),
        "B": make_episode(families["B"], lead=nia, started_on=date(2027, 8, 2)),
        "C": make_episode(families["C"], lead=pip, started_on=date(2027, 7, 5)),
        "D": make_episode(families["D"], lead=pip, started_on=date(2027, 6, 1), ended_on=date(2027, 8, 20)),
    }
    records = {
        "A1": held(sam, pip, families["A"], date(2027, 7, 27), date(2027, 8, 24)),
        "A2": held(sam, pip, families["A"], date(2027, 8, 26), date(2027, 9, 23)),
        "A3": held(sam, pip, families["A"], date(2027, 9, 23), date(2027, 10, 21)),
        "C1": held(sam, pip, families["C"], date(2027, 8, 2), date(2027, 8, 30)),
        "D1": held(sam, pip, families["D"], date(2027, 8, 1), date(2027, 8, 29)),
    }
    return {"pip": pip, "nia": nia, "sam": sam, "north": north, "episodes": episodes, "records": records}


def counts(measure, scope, filters):
    figure = measures.figure(measure, scope, filters)
    return figure.counted, figure.total


def head():
    return scope_for(make_user("head_of_service", team_name=None))


def test_case_supervision_due_on_the_date_agreed_at_the_last_one(supervision):
    records = supervision["records"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        # Due 24 August (A, held 26 August: late) and 30 August (C, not held); D's 29 August was after it closed.
        assert counts(DUE, scope, Filters(AUGUST)) == (0, 2)
        assert sorted(
            (row.record_id, row.on)
            for row in measures.rows_behind(DUE, scope, Filters(AUGUST), which=measures.Rows.ALL)
        ) == sorted([(records["A1"].id, date(2027, 8, 24)), (records["C1"].id, date(2027, 8, 30))])
        # Due 23 September and held that day.
        assert counts(DUE, scope, Filters(SEPTEMBER)) == (1, 1)
        # Due 21 October: still to come, so not yet in any figure.
        assert counts(DUE, scope, Filters(OCTOBER)) == (0, 0)


def test_first_case_supervision_due_four_weeks_after_the_episode_began(supervision):
    episodes = supervision["episodes"]
    with time_machine.travel(ASKED_AT, tick=False):
        scope = head()
        assert counts(FIRST, scope, Filters(JULY)) == (1, 1)
        rows = measures.rows_behind(FIRST, scope, Filters(AUGUST), which=measures.Rows.ALL)
        assert sorted((row.record_id, row.on, row.counted, row.breakdown) for row in rows) == sorted(
            [
                (episodes["C"].id, date(2027, 8, 2), True, "Pip Practitioner"),
                (episodes["B"].id, date(2027, 8, 30), False, "Nia North"),
            ]
        )


def test_supervision_on_time_is_the_practitioners_and_their_teams(supervision):
    with time_machine.travel(ASKED_AT, tick=False):
        assert counts(DUE, scope_for(supervision["pip"]), Filters(AUGUST)) == (0, 2)
        assert counts(DUE, scope_for(supervision["sam"]), Filters(SEPTEMBER)) == (1, 1)
        assert counts(FIRST, scope_for(supervision["nia"]), Filters(AUGUST)) == (0, 1)
        north_manager = make_user("team_manager", team_name=supervision["north"].name)
        assert counts(FIRST, scope_for(north_manager), Filters(AUGUST)) == (0, 1)
        assert counts(DUE, scope_for(north_manager), Filters(AUGUST)) == (0, 0)


def test_a_restricted_family_is_in_no_supervision_figure_for_those_not_named_on_it(supervision):
    supervision["episodes"]["C"].family.restricted = True
    db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        assert counts(DUE, head(), Filters(AUGUST)) == (0, 1)
        assert counts(FIRST, head(), Filters(AUGUST)) == (0, 1)


AUGUST_TO_SEPTEMBER = {"from": ["1", "8", "2027"], "to": ["30", "9", "2027"]}


def test_act_now_counts_the_supervisions_missed_and_lists_only_those(client, supervision):
    """Act now says how many were missed (not how many were due), and its link lists exactly those."""
    records = supervision["records"]
    with time_machine.travel(ASKED_AT, tick=False):
        client.sign_in(make_user("head_of_service", team_name=None))
        page = client.page("performance.dashboard", **AUGUST_TO_SEPTEMBER)
        act = page.select_one("#act-now-case_supervision_on_time dd")
        assert " ".join(act.get_text().split()) == ("2 not held on time: see the families, of 3 case supervisions due")
        listed = client.page(act.select_one("a")["href"])
        assert text_of(listed, ".app-families__count") == "2"
        rows = listed.select("#families-case_supervision_on_time-table tbody tr")
        assert len(rows) == 2
        shown = {row.select_one("a")["href"] for row in rows}
        assert shown == {f"/families/{records['A1'].family_id}", f"/families/{records['C1'].family_id}"}
        assert "case supervisions due: not held on time" in listed.get_text()


def test_a_head_of_service_compares_teams_then_chooses_one_to_compare_its_practitioners(client, supervision):
    with time_machine.travel(ASKED_AT, tick=False):
        client.sign_in(make_user("head_of_service", team_name=None))
        page = client.page("performance.breakdown", key="case_supervision_on_time", **AUGUST_TO_SEPTEMBER)
        assert text_of(page, "h1") == DUE.title
        table = page.select_one("#breakdown-table-case_supervision_on_time")
        assert table.select_one("thead th").get_text(strip=True) == "Team"
        assert [th.get_text(strip=True) for th in table.select("tbody th")] == ["Early help team"]
        one_team = client.page(
            "performance.breakdown",
            key="case_supervision_on_time",
            team=str(supervision["pip"].team_id),
            **AUGUST_TO_SEPTEMBER,
        )
        table = one_team.select_one("#breakdown-table-case_supervision_on_time")
        assert table.select_one("thead th").get_text(strip=True) == "Practitioner"
        assert [th.get_text(strip=True) for th in table.select("tbody th")] == ["Pip Practitioner"]
        # In place, with htmx: only the breakdown
        fragment = client.page(
            "performance.breakdown",
            key="case_supervision_on_time",
            headers={"HX-Request": "true"},
            **AUGUST_TO_SEPTEMBER,
        )
        assert fragment.select_one("html") is None and fragment.select_one("#breakdown-case_supervision_on_time")
        assert client.get("performance.breakdown", key="decisions_in_time").status_code == 404  # has none
