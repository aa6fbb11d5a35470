"""flask create-user and flask seed-demo, run as an administrator would run them."""

import re
from datetime import UTC, datetime

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp.config import ProductionConfig
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Person, Role, Team, User
from earlyhelp.services.demo import DEMO_ACCOUNTS, DEMO_SIGN_IN_CODE_KEY
from tests.helpers import TestClient, app_on_fresh_database, soup_of, text_of


@pytest.fixture
def empty_app():
    with app_on_fresh_database("cli") as app:
        yield app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_seed_demo_fills_an_empty_database_and_prints_one_account_per_role(empty_app):
    result = run(
        empty_app, "seed-demo", "--password", "a shared demo phrase", "--families", "12", "--seed", "3", "--no-history"
    )
    assert result.exit_code == 0, result.output
    assert "Password for every account: a shared demo phrase" in result.output
    for role in [
        "Early help practitioner",
        "Social worker",
        "Front door officer",
        "Team manager",
        "Administrator",
        "Head of service",
    ]:
        assert re.search(rf"@northshire\.example\s+{role} \(", result.output), role
    with empty_app.app_context():
        assert db.session.scalar(select(func.count(Family.id))) == 12
        assert db.session.scalar(select(func.count(Person.id)).where(Person.is_child)) >= 12
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_ACCOUNTS)
        assert User.by_email("practitioner@northshire.example").check_password("a shared demo phrase")


def test_seed_demo_makes_a_random_password_when_none_is_given(empty_app):
    result = run(empty_app, "seed-demo", "--families", "1", "--no-history")
    password = re.search(r"Password for every account: (\S+)", result.output).group(1)
    assert len(password) >= 12
    with empty_app.app_context():
        assert User.by_email("admin@northshire.example").check_password(password)


def test_seed_demo_will_not_run_twice_but_if_empty_says_so_kindly(empty_app):
    run(empty_app, "seed-demo", "--families", "1", "--no-history")
    again = empty_app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 1
    assert "already loaded" in again.output
    kindly = run(empty_app, "seed-demo", "--if-empty")
    assert kindly.exit_code == 0
    assert "practitioner@northshire.example" in kindly.output


def test_seed_demo_refuses_a_database_holding_data_it_did_not_create(empty_app):
    run(
        empty_app,
        "create-user",
        "--email",
        "real.admin@test.example",
        "--name",
        "Real Admin",
        "--password",
        "a real long password",
    )
    result = empty_app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 1
    assert "holds records that seed-demo did not create" in result.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count(Family.id))) == 0


def test_create_user_adds_the_first_administrator(empty_app):
    result = run(
        empty_app,
        "create-user",
        "--email",
        "First.Admin@test.example",
        "--name",
        "First Admin",
        "--password",
        "a real long password",
    )
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        user = User.by_email("first.admin@test.example")
        assert user.role.code == "administrator"
        assert user.check_password("a real long password")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "No role 'wizard'"),
        (["--team", "Nowhere"], "No team named 'Nowhere'"),
        (["--password", "short"], "at least 12 characters"),
    ],
)
def test_create_user_explains_what_is_wrong(empty_app, args, message):
    base = {"--email": "x@test.example", "--name": "X", "--password": "a real long password"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = empty_app.test_cli_runner().invoke(args=["create-user", *sum(base.items(), ())])
    assert result.exit_code == 2
    assert message in result.output


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from earlyhelp import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_seed_demo_shares_families_out_as_a_council_would_so_each_worker_leads_15_to_25(empty_app):
    result = run(
        empty_app, "seed-demo", "--password", "a shared demo phrase", "--families", "150", "--seed", "4", "--no-history"
    )
    assert result.exit_code == 0, result.output
    # Only the accounts the README names are printed; the colleagues share the caseloads.
    assert len(re.findall(r"@northshire\.example", result.output)) == len(DEMO_ACCOUNTS)
    with empty_app.app_context():
        caseloads = dict(
            db.session.execute(
                select(User.email, func.count(Episode.id))
                .join(Role, User.role_id == Role.id)
                .outerjoin(Episode, (Episode.lead_id == User.id) & Episode.ended_on.is_(None))
                .where(Role.code.in_(["practitioner", "social_worker"]))
                .group_by(User.email)
            ).all()
        )
        assert "practitioner@northshire.example" in caseloads and "social.worker@northshire.example" in caseloads
        assert len(caseloads) > 2
        # The other team's practitioner is there to show access from outside a family's team: no caseload.
        del caseloads["practitioner.south@northshire.example"]
        del caseloads["new.starter@northshire.example"]  # on their first day: no families yet
        assert all(15 <= families <= 25 for families in caseloads.values()), caseloads
        assert User.by_email("practitioner.2@northshire.example").check_password("a shared demo phrase")


def test_seed_demo_on_a_database_without_tables_says_what_to_run_first():
    from earlyhelp import create_app
    from tests.helpers import fresh_database

    with fresh_database("no_tables") as database_url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 1
    assert "no tables yet. Run `flask db upgrade` first" in result.output
    assert "Traceback" not in result.output


@time_machine.travel(datetime(2027, 3, 9, 10, 0, 10, tzinfo=UTC), tick=False)
def test_seed_demo_has_a_new_starter_someone_with_a_sign_in_code_and_teams_whose_names_make_sense(empty_app):
    result = run(
        empty_app, "seed-demo", "--password", "a shared demo phrase", "--families", "40", "--seed", "5", "--no-history"
    )
    assert result.exit_code == 0, result.output
    assert "new.starter@northshire.example" in result.output and "sign.in.code@northshire.example" in result.output
    with empty_app.app_context():
        teams = db.session.scalars(select(Team.name).order_by(Team.name)).all()
        assert teams == ["Early help north", "Early help south", "Front door", "Social care team"]
    with empty_app.app_context():  # the clients' requests write: nothing else holds the database
        # The new starter chooses their own password at their first sign-in, before anything else.
        new_starter = TestClient(empty_app)
        new_starter.sign_in("new.starter@northshire.example", password="a shared demo phrase")
        assert new_starter.get("main.home").headers["Location"] == new_starter.url("auth.change_password")
        assert text_of(new_starter.page("auth.change_password"), "h1") == "Choose your own password"
        new_starter.post(
            "auth.change_password",
            {
                "current_password": "a shared demo phrase",
                "new_password": "nicos own long passphrase",
                "confirm_password": "nicos own long passphrase",
            },
            csrf_from="auth.change_password",
        )
        # Their My work holds nothing of anyone else's as if it were theirs: a request to the team is apart.
        home = soup_of(new_starter.get("main.home"))
        assert home.select_one("#requests-for-me") is None
        assert home.select("#my-families li") == []
        assert "waiting for your team manager's decision" in text_of(home, "#requests-to-my-team")
        assert "Your team manager decides these" in home.get_text()

        # The code holder is asked for a code from the key the README prints, and it works.
        holder = TestClient(empty_app)
        signed = holder.post(
            "auth.sign_in",
            {"email": "sign.in.code@northshire.example", "password": "a shared demo phrase"},
            csrf_from="auth.sign_in",
        )
        assert signed.headers["Location"] == holder.url("auth.second_factor")
        code = pyotp.TOTP(DEMO_SIGN_IN_CODE_KEY).now()
        done = holder.post("auth.second_factor", {"code": code}, csrf_from="auth.second_factor")
        assert done.headers["Location"] == holder.url("main.home")
        assert "Signed in as Kit Codeholder" in " ".join(soup_of(holder.get("main.home")).get_text().split())
