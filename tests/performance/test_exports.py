"""Inspection exports: the Annex A early help list and the SSD early help episodes extract, row for row from known
data, with the viewer's scope, restricted families, the column setting, bad filters and the audit event."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.domain.transfers import TransferState
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, LevelOfNeed, Person, RestrictedAccess
from tests.factories import make_episode, make_household, make_referral, make_transfer, make_user, reference
from tests.factories_access import ensure_team
from tests.helpers import TestClient, counting_statements, date_in, error_messages, soup_of, text_of

TODAY = datetime(2027, 8, 31, 12, 0, tzinfo=LONDON).astimezone(UTC)
AUGUST_BACK_TO_MARCH = {"from": ["1", "3", "2027"], "to": ["31", "8", "2027"]}

ANNEX_A_HEADINGS = [
    "CHILD_ID",
    "GENDER",
    "ETHNICITY",
    "DATE_OF_BIRTH",
    "AGE",
    "EARLY_HELP_START_DATE",
    "EARLY_HELP_END_DATE",
    "ORGANISATION",
    "LEAD_WORKER",
    "REASON",
    "STEPPED_UP",
]
SSD_HEADINGS = [
    "earl_episode_id",
    "earl_person_id",
    "earl_episode_start_date",
    "earl_episode_end_date",
    "earl_episode_reason",
    "earl_episode_end_reason",
    "earl_episode_organisation",
    "earl_episode_worker_id",
]


class Known:
    """What the fixture made, by name."""


@pytest.fixture
def known(app):
    """Early help in two teams between March and August 2027, a restricted family, and episodes that must not be
    listed (ended before March, started after August, children's social care)."""
    k = Known()
    with time_machine.travel(TODAY, tick=False):
        k.south = ensure_team("Early help south", "early_help")
        k.head = make_user("head_of_service", team_name=None)
        k.manager = make_user("team_manager", team_name="Early help team")
        k.practitioner = make_user("practitioner", team_name="Early help team", name="Robin Lead")
        k.south_lead = make_user("practitioner", team_name=k.south.name, name="Sam South")
        officer = make_user("front_door", team_name="Early help team")

        # North (the manager's team): two children, one with sex and ethnicity recorded, opened by a referral.
        k.north = make_household(children=2)
        k.older, k.younger = k.north.children
        k.older.sex, k.older.ethnicity = "female", "white_irish"
        referral = make_referral(k.north, actor=officer, level_number=2)
        k.north_episode = make_episode(
            k.north, lead=k.practitioner, started_on=date(2027, 4, 1), referral_id=referral.id
        )

        # South: one child and one not yet born, ended in March; stepped up to children's social care; the end
        # reason starts like a formula.
        k.south_family = make_household(children=1)
        (k.south_child,) = k.south_family.children
        k.unborn = Person(
            first_name="Baby",
            last_name=k.south_child.last_name,
            is_child=True,
            date_of_birth=date(2027, 10, 1),
            relationship_to_child="Son",
        )
        k.south_family.members.append(k.unborn)
        db.session.commit()
        k.south_episode = make_episode(k.south_family, lead=k.south_lead, started_on=date(2027, 1, 10))
        step_up = make_transfer(k.south_episode, actor=k.south_lead)
        step_up.state = TransferState.ACCEPTED
        k.south_episode.ended_on = date(2027, 3, 15)
        k.south_episode.closure_reason = '=HYPERLINK("http://example.invalid")'

        # A child who left the household before north's second episode began is not on it.
        k.left = make_household(children=1)
        (k.left_child,) = k.left.children
        k.left_child.left_on = date(2027, 5, 31)
        k.left_episode = make_episode(k.left, lead=k.practitioner, started_on=date(2027, 6, 1))

        # Restricted: only the people named on it see it.
        k.restricted = make_household(children=1)
        k.restricted.restricted = True
        (k.restricted_child,) = k.restricted.children
        k.restricted_episode = make_episode(k.restricted, lead=k.practitioner, started_on=date(2027, 5, 1))

        # Not in the period, or not early help.
        outside = make_household(children=1)
        make_episode(outside, lead=k.practitioner, started_on=date(2026, 10, 1), ended_on=date(2027, 2, 28))
        make_episode(outside, lead=k.practitioner, started_on=date(2027, 9, 1))
        make_episode(make_household(children=1), service_code="social_care", started_on=date(2027, 5, 1))
        db.session.commit()
    return k


def signed_in(app, user) -> TestClient:
    """Signed in at the moment the tests look from (a session signed in days earlier would have ended)."""
    client = TestClient(app)
    with time_machine.travel(TODAY, tick=False):
        client.sign_in(user)
    return client


def download(client, endpoint, **args):
    with time_machine.travel(TODAY, tick=False):
        response = client.get(endpoint, query_string=args)
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.text)))


