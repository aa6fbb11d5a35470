"""The performance dashboard as each person sees it: figures, definitions, charts and their tables, the lists of
families behind each number (whose count equals the number), bad filters, and the statements a page runs."""

from datetime import UTC, datetime

import pytest
import time_machine

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.services import measures
from tests.factories import make_household, make_user
from tests.factories_access import ensure_team
from tests.helpers import error_messages, statements_of, text_of
from tests.services.test_referrals import decide, referral_received

IN_TIME = measures.MEASURES["decisions_in_time"]
# A frozen "today": the default period is the 11 full months before it and October so far, 1 November 2026 to today.
TODAY = datetime(2027, 10, 15, 10, 0, tzinfo=LONDON)
AUGUST = {"from": ["1", "8", "2027"], "to": ["31", "8", "2027"]}


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def decisions(app):
    """Four referrals decided by two officers of the early help team (one late, around the August bank holiday),
    and one decided by an officer of another team."""
    officer = make_user("front_door", team_name="Early help team")
    colleague = make_user("front_door", team_name="Early help team")
    north = ensure_team("North front door", "early_help")
    elsewhere = make_user("front_door", team_name=north.name)
    with time_machine.travel(london(2027, 10, 1, 9, 0), tick=False):
        friday = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 0))
        late = referral_received(make_household(), actor=officer, received_at=london(2027, 8, 27, 10, 5))
        thursday = referral_received(make_household(), actor=colleague, received_at=london(2027, 8, 26, 9, 0))
        other = referral_received(make_household(), actor=elsewhere, received_at=london(2027, 8, 26, 9, 0))
        decide(friday, "no_further_action", actor=officer, decided_at=london(2027, 8, 31, 16, 0))
        decide(
            late,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 9, 1, 9, 0),
            late_reason="Waiting for the school's information.",
        )
        decide(thursday, "no_further_action", actor=colleague, decided_at=london(2027, 8, 26, 23, 30))
        decide(other, "no_further_action", actor=elsewhere, decided_at=london(2027, 8, 26, 11, 0))
    db.session.commit()
    return {"officer": officer, "colleague": colleague, "elsewhere": elsewhere, "north": north, "late": late}


def figure_words(page) -> str:
    return text_of(page, "#figure-decisions_in_time")


def month_row(page, month: str) -> list[str]:
    row = next(r for r in page.select("#table-decisions_in_time tbody tr") if month in r.get_text())
    return [" ".join(cell.get_text().split()) for cell in row.select("th, td")]


def test_a_team_manager_sees_their_teams_figures_for_the_12_months_to_today(client, decisions):
    client.sign_in(make_user("team_manager", team_name="Early help team"))
    page = client.page("performance.dashboard")
    assert text_of(page, "#performance-period") == (
        "Figures for 1 November 2026 to today, 15 October 2027 (11 full months and this month so far) ."
    )
    assert "restricted to named staff are left out" in text_of(page, "#performance-restricted")
    assert "Your team: Early help team" in page.get_text()
    assert figure_words(page) == "67% 2 decided within one working day, of 3 referrals decided"
    assert month_row(page, "August 2027") == ["August 2027", "2", "2", "100%"]
    assert month_row(page, "September 2027") == ["September 2027", "0", "1", "0%"]
    assert month_row(page, "October 2027") == ["October 2027", "0", "0", "none\u2013"]
    # The definition is on the page, the same words the export uses.
    assert text_of(page, "#definition-decisions_in_time .govuk-details__text") == IN_TIME.definition
    # Their one team is not offered as a choice (it would change nothing); its workers are.
    assert page.select_one("#team") is None and page.select_one("#service") is None
    workers = [o.get_text() for o in page.select("#worker option")]
    assert decisions["officer"].name in workers and decisions["elsewhere"].name not in workers


