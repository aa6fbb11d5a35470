"""flask backup and flask restore (the work is in earlyhelp/services/backup.py)."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from earlyhelp.domain.refusals import Refused
from earlyhelp.services import backup as backups


@click.command("backup")
@with_appcontext
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path | None) -> None:
    """Copy the database to FILE (default: a new file under BACKUP_DIR), safely while the app runs.

    The file holds children's records: it is made readable by its owner only. Encrypt it at rest."""
    if not backups.is_sqlite():
        click.echo(backups.postgres_procedure("backup"))
        raise SystemExit(1)
    try:
        made = backups.backup(file)
    except Refused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    backups.record_run("backup", made.path)
    rows = sum(made.counts.values())
    click.echo(f"Backed up the database to {made.path.resolve()}")
    click.echo(f"  migration {made.revision}, {len(made.counts)} tables, {rows} rows; integrity check ok")
    click.echo("  It holds personal data about children: keep it encrypted and delete it when it is no longer needed.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE, after checking it. Stop the app first."""
    if not backups.is_sqlite():
        click.echo(backups.postgres_procedure("restore"))
        raise SystemExit(1)
    try:
        revision, counts, _ = backups.check_backup(file)
        live = backups.live_path()
        if not yes:
            click.echo(f"{file} is a sound backup: migration {revision}, {sum(counts.values())} rows.")
            click.confirm(
                f"Replace the database at {live} with it? Everything written since the backup is lost",
                abort=True,
            )
        restored = backups.restore(file)
    except Refused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    if not restored.needs_upgrade:  # an older schema's audit table may differ: the event waits for no upgrade
        backups.record_run("restore", restored.source)
    click.echo(f"Restored {restored.path} from {restored.source} (migration {restored.revision}).")
    click.echo(f"  {sum(restored.counts.values())} rows in {len(restored.counts)} tables; integrity check ok.")
    if restored.kept:
        click.echo(f"  The database it replaced is kept at {restored.kept.resolve()}")
    if restored.needs_upgrade:
        click.echo("  The backup is from an older version of the app: run `flask db upgrade` before starting it.")
    click.echo("  Restart the app so that every process opens the restored database.")
