"""Who has looked at a family (its team managers, the head of service), its export, and records I opened."""

import csv
import io
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, BreakGlass
from earlyhelp.services.audit import Outcome, record_event
from tests.factories import known_to, make_household
from tests.factories_access import ensure_team
from tests.helpers import TestClient, counting_statements, text_of


def _team(make_user):
    manager = make_user("team_manager", name="Morgan Manager")
    worker = make_user("practitioner", name="Pat Practitioner")
    family = make_household()
    known_to(family, worker)
    return family, manager, worker


def _event(action, user, family, *, record_type="family", record_id=None, outcome=Outcome.OK, at=None):
    event = record_event(action, record_type, record_id or family.id, family_id=family.id, outcome=outcome, user=user)
    if at is not None:
        event.at = at
    db.session.commit()
    return event


def _break_glass(user, family, reason="Police called about the children out of hours"):
    now = clock.now()
    db.session.add(
        BreakGlass(family_id=family.id, user_id=user.id, reason=reason, at=now, expires_at=now + timedelta(hours=24))
    )
    _event("break_glass", user, family)


def _rows(soup):
    return [" ".join(row.get_text(" ").split()) for row in soup.select("#audit-events-table tbody tr")]


def _signed_in(app, user) -> TestClient:
    client = TestClient(app)
    client.sign_in(user)
    return client


def test_the_teams_manager_sees_views_changes_downloads_break_glass_and_denied_attempts(app, make_user):
    family, manager, worker = _team(make_user)
    outsider = make_user(
        "practitioner", team_name=ensure_team("Far away team", "early_help").name, name="Olly Outsider"
    )
    _signed_in(app, worker).page("families.show", family_id=family.id)  # a view, through the app
    _event("update", worker, family, record_type="person", record_id=7)
    _event("download", worker, family, record_type="family_plan", record_id=3)
    _signed_in(app, outsider).get("families.show", family_id=family.id)  # denied, through the app
    _break_glass(outsider, family)

    client = _signed_in(app, manager)
    family_page = client.page("families.show", family_id=family.id)
    link = family_page.find("a", string="Who has looked at this family")
    assert link["href"] == client.url("looked.who_looked", family_id=family.id)

    soup = client.page("looked.who_looked", family_id=family.id)
    rows = _rows(soup)
    assert any("Olly Outsider" in row and "Broke the glass" in row for row in rows)
    assert soup.select_one("#audit-events-table tbody tr .govuk-tag--red").get_text(strip=True) == "Broke the glass"
    assert any("Olly Outsider" in row and "Denied" in row and "Family" in row for row in rows)
    assert any("Pat Practitioner" in row and "Downloaded" in row and "Family plan 3" in row for row in rows)
    assert any("Pat Practitioner" in row and "Changed" in row and "Person 7" in row for row in rows)
    assert any("Pat Practitioner" in row and "Viewed" in row for row in rows)
    assert soup.select(".govuk-tag--orange")  # the denied attempt stands out too
    assert "events" in text_of(soup, "#audit-events-table caption")