def level_two() -> str:
    return reference(LevelOfNeed, number=2).label


def test_the_annex_a_list_has_a_row_for_each_child_in_each_episode_open_in_the_period(app, known):
    k = known
    rows = download(signed_in(app, k.head), "performance.annex_a_csv", **AUGUST_BACK_TO_MARCH)
    assert rows == [
        ANNEX_A_HEADINGS,
        [str(k.south_child.id), "", "", "01/03/2015", "12", "10/01/2027", "15/03/2027", "Early help south",
         "Sam South", "Stepped down or opened without a referral", "Yes"],
        [str(k.unborn.id), "", "", "01/10/2027", "-1", "10/01/2027", "15/03/2027", "Early help south",
         "Sam South", "Stepped down or opened without a referral", "Yes"],
        [str(k.older.id), "Female", "White: Irish", "01/03/2015", "12", "01/04/2027", "", "Early help team",
         "Robin Lead", level_two(), "No"],
        [str(k.younger.id), "", "", "01/03/2016", "11", "01/04/2027", "", "Early help team",
         "Robin Lead", level_two(), "No"],
    ]  # fmt: skip


def test_the_ssd_extract_has_the_same_episodes_in_the_ssd_table_s_columns(app, known):
    k = known
    rows = download(signed_in(app, k.head), "performance.ssd_early_help_episodes_csv", **AUGUST_BACK_TO_MARCH)
    south, north = k.south_episode, k.north_episode
    ended = '\'=HYPERLINK("http://example.invalid")'
    assert rows == [
        SSD_HEADINGS,
        [f"{south.id}-{k.south_child.id}", str(k.south_child.id), "2027-01-10", "2027-03-15",
         "Stepped down or opened without a referral", ended, "Early help south", str(k.south_lead.id)],
        [f"{south.id}-{k.unborn.id}", str(k.unborn.id), "2027-01-10", "2027-03-15",
         "Stepped down or opened without a referral", ended, "Early help south", str(k.south_lead.id)],
        [f"{north.id}-{k.older.id}", str(k.older.id), "2027-04-01", "", level_two(), "", "Early help team",
         str(k.practitioner.id)],
        [f"{north.id}-{k.younger.id}", str(k.younger.id), "2027-04-01", "", level_two(), "", "Early help team",
         str(k.practitioner.id)],
    ]  # fmt: skip


def test_the_list_is_the_six_months_to_today_when_no_dates_are_given(app, known):
    rows = download(signed_in(app, known.head), "performance.annex_a_csv")
    assert len(rows) == 5  # 1 March to 31 August 2027: the same four children
    page = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        soup = page.page("performance.exports_page")
    assert text_of(soup, "#export-period") == "1 March 2027 to 31 August 2027"
    assert text_of(soup, "#rows-annex_a") == "4 rows with these filters."


def test_a_team_manager_gets_their_own_team_only(app, known):
    k = known
    rows = download(signed_in(app, k.manager), "performance.annex_a_csv", **AUGUST_BACK_TO_MARCH)
    assert [row[0] for row in rows[1:]] == [str(k.older.id), str(k.younger.id)]


def test_the_team_filter_narrows_a_head_of_service_s_list(app, known):
    k = known
    rows = download(signed_in(app, k.head), "performance.annex_a_csv", team=str(k.south.id), **AUGUST_BACK_TO_MARCH)
    assert [row[0] for row in rows[1:]] == [str(k.south_child.id), str(k.unborn.id)]


def test_a_restricted_family_is_listed_only_for_those_named_on_it(app, known):
    k = known
    period = {"from": ["1", "5", "2027"], "to": ["31", "5", "2027"]}
    head = signed_in(app, k.head)
    assert str(k.restricted_child.id) not in [row[0] for row in download(head, "performance.annex_a_csv", **period)]
    db.session.add(RestrictedAccess(family_id=k.restricted.id, user_id=k.head.id, named_by_id=k.manager.id))
    db.session.commit()
    assert str(k.restricted_child.id) in [row[0] for row in download(head, "performance.annex_a_csv", **period)]


def test_a_child_who_left_before_the_episode_began_is_not_on_it(app, known):
    k = known
    rows = download(signed_in(app, k.head), "performance.ssd_early_help_episodes_csv", **AUGUST_BACK_TO_MARCH)
    assert str(k.left_child.id) not in [row[1] for row in rows]
    assert all(not row[0].startswith(f"{k.left_episode.id}-") for row in rows[1:])


