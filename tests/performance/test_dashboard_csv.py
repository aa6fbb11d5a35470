"""Every table and every list on the dashboard downloads as CSV with the measure's definition at the top, the same
filters and the same numbers; each download writes an audit event, and no cell can run as a formula."""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.services import measures
from tests.factories import make_household, make_user
from tests.performance import test_dashboard_page as page_tests
from tests.services.test_referrals import decide, referral_received

decisions = page_tests.decisions  # the fixture: the referrals the page's tests count
london = page_tests.london
IN_TIME = measures.MEASURES["decisions_in_time"]
TODAY = datetime(2027, 10, 15, 10, 0, tzinfo=LONDON)
AUGUST_AND_SEPTEMBER = {"from": ["1", "8", "2027"], "to": ["30", "9", "2027"]}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def lines_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.text)))


def exports_by(user) -> list[tuple[str, str, str]]:
    return [
        (event.action, event.record_type, event.record_id)
        for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.user_id == user.id, AuditEvent.action == "export")
        )
    ]


def test_the_month_by_month_table_downloads_with_its_definition_and_is_audited(client, decisions):
    manager = make_user("team_manager", team_name="Early help team")
    client.sign_in(manager)
    response = client.get("performance.measure_csv", key="decisions_in_time", **AUGUST_AND_SEPTEMBER)
    assert "attachment" in response.headers["Content-Disposition"]
    assert lines_of(response) == [
        [IN_TIME.title, "Month by month"],
        ["Definition", IN_TIME.definition],
        ["Period", "1 August 2027 to 30 September 2027"],
        ["Whose figures", "Your team: Early help team"],
        [],
        ["Month", "Decided within one working day", "Referrals decided", "Percentage"],
        ["August 2027", "2", "2", "100"],
        ["September 2027", "0", "1", "0"],
        ["Whole period", "2", "3", "67"],
    ]
    assert exports_by(manager) == [("export", "performance_measure", "decisions_in_time")]


def test_the_list_behind_a_number_downloads_whole_with_the_same_count(client, decisions):
    head = make_user("head_of_service", team_name=None)
    client.sign_in(head)
    response = client.get("performance.families_csv", key="decisions_in_time", rows="all", **AUGUST_AND_SEPTEMBER)
    lines = lines_of(response)
    assert lines[0] == [IN_TIME.title, "4 referrals decided, 1 August 2027 to 30 September 2027"]
    assert lines[1] == ["Definition", IN_TIME.definition]
    assert lines[5] == ["Family", "Date", "Decided within one working day", "Detail"]
    late = decisions["late"]
    assert lines[6] == [late.family.reference, "2027-09-01", "No", "Waiting for the school's information."]
    assert len(lines[6:]) == 4
    assert exports_by(head) == [("export", "performance_measure", "decisions_in_time")]


def test_a_cell_that_would_run_as_a_formula_is_written_as_text(client, app):
    officer = make_user("front_door", team_name="Early help team")
    with time_machine.travel(london(2027, 9, 20, 9, 0), tick=False):
        referral = referral_received(make_household(), actor=officer, received_at=london(2027, 9, 1, 9, 0))
        decide(
            referral,
            "no_further_action",
            actor=officer,
            decided_at=london(2027, 9, 10, 9, 0),
            late_reason='=HYPERLINK("http://example.com","Open")',
        )
    db.session.commit()
    client.sign_in(make_user("head_of_service", team_name=None))
    lines = lines_of(client.get("performance.families_csv", key="decisions_in_time", rows="all"))
    assert lines[6][-1] == '\'=HYPERLINK("http://example.com","Open")'


def test_a_download_with_wrong_filters_says_so_and_exports_nothing(client, decisions):
    manager = make_user("team_manager", team_name="Early help team")
    client.sign_in(manager)
    response = client.get(
        "performance.families_csv", key="decisions_in_time", **{"from": ["1", "9", "2027"], "to": ["1", "8", "2027"]}
    )
    assert response.status_code == 400
    assert "The to date must be the same as or after the from date" in response.text
    assert exports_by(manager) == []


def test_every_measure_downloads(client, decisions):
    client.sign_in(make_user("head_of_service", team_name=None))
    for measure in measures.MEASURES.values():
        table = lines_of(client.get("performance.measure_csv", key=measure.key))
        assert table[1] == ["Definition", measure.definition]
        listed = lines_of(client.get("performance.families_csv", key=measure.key, rows="all"))
        assert listed[1] == ["Definition", measure.definition]
        if measure.breakdown_words:
            broken_down = lines_of(client.get("performance.measure_csv", key=measure.key, table="breakdown"))
            # A head of service compares teams first, where the figures are a worker's
            assert broken_down[5][0] == ("Team" if measure.team_first else measure.breakdown_words)