def test_filters_by_person_action_and_london_dates_as_a_plain_get_and_with_htmx(app, make_user):
    family, manager, worker = _team(make_user)
    other = make_user("practitioner", name="Quinn Other")
    # 23:30 London on 31 October (GMT) and 00:30 on 1 November: the day boundary is London's.
    late = datetime(2026, 10, 31, 23, 30, tzinfo=clock.LONDON)
    _event("view", worker, family, at=late)
    _event("update", worker, family, record_type="person", record_id=1, at=late + timedelta(hours=1))
    _event("view", other, family, at=late + timedelta(hours=2))
    client = _signed_in(app, manager)

    soup = client.page("looked.who_looked", family_id=family.id, person=worker.id)
    assert all("Pat Practitioner" in row for row in _rows(soup)) and len(_rows(soup)) == 2

    soup = client.page("looked.who_looked", family_id=family.id, action="change")
    assert [row for row in _rows(soup)] and all("Changed" in row for row in _rows(soup))

    query = {"from": ["1", "11", "2026"], "to": ["1", "11", "2026"]}
    soup = client.page("looked.who_looked", family_id=family.id, query_string=query)
    rows = _rows(soup)
    assert len(rows) == 2 and not any("Sat 31 Oct" in row for row in rows)

    response = client.get(
        "looked.who_looked", family_id=family.id, query_string={"person": worker.id}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="audit-events">')
    assert "<html" not in response.text


def test_a_bad_filter_gets_a_clear_message_and_no_list_or_download(app, make_user):
    family, manager, worker = _team(make_user)
    _event("view", worker, family)
    client = _signed_in(app, manager)
    soup = client.page(
        "looked.who_looked", family_id=family.id, query_string={"from": ["31", "2", "2026"], "action": "nonsense"}
    )
    messages = [item.get_text(" ", strip=True) for item in soup.select(".govuk-error-summary__list li")]
    assert "The from date must be a real date" in messages
    assert "Select what they did from the list" in messages
    assert soup.select_one("input[name=from]")["value"] == "31"
    assert soup.find("button", string="Apply filters") is not None
    assert soup.select_one("#audit-events-table") is None
    assert "Nothing recorded" not in soup.get_text()
    assert soup.find("a", string="Download these events as a spreadsheet (CSV)") is None


def test_from_after_to_lists_nothing_and_the_csv_answers_400_never_everything(app, make_user):
    family, manager, worker = _team(make_user)
    _event("view", worker, family)
    client = _signed_in(app, manager)
    query = {"from": ["2", "11", "2026"], "to": ["1", "11", "2026"]}
    soup = client.page("looked.who_looked", family_id=family.id, query_string=query)
    messages = [item.get_text(" ", strip=True) for item in soup.select(".govuk-error-summary__list li")]
    assert messages == ["The to date must be the same as or after the from date"]
    assert soup.select_one("#audit-events-table") is None
    assert "Nothing recorded" not in soup.get_text()
    assert soup.find("a", string="Download these events as a spreadsheet (CSV)") is None

    fragment = client.get("looked.who_looked", family_id=family.id, query_string=query, headers={"HX-Request": "true"})
    assert "govuk-error-summary" in fragment.text and "audit-events-table" not in fragment.text

    for bad in (query, {"from": ["31", "2", "2026"]}, {"action": "nonsense"}, {"person": "999999"}):
        response = client.get("looked.who_looked_csv", family_id=family.id, query_string=bad)
        assert response.status_code == 400
        assert response.mimetype == "text/plain"
        assert "Nothing was exported" in response.text and worker.name not in response.text


def test_the_csv_export_has_the_same_filters_is_safe_in_a_spreadsheet_and_is_audited(app, make_user):
    family, manager, worker = _team(make_user)
    worker.name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    _event("view", worker, family)
    _event("update", worker, family, record_type="person", record_id=4)
    client = _signed_in(app, manager)

    response = client.get("looked.who_looked_csv", family_id=family.id, query_string={"action": "change"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "When (London)", "Who", "Role", "Team", "Action", "Record", "Outcome", "Request id", "Reason"
    ]  # fmt: skip
    assert len(rows) == 2
    when, who, role, team, action, record, outcome, request_id, reason = rows[1]
    assert who.startswith("'=")  # a formula is text in a spreadsheet
    assert (role, team, action, record, outcome, reason) == (
        "Early help practitioner", "Early help team", "Changed", "Person 4", "Done", ""
    )  # fmt: skip
    assert request_id

    exported = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.record_type == "audit_event")
    ).all()
    assert [(event.user_id, event.family_id) for event in exported] == [(manager.id, family.id)]