def test_a_council_chooses_the_annex_a_columns_and_their_order(app, known, monkeypatch):
    k = known
    monkeypatch.setitem(app.config, "EARLY_HELP_LIST_COLUMNS", "family_reference, child_id, end_reason, team")
    rows = download(signed_in(app, k.head), "performance.annex_a_csv", team=str(k.south.id), **AUGUST_BACK_TO_MARCH)
    ended = '\'=HYPERLINK("http://example.invalid")'
    assert rows == [
        ["FAMILY_REFERENCE", "CHILD_ID", "END_REASON", "TEAM"],
        [k.south_family.reference, str(k.south_child.id), ended, "Early help south"],
        [k.south_family.reference, str(k.unborn.id), ended, "Early help south"],
    ]


def test_a_column_setting_naming_no_column_says_so_and_downloads_nothing(app, known, monkeypatch):
    monkeypatch.setitem(app.config, "EARLY_HELP_LIST_COLUMNS", "child_id,shoe_size")
    client = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("performance.annex_a_csv")
        page = client.page("performance.exports_page")
    assert response.status_code == 503
    assert "names 'shoe_size', which is not a column of the early help list" in text_of(soup_of(response), "main")
    assert "shoe_size" in text_of(page, ".govuk-warning-text")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


def test_a_period_that_ends_before_it_begins_is_refused_keeping_what_was_typed(app, known):
    client = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        response = client.get(
            "performance.annex_a_csv", query_string={"from": ["1", "8", "2027"], "to": ["1", "7", "2027"]}
        )
    assert response.status_code == 400
    soup = soup_of(response)
    assert error_messages(soup) == ["The to date must be the same as or after the from date"]
    assert [field.get("value") for field in soup.select("input[name=to]")] == ["1", "7", "2027"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": ["1", "1", "2007"], "to": ["31", "12", "2027"]}, "The period must be 5 years or shorter"),
        ({"from": ["31", "2", "2027"]}, "The from date must be a real date"),
        ({"from": ["1", "", "2027"]}, "The from date must include a month"),
        ({"from": ["31", "12", "9999"]}, "The from date must be today or in the past"),
        ({"to": ["1", "9", "2027"]}, "The to date must be today or in the past"),
    ],
)
def test_a_wrong_period_is_a_clear_message_never_a_500(app, known, args, message):
    client = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("performance.exports_page", query_string=args)
    assert response.status_code == 200
    assert any(text.startswith(message) for text in error_messages(soup_of(response)))


def test_a_team_manager_cannot_choose_another_team(app, known):
    client = signed_in(app, known.manager)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("performance.ssd_early_help_episodes_csv", query_string={"team": str(known.south.id)})
    assert response.status_code == 400
    assert error_messages(soup_of(response)) == ["Select a team from the list"]


def test_dates_outside_any_data_give_the_headings_only(app, known):
    rows = download(
        signed_in(app, known.head),
        "performance.annex_a_csv",
        **{"from": ["1", "1", "1990"], "to": ["31", "12", "1990"]},
    )
    assert rows == [ANNEX_A_HEADINGS]


def test_every_download_writes_an_audit_event_naming_the_export_and_its_filters(app, known):
    k = known
    download(signed_in(app, k.head), "performance.annex_a_csv", team=str(k.south.id), **AUGUST_BACK_TO_MARCH)
    download(signed_in(app, k.manager), "performance.ssd_early_help_episodes_csv", **AUGUST_BACK_TO_MARCH)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
    assert [(e.user_id, e.record_type, e.endpoint, e.outcome, e.detail) for e in events] == [
        (
            k.head.id,
            "annex_a_early_help_list",
            "performance.annex_a_csv",
            "ok",
            f"annex_a: period 2027-03-01 to 2027-08-31; team {k.south.id} (Early help south); 2 rows; columns "
            "child_id,gender,ethnicity,date_of_birth,age,start_date,end_date,organisation,lead_worker,reason,stepped_up",
        ),
        (
            k.manager.id,
            "ssd_early_help_episodes",
            "performance.ssd_early_help_episodes_csv",
            "ok",
            "ssd_early_help_episodes: period 2027-03-01 to 2027-08-31; every team in scope; 2 rows; columns "
            "earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_end_date,earl_episode_reason,"
            "earl_episode_end_reason,earl_episode_organisation,earl_episode_worker_id",
        ),
    ]


@pytest.mark.parametrize("role_code", ["practitioner", "social_worker", "front_door", "administrator"])
def test_only_heads_of_service_and_team_managers_may_export(app, known, role_code):
    client = signed_in(app, make_user(role_code, team_name=None if role_code == "administrator" else "Early help team"))
    for endpoint in ("performance.exports_page", "performance.annex_a_csv", "performance.ssd_early_help_episodes_csv"):
        with time_machine.travel(TODAY, tick=False):
            assert client.get(endpoint).status_code == 403, endpoint