def test_a_head_of_service_sees_every_team(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard")
    assert figure_words(page) == "75% 3 decided within one working day, of 4 referrals decided"
    teams = [o.get_text() for o in page.select("#team option")]
    assert "Early help team" in teams and "North front door" in teams
    # Each breakdown says what its number counts: the rows of its table.
    compared = page.select("details[id^=compare-]")
    assert compared
    for details in compared:
        key = details["id"].removeprefix("compare-")
        rows = len(details.select(f"#breakdown-table-{key} tbody tr"))
        words = measures.MEASURES[key].breakdown_words.lower()
        summary = details.select_one(".govuk-details__summary-text").find(string=True)
        assert summary == f"By {words} ({rows} {'row' if rows == 1 else 'rows'})", key
    page = client.page("performance.dashboard", team=str(decisions["north"].id))
    assert figure_words(page) == "100% 1 decided within one working day, of 1 referral decided"


def test_a_front_door_officer_sees_only_their_own_figures(client, decisions):
    client.sign_in(decisions["officer"])
    page = client.page("performance.dashboard")
    assert "Your own figures" in page.get_text()
    assert figure_words(page) == "50% 1 decided within one working day, of 2 referrals decided"
    assert page.select_one("#worker") is None and page.select_one("#team") is None  # nothing to choose


def test_a_practitioner_who_decided_nothing_is_told_there_is_nothing(client, decisions):
    client.sign_in(make_user("practitioner", team_name="Early help team"))
    page = client.page("performance.dashboard")
    assert text_of(page, "#section-1-empty") == "Nothing in this period for any of its 10 figures."
    assert page.select_one("#figure-decisions_in_time") is None
    assert page.select_one("nav.govuk-service-navigation__wrapper a[href='/performance']").get_text(strip=True) == (
        "Performance"
    )


def test_an_administrator_has_no_performance_page_and_no_menu_link(client):
    client.sign_in(make_user("administrator", team_name=None))
    assert client.get("performance.dashboard").status_code == 403
    assert client.get("performance.families", key="decisions_in_time").status_code == 403
    assert client.get("performance.measure_csv", key="decisions_in_time").status_code == 403
    assert "Performance" not in text_of(client.page("main.home"), "nav")


def test_the_chart_is_an_image_named_by_its_title_and_its_trend_in_words(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard")
    chart = page.select_one("svg#chart-decisions_in_time")
    assert chart["role"] == "img"
    title_id, description_id = chart["aria-labelledby"].split()
    assert page.select_one(f"#{title_id}").get_text() == "Referral decisions within one working day, month by month"
    assert page.select_one(f"#{description_id}").get_text() == (
        "Fell from 100% in August 2027 to 0% in September 2027. Highest 100% in August 2027;"
        " lowest 0% in September 2027."
    )
    assert len(chart.select("rect.app-chart__bar")) == 2  # months with nothing decided have no bar
    assert not chart.find_all(attrs={"style": True})


def test_the_list_behind_the_figure_has_as_many_families_as_the_figure_says(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard")
    link = page.select_one("#figure-decisions_in_time a")
    assert link.get_text() == "3"
    assert link["hx-get"] == link["href"] and link["hx-target"] == "#families-decisions_in_time"
    fragment = client.page(link["href"], headers={"HX-Request": "true"})
    assert fragment.select_one("html") is None  # only the list, swapped in under the measure
    assert text_of(fragment, ".app-families__count") == "3"
    assert len(fragment.select("#families-decisions_in_time-table tbody tr")) == 3
    # Without JavaScript, the same address is a page of its own.
    whole = client.page(link["href"])
    assert text_of(whole, "h1") == IN_TIME.title
    assert text_of(whole, ".app-families__count") == "3"


def test_every_count_in_the_table_opens_a_list_of_that_many(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard")
    links = page.select("#table-decisions_in_time tbody a")
    assert [link.get_text() for link in links] == ["3", "3", "1"]  # August counted and total, September total
    for link in links:
        listed = client.page(link["href"])
        assert text_of(listed, ".app-families__count") == link.get_text()
        assert len(listed.select("#families-decisions_in_time-table tbody tr")) == int(link.get_text())


def test_the_late_decision_is_listed_with_its_reason(client, decisions):
    client.sign_in(make_user("team_manager", team_name="Early help team"))
    page = client.page("performance.families", key="decisions_in_time", rows="all", month="2027-09-01")
    rows = page.select("#families-decisions_in_time-table tbody tr")
    assert [[" ".join(c.get_text().split()) for c in row.select("td")] for row in rows] == [
        # The family by name, as staff know it, and its reference (the CSV has the reference only)
        [
            f"{decisions['late'].family.name} {decisions['late'].family.reference}",
            "Wed 1 Sep 2027",
            "No",
            "Waiting for the school's information.",
        ]
    ]
    assert rows[0].select_one("a")["href"] == f"/families/{decisions['late'].family_id}"


def test_a_list_of_more_than_50_is_paged(client, app):
    officer = make_user("front_door", team_name="Early help team")
    with time_machine.travel(london(2027, 9, 20, 9, 0), tick=False):
        for _ in range(51):
            referral = referral_received(make_household(), actor=officer, received_at=london(2027, 9, 20, 9, 0))
            decide(referral, "no_further_action", actor=officer, decided_at=london(2027, 9, 20, 11, 0))
    db.session.commit()
    client.sign_in(make_user("head_of_service", team_name=None))
    first = client.page("performance.families", key="decisions_in_time")
    assert text_of(first, ".app-families__count") == "51"
    assert len(first.select("#families-decisions_in_time-table tbody tr")) == 50
    second = client.page("performance.families", key="decisions_in_time", page=2)
    assert len(second.select("#families-decisions_in_time-table tbody tr")) == 1


def test_a_period_that_ends_before_it_begins_is_refused_keeping_what_was_typed(client, decisions):
    client.sign_in(make_user("team_manager", team_name="Early help team"))
    page = client.page("performance.dashboard", **{"from": ["1", "9", "2027"], "to": ["31", "8", "2027"]})
    assert error_messages(page) == ["The to date must be the same as or after the from date"]
    assert [field["value"] for field in page.select("input[name=from]")] == ["1", "9", "2027"]
    assert page.select_one("#figure-decisions_in_time") is None
    assert text_of(page, "title").startswith("Error:")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"from": ["1", "1", "2000"], "to": ["31", "12", "2020"]}, "The period must be 5 years or shorter"),
        ({"from": ["31", "2", "2027"], "to": ["31", "8", "2027"]}, "The from date must be a real date"),
        ({"from": ["1", "", "2027"], "to": ["31", "8", "2027"]}, "The from date must include a month"),
        ({"to": ["31", "8", "2027"]}, "Enter the from date, or leave both dates blank for the last 12 months"),
        ({"from": ["1", "1", "9999"], "to": ["31", "12", "9999"]}, "The from date must be between 1990 and 2199"),
        ({"from": ["1", "1", "2030"], "to": ["31", "12", "2030"]}, "The from date must be today or in the past"),
        ({"team": "999999"}, "Select a team from the list"),
        ({"team": "not a number"}, "Select a team from the list"),
        ({"worker": "999999"}, "Select a worker from the list"),
        ({"service": "999999"}, "Select a service from the list"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_never_fail(client, decisions, arguments, message):
    client.sign_in(make_user("team_manager", team_name="Early help team"))
    page = client.page("performance.dashboard", **arguments)
    assert any(text.startswith(message) for text in error_messages(page)), error_messages(page)
    listed = client.page("performance.families", key="decisions_in_time", **arguments)
    assert any(text.startswith(message) for text in error_messages(listed))
    assert client.get("performance.measure_csv", key="decisions_in_time", **arguments).status_code == 400


def test_a_team_from_another_service_area_cannot_be_chosen_by_a_team_manager(client, decisions):
    client.sign_in(make_user("team_manager", team_name="Early help team"))
    page = client.page("performance.dashboard", team=str(decisions["north"].id))
    assert error_messages(page) == ["Select a team from the list"]


def test_dates_outside_any_data_give_empty_figures(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard", **{"from": ["1", "1", "1995"], "to": ["31", "12", "1995"]})
    assert error_messages(page) == []
    assert text_of(page, "#section-1-empty") == "Nothing in this period for any of its 10 figures."


def test_addresses_nobody_could_follow_are_not_found(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    assert client.get("performance.families", key="no_such_measure").status_code == 404
    assert client.get("performance.families", key="decisions_in_time", month="August").status_code == 404
    assert client.get("performance.measure_csv", key="no_such_measure").status_code == 404
    empty = client.page("performance.families", key="decisions_in_time", page=99)
    assert "There is no page 99" in empty.get_text()


def test_the_statements_a_dashboard_page_runs_do_not_depend_on_the_amount_of_data(client, app):
    officer = make_user("front_door", team_name="Early help team")
    client.sign_in(make_user("team_manager", team_name="Early help team"))

    def referrals(how_many):
        with time_machine.travel(london(2027, 9, 20, 9, 0), tick=False):
            for day in range(how_many):
                received = london(2027, 1 + day % 9, 10, 9, 0)
                referral = referral_received(make_household(), actor=officer, received_at=received)
                decide(referral, "no_further_action", actor=officer, decided_at=london(2027, 1 + day % 9, 10, 11, 0))
        db.session.commit()

    referrals(2)
    few = statements_of(client, "performance.dashboard")
    few_listed = statements_of(client, "performance.families", key="decisions_in_time", rows="all")
    referrals(18)
    assert statements_of(client, "performance.dashboard") == few
    assert statements_of(client, "performance.families", key="decisions_in_time", rows="all") == few_listed


def test_the_dashboard_shows_every_registered_measure(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page("performance.dashboard")
    for measure in measures.MEASURES.values():
        if page.select_one(f"#measure-{measure.key}-title") is None:  # in a section with nothing in this period
            assert text_of(page, f"li#measure-{measure.key}") == measure.title
            continue
        assert text_of(page, f"#measure-{measure.key}-title") == measure.title
        if page.select_one(f"#figure-{measure.key}.app-measure__figure") is None:  # nothing in it
            continue
        if measure.breakdown_words:
            assert page.select_one(f"#breakdown-{measure.key}") is not None
        if measure.as_at:  # as things stand: every row on one day, so no month by month trend
            assert page.select_one(f"svg#chart-{measure.key}") is None
            assert page.select_one(f"#table-{measure.key}") is None
            assert "no trend" in text_of(page, f"#as-at-{measure.key}")
            continue
        assert page.select_one(f"svg#chart-{measure.key}[role=img]") is not None
        assert page.select_one(f"#table-{measure.key}") is not None
    sections = [h.get_text() for h in page.select("h2[id^=section-]")]
    assert sections == list(dict.fromkeys(measure.section for measure in measures.MEASURES.values()))


def test_whose_figures_names_the_team_chosen_on_the_page_and_at_the_top_of_each_csv(client, decisions):
    """A file passed on must not be taken for the whole council's when it holds one team's."""
    import csv
    import io

    client.sign_in(make_user("head_of_service", team_name=None))
    north = str(decisions["north"].id)
    page = client.page("performance.dashboard", team=north)
    assert text_of(page, "#performance-whose") == (
        "Whose figures: Every team and worker (restricted families only where you are named on them); only the"
        " team North front door."
    )
    table = list(
        csv.reader(io.StringIO(client.get("performance.measure_csv", key="decisions_in_time", team=north).text))
    )
    assert table[3] == [
        "Whose figures",
        "Every team and worker (restricted families only where you are named on them); only the team North front door",
    ]
    assert "Every team and worker" in text_of(client.page("performance.dashboard"), "#performance-whose")


def test_a_worker_outside_the_team_chosen_is_refused_not_shown_as_noughts(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    page = client.page(
        "performance.dashboard", team=str(decisions["north"].id), worker=str(decisions["officer"].id), **AUGUST
    )
    assert error_messages(page) == [
        "Select a worker in North front door, or All teams: the worker chosen is not in that team"
    ]
    assert page.select_one("#figure-decisions_in_time") is None
    # The worker with their own team is fine
    page = client.page(
        "performance.dashboard", team=str(decisions["north"].id), worker=str(decisions["elsewhere"].id), **AUGUST
    )
    assert error_messages(page) == []
    assert figure_words(page) == "100% 1 decided within one working day, of 1 referral decided"


def test_act_now_lists_what_there_is_to_act_on_and_the_rest_in_one_line(client, decisions):
    client.sign_in(decisions["officer"])
    page = client.page("performance.dashboard", **AUGUST)
    acts = [row["id"] for row in page.select("#act-now .govuk-summary-list__row")]
    assert "act-now-next_steps_overdue" not in acts and acts[-1] == "act-now-nothing"
    nothing = text_of(page, "#act-now-nothing dd")
    assert "Next steps overdue" in nothing and "Families held by a worker over the caseload ceiling" in nothing
    for row in page.select("#act-now .govuk-summary-list__row a[href*='/families']"):
        listed = client.page(row["href"])
        assert text_of(listed, ".app-families__count") == row.get_text().split()[0]