def test_a_practitioner_on_the_family_is_not_shown_who_has_looked(app, make_user):
    family, _manager, worker = _team(make_user)
    client = _signed_in(app, worker)
    assert client.get("looked.who_looked", family_id=family.id).status_code in (403, 404)
    assert client.get("looked.who_looked_csv", family_id=family.id).status_code in (403, 404)
    assert client.page("families.show", family_id=family.id).find("a", string="Who has looked at this family") is None
    denied = db.session.scalars(
        select(AuditEvent).where(AuditEvent.outcome == "denied", AuditEvent.user_id == worker.id)
    ).all()
    assert {event.family_id for event in denied} == {family.id}


def test_another_teams_manager_gets_not_found(app, make_user):
    family, _manager, worker = _team(make_user)
    _event("view", worker, family)
    far = ensure_team("Far away team", "early_help")
    other_manager = make_user("team_manager", team_name=far.name)
    client = _signed_in(app, other_manager)
    assert client.get("looked.who_looked", family_id=family.id).status_code == 404
    assert client.get("looked.who_looked_csv", family_id=family.id).status_code == 404


def test_the_head_of_service_sees_who_has_looked(app, make_user):
    family, _manager, worker = _team(make_user)
    _event("view", worker, family)
    head = make_user("head_of_service", team_name=None)
    soup = _signed_in(app, head).page("looked.who_looked", family_id=family.id)
    assert any("Pat Practitioner" in row for row in _rows(soup))


def test_records_i_opened_lists_only_my_own_with_the_family_reference(app, make_user):
    family, _manager, worker = _team(make_user)
    other_family = make_household()
    someone = make_user("practitioner", name="Sam Someone")
    _event("view", worker, family)
    _event("update", worker, family, record_type="person", record_id=2)
    _event("view", someone, other_family)
    soup = _signed_in(app, worker).page("looked.records_opened")
    text = text_of(soup, "#records-opened")
    assert family.reference in text and other_family.reference not in text
    assert "Sign in" not in text
    assert len(soup.select("#records-opened tbody tr")) == 2


def test_an_administrator_sees_an_empty_records_opened_page_and_the_link_in_the_navigation(app, make_user):
    admin = make_user("administrator", team_name=None)
    client = _signed_in(app, admin)
    soup = client.page("looked.records_opened")
    assert "You have not opened any family records." in text_of(soup, "#records-opened")
    nav = [link.get_text(strip=True) for link in client.page("main.home").select(".govuk-service-navigation__link")]
    assert "Records I opened" in nav


def test_the_head_of_service_home_shows_break_glass_and_restricted_families(app, make_user):
    family, manager, _worker = _team(make_user)
    outsider = make_user(
        "practitioner", team_name=ensure_team("Far away team", "early_help").name, name="Olly Outsider"
    )
    _break_glass(outsider, family, reason="Checking a sibling's school")
    head = make_user("head_of_service", team_name=None, name="Harper Head")
    restricted = make_household(restricted=True, restricted_by_id=manager.id, restricted_at=clock.now())
    from earlyhelp.models import RestrictedAccess

    db.session.add(RestrictedAccess(family_id=restricted.id, user_id=head.id, named_by_id=manager.id))
    hidden = make_household(restricted=True, restricted_by_id=manager.id, restricted_at=clock.now())
    db.session.commit()

    client = _signed_in(app, head)
    soup = client.page("main.home")
    glass = text_of(soup, "#break-glass-table")
    assert "Olly Outsider" in glass and family.reference in glass and "Checking a sibling's school" in glass
    link = soup.select_one("#break-glass-table a")
    assert link["href"] == client.url("looked.who_looked", family_id=family.id)
    table = text_of(soup, "#restricted-table")
    assert restricted.reference in table and "Morgan Manager" in table
    assert hidden.reference not in soup.get_text()  # not named on it: to them it does not exist
    nav = [link.get_text(strip=True) for link in soup.select(".govuk-service-navigation__link")]
    assert "Home" in nav and "My work" not in nav and "Records I opened" in nav


