"""The administrator's pages load what they show in a fixed number of SQL statements, however many rows."""

from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import Service, Team
from tests.helpers import TestClient, counting_statements

ROLES_AND_TEAMS = [("practitioner", "Early help team"), ("social_worker", "Social care team"), ("team_manager", None)]


def _statements(app, make_user, endpoint: str, **values) -> tuple[int, object]:
    client = TestClient(app)
    client.sign_in(make_user("administrator", team_name=None))
    client.page(endpoint, **values)  # the first page after signing in may do one-off work
    with counting_statements() as count:
        soup = client.page(endpoint, **values)
    return count(), soup


def _add_people(make_user, people: int) -> None:
    for number in range(people):
        role, team = ROLES_AND_TEAMS[number % 3]
        make_user(role, team_name=team, active=number % 7 != 0)


def test_the_users_page_runs_as_many_statements_for_50_users_as_for_5(app, make_user):
    _add_people(make_user, 4)  # and the administrator: 5
    few, soup = _statements(app, make_user, "admin.users")
    before = len(soup.select("#users tbody tr"))
    _add_people(make_user, 45)  # 50
    many, soup = _statements(app, make_user, "admin.users")
    assert len(soup.select("#users tbody tr")) == before + 46
    assert many == few


def test_the_add_a_user_page_runs_as_many_statements_for_50_teams_as_for_5(app, make_user):
    service = db.session.scalar(select(Service).where(Service.code == "early_help"))
    counts = []
    for teams in (5, 50):
        existing = db.session.scalar(select(db.func.count(Team.id)))
        for number in range(existing, teams):
            db.session.add(Team(name=f"Locality team {number}", service=service))
        db.session.commit()
        count, soup = _statements(app, make_user, "admin.new_user")
        assert len(soup.select("#team option")) >= teams + 1
        counts.append(count)
    assert counts[0] == counts[1]