def test_the_exports_page_lists_both_exports_with_their_columns_and_links_carrying_the_filters(app, known):
    client = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        soup = client.page("performance.exports_page", query_string=AUGUST_BACK_TO_MARCH)
    links = [a["href"] for a in soup.select("a[download]")]
    assert links == [
        "/performance/exports/annex-a.csv?from=1&from=3&from=2027&to=31&to=8&to=2027",
        "/performance/exports/ssd-early-help-episodes.csv?from=1&from=3&from=2027&to=31&to=8&to=2027",
    ]
    headings = [" ".join(th.get_text().split()) for th in soup.select("tbody th")]
    assert headings == ANNEX_A_HEADINGS + SSD_HEADINGS
    # Three of the four children have no sex or ethnicity recorded: said before the list is sent; every child
    # has a date of birth, so that is not mentioned.
    gaps = [" ".join(li.get_text().split()) for li in soup.select("#blanks-annex_a li")]
    assert gaps == ["GENDER: 3 of 4 rows", "ETHNICITY: 3 of 4 rows"]
    assert soup.select_one("#blanks-ssd_early_help_episodes") is None


def _statements(client, endpoint) -> int:
    with time_machine.travel(TODAY, tick=False):
        client.get(endpoint)  # warm up: a session's one-off work is not counted
        with counting_statements() as count:
            response = client.get(endpoint)
    assert response.status_code == 200, response.status_code
    return count()


def test_the_page_and_each_download_run_as_many_statements_for_many_families_as_for_few(app, known):
    client = signed_in(app, known.head)
    endpoints = ("performance.exports_page", "performance.annex_a_csv", "performance.ssd_early_help_episodes_csv")
    few = [_statements(client, endpoint) for endpoint in endpoints]
    with time_machine.travel(TODAY, tick=False):
        for _ in range(6):
            make_episode(make_household(children=3), lead=known.practitioner, started_on=date(2027, 6, 1))
    assert [_statements(client, endpoint) for endpoint in endpoints] == few


def test_docs_annex_a_describes_every_column_the_code_has():
    from pathlib import Path

    from earlyhelp.services.exports import ANNEX_A_COLUMNS, SSD_COLUMNS

    text = (Path(__file__).resolve().parents[2] / "docs" / "annex-a.md").read_text()
    for column in ANNEX_A_COLUMNS:
        assert f"| `{column.key}` | `{column.heading}` |" in text, column.key
    for column in SSD_COLUMNS:
        assert f"| `{column.heading}` | {column.definition}" in text, column.key


def test_with_nothing_typed_the_date_boxes_hold_the_six_months_counted(app, known):
    client = signed_in(app, known.head)
    with time_machine.travel(TODAY, tick=False):
        soup = client.page("performance.exports_page")
    assert (date_in(soup, "from"), date_in(soup, "to")) == (date(2027, 3, 1), date(2027, 8, 31))


def test_the_exports_page_is_offered_to_exactly_those_its_routes_let_in(app, known):
    from earlyhelp.performance.exports import may_export

    offered = {role: may_export(make_user(role, team_name=None if role == "administrator" else "Early help team"))
               for role in ("head_of_service", "team_manager", "practitioner", "social_worker", "front_door", "administrator")}  # fmt: skip
    assert offered == {
        "head_of_service": True,
        "team_manager": True,
        "practitioner": False,
        "social_worker": False,
        "front_door": False,
        "administrator": False,
    }


@pytest.mark.parametrize(
    "args",
    [
        {"to": ["1", "3", "0001"]},  # six months before it is before the calendar begins
        {"from": ["1", "1", "0001"], "to": ["31", "12", "0001"]},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_an_empty_list_never_a_500(app, known, args):
    rows = download(signed_in(app, known.head), "performance.annex_a_csv", **args)
    assert rows == [ANNEX_A_HEADINGS]


_part = st.one_of(st.just(""), st.integers(-5, 10_000).map(str), st.text(max_size=6))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=st.lists(_part, min_size=3, max_size=3), until=st.lists(_part, min_size=3, max_size=3), team=_part)
def test_whatever_is_typed_into_the_filters_the_answer_is_a_page_or_a_download_never_a_500(
    app, known, since, until, team
):
    client = signed_in(app, known.manager)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("performance.annex_a_csv", query_string={"from": since, "to": until, "team": team})
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert error_messages(soup_of(response))