def test_the_page_runs_the_same_statements_with_5_rows_and_with_50(app, make_user):
    family, manager, worker = _team(make_user)
    client = _signed_in(app, manager)

    def statements():
        client.get("looked.who_looked", family_id=family.id)
        with counting_statements() as count:
            assert client.get("looked.who_looked", family_id=family.id).status_code == 200
        return count()

    for _ in range(5):
        _event("view", worker, family)
    few = statements()
    for number in range(45):
        _event("view", make_user("practitioner") if number % 9 == 0 else worker, family)
    assert statements() == few


def test_another_teams_manager_who_broke_the_glass_reads_the_family_but_not_who_has_looked(app, make_user):
    family, _manager, worker = _team(make_user)
    far = ensure_team("Far away team", "early_help")
    other_manager = make_user("team_manager", team_name=far.name)
    _break_glass(other_manager, family)
    client = _signed_in(app, other_manager)
    soup = client.page("families.show", family_id=family.id)
    assert soup.find("a", string="Who has looked at this family") is None
    assert client.get("looked.who_looked", family_id=family.id).status_code == 404


def _outsider(make_user, name="Olly Outsider"):
    south = ensure_team("Early help south", "early_help")
    return make_user("practitioner", team_name=south.name, name=name)


def test_the_manager_sees_each_break_glass_opening_with_the_reason_given_and_when_access_ends(app, make_user):
    family, manager, _worker = _team(make_user)
    outsider = _outsider(make_user)
    earlier = _outsider(make_user, name="Ezra Earlier")
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=clock.LONDON), tick=False):
        _break_glass(earlier, family, reason="Duty call about the eldest, out of hours")
    with time_machine.travel(datetime(2026, 11, 30, 22, 15, tzinfo=clock.LONDON), tick=False):
        _break_glass(outsider, family, reason="Police called about the children out of hours")
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=clock.LONDON), tick=False):
        client = _signed_in(app, manager)
        soup = client.page("looked.who_looked", family_id=family.id)
        csv_text = client.get("looked.who_looked_csv", family_id=family.id).text

    assert text_of(soup, "#break-glass-openings caption") == "Break-glass openings"
    headers = [th.get_text(strip=True) for th in soup.select("#break-glass-openings thead th")]
    assert headers == ["Who", "When", "Access ends", "Reason they gave"]
    rows = [
        [" ".join(td.get_text(" ").split()) for td in tr.select("td")]
        for tr in soup.select("#break-glass-openings tbody tr")
    ]
    assert rows == [
        [
            "Olly Outsider Early help practitioner, Early help south",
            "Mon 30 Nov 2026 at 22:15",
            "Tue 1 Dec 2026 at 22:15",
            "Police called about the children out of hours",
        ],
        [
            "Ezra Earlier Early help practitioner, Early help south",
            "Mon 2 Nov 2026 at 09:00",
            "Ended",
            "Duty call about the eldest, out of hours",
        ],
    ]
    # The openings table is above the events, and it is one query: a third opening adds none.
    assert soup.select_one("#break-glass-openings").find_next(id="audit-events-table") is not None
    client = _signed_in(app, manager)

    def statements():
        client.get("looked.who_looked", family_id=family.id)
        with counting_statements() as count:
            assert client.get("looked.who_looked", family_id=family.id).status_code == 200
        return count()

    few = statements()
    _break_glass(_outsider(make_user, name="Third Person"), family)
    assert statements() == few

    exported = list(csv.DictReader(io.StringIO(csv_text)))
    glass = [row for row in exported if row["Action"] == "Broke the glass"]
    assert {(row["Who"], row["Team"], row["Reason"]) for row in glass} == {
        ("Olly Outsider", "Early help south", "Police called about the children out of hours"),
        ("Ezra Earlier", "Early help south", "Duty call about the eldest, out of hours"),
    }


