"""flask commands: create-user for the first administrator, seed-demo for a realistic demo."""

import secrets

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Role, Team, User


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(raise_overdue_command)
    try:
        from bench.generate import bench_data_command
    except ImportError:  # bench/ is not shipped in a deployment
        pass
    else:
        app.cli.add_command(bench_data_command)
    from earlyhelp.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "role_code", default="administrator", show_default=True, help="Role code, e.g. administrator")
@click.option("--team", "team_name", default=None, help="Team name (optional for administrators)")
@click.password_option(help="Prompted for when not given")
def create_user_command(email: str, name: str, role_code: str, team_name: str | None, password: str) -> None:
    """Add a user, usually the first administrator."""
    from earlyhelp.auth.forms import MIN_PASSWORD_LENGTH
    from earlyhelp.services.accounts import create_user

    role = db.session.scalar(select(Role).where(Role.code == role_code))
    if role is None:
        codes = ", ".join(db.session.scalars(select(Role.code).order_by(Role.code)))
        raise click.UsageError(f"No role '{role_code}'. Choose one of: {codes}")
    team = None
    if team_name:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise click.UsageError(f"No team named '{team_name}'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")
    if User.by_email(email):
        raise click.UsageError(f"A user with the email address {email} already exists")
    user = create_user(email=email, name=name, password=password, role=role, team=team)
    db.session.commit()
    click.echo(f"Added {user.name} <{user.email}> as {role.name}.")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", default=None, help="Shared password for the demo accounts (random if omitted)")
@click.option("--families", "family_count", default=60, show_default=True, type=click.IntRange(0, 200_000))
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, when demo data is already loaded")
@click.option("--seed", "random_seed", default=None, type=int, help="Random seed, for repeatable data")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Also write 18 months of past work (closed families), so the performance pages have a shape",
)
def seed_demo_command(
    password: str | None, family_count: int, if_empty: bool, random_seed: int | None, history: bool
) -> None:
    """Fill an empty database with fictional demo data and one account per role."""
    from sqlalchemy import inspect

    from earlyhelp.services import demo

    if not inspect(db.engine).has_table("setting"):
        raise click.ClickException("This database has no tables yet. Run `flask db upgrade` first, then seed-demo.")
    if demo.is_loaded():
        if if_empty:
            click.echo("Demo data is already loaded. Demo accounts:")
            _print_accounts(demo.accounts())
            return
        raise click.ClickException("Demo data is already loaded. Use a fresh database to seed again.")
    if not demo.database_is_empty():
        raise click.ClickException(
            "This database holds records that seed-demo did not create. It will not add demo data to it."
        )
    password = password or secrets.token_urlsafe(12)
    accounts = demo.seed(password=password, family_count=family_count, random_seed=random_seed, history=history)
    past = " and 18 months of past work" if history else ""
    click.echo(f"Loaded demo data: {family_count} fictional families{past}.\n")
    click.echo("Demo accounts (all fictional). Password for every account: " + password)
    _print_accounts(accounts)


def _print_accounts(accounts) -> None:
    width = max((len(a.email) for a in accounts), default=0)
    for account in accounts:
        team = account.team.name if account.team else "no team"
        click.echo(f"  {account.email.ljust(width)}  {account.role.name} ({team})")


@click.command("raise-overdue")
@with_appcontext
def raise_overdue_command() -> None:
    """Notify the owners of next steps that have become overdue. Run once a day, for example from cron."""
    from earlyhelp.services.notifications import raise_overdue

    raised = raise_overdue(clock.today())  # a use case: it commits the notices it raises
    click.echo(f"Raised {raised} overdue notification{'s' if raised != 1 else ''}.")