def test_turned_away_attempts_read_tried_to_and_count_under_denied_not_broke_the_glass(app, make_user):
    family, manager, worker = _team(make_user)
    outsider = _outsider(make_user)
    _event("break_glass", outsider, family, outcome=Outcome.REFUSED)
    _event("change", outsider, family, outcome=Outcome.DENIED)
    _event("open", outsider, family, record_type="family_plan", record_id=3, outcome=Outcome.DENIED)
    _event("update", worker, family, record_type="person", record_id=5)
    client = _signed_in(app, manager)

    soup = client.page("looked.who_looked", family_id=family.id)
    rows = _rows(soup)
    assert any("Tried to break the glass" in row and "Refused" in row for row in rows)
    assert not any("Broke the glass" in row for row in rows)
    assert not soup.select("#audit-events-table .govuk-tag--red")
    assert any("Tried to change" in row and "Family record" in row and "Denied" in row for row in rows)
    assert any("Tried to open" in row and "Family plan 3" in row and "Denied" in row for row in rows)
    assert all("Early help practitioner, Early help south" in row for row in rows if "Olly Outsider" in row)
    assert any("Pat Practitioner Early help practitioner, Early help team" in row for row in rows)

    assert not _rows(client.page("looked.who_looked", family_id=family.id, action="break_glass"))
    denied = _rows(client.page("looked.who_looked", family_id=family.id, action="denied"))
    assert len(denied) == 3 and all("Tried to" in row for row in denied)
    changed = _rows(client.page("looked.who_looked", family_id=family.id, action="change"))
    assert len(changed) == 1 and "Pat Practitioner" in changed[0] and "Changed" in changed[0]

    exported = list(csv.DictReader(io.StringIO(client.get("looked.who_looked_csv", family_id=family.id).text)))
    assert sorted(row["Action"] for row in exported if row["Who"] == "Olly Outsider") == [
        "Tried to break the glass",
        "Tried to change",
        "Tried to open",
    ]
    assert all(row["Reason"] == "" for row in exported)


def test_the_managers_own_looks_at_this_page_are_recorded_but_not_listed(app, make_user):
    family, manager, worker = _team(make_user)
    _event("view", worker, family)
    client = _signed_in(app, manager)
    client.page("looked.who_looked", family_id=family.id)
    client.get("looked.who_looked_csv", family_id=family.id)
    soup = client.page("looked.who_looked", family_id=family.id)

    assert "Looking at this page or downloading it is recorded too" in soup.get_text(" ")
    rows = _rows(soup)
    assert len(rows) == 1 and "Pat Practitioner" in rows[0]
    assert not any("Who has looked" in row or "Morgan Manager" in row for row in rows)
    people = [option.get_text(strip=True) for option in soup.select("select[name=person] option")]
    assert "Morgan Manager" not in people
    exported = list(csv.DictReader(io.StringIO(client.get("looked.who_looked_csv", family_id=family.id).text)))
    assert [row["Who"] for row in exported] == ["Pat Practitioner"]

    kept = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "audit_event", AuditEvent.user_id == manager.id)
    ).all()
    assert sorted(kept) == ["export", "export", "view", "view"]


def test_records_i_opened_past_the_last_page_says_there_is_no_such_page(app, make_user):
    family, _manager, worker = _team(make_user)
    _event("view", worker, family)
    client = _signed_in(app, worker)
    soup = client.page("looked.records_opened", page=5)
    text = text_of(soup, "#records-opened")
    assert "There is no page 5." in text and "You have not opened any family records" not in text
    assert soup.find("a", string="Go to the first page")["href"] == client.url("looked.records_opened")

    manager_client = _signed_in(app, _manager)
    soup = manager_client.page("looked.who_looked", family_id=family.id, page=9)
    assert "There is no page 9." in text_of(soup, "#audit-events") and "Nothing recorded" not in soup.get_text()


def _active_navigation(soup) -> list[str]:
    return [item.get_text(strip=True) for item in soup.select(".govuk-service-navigation__item--active")]


def test_a_familys_who_has_looked_page_does_not_highlight_records_i_opened(app, make_user):
    family, manager, _worker = _team(make_user)
    client = _signed_in(app, manager)
    assert _active_navigation(client.page("looked.who_looked", family_id=family.id)) == ["Families"]
    assert _active_navigation(client.page("looked.records_opened")) == ["Records I opened"]
