"""Backups of the embedded SQLite database, and putting one back.

A backup is taken with SQLite's online backup API while the app goes on writing: the copy is made in one
read transaction on the live database, so it is the database as it stood at one moment (WAL mode lets
writers carry on meanwhile). The row counts of every table are taken in that same read transaction, so
a backup can be checked against them. Backups hold children's records: the file is readable by its owner
only (0600), in a folder only its owner can open (0700).

A restore checks the file first (a SQLite database, of this app, passing PRAGMA integrity_check, from a
migration this code knows), copies it to a temporary file beside the live database and checks the copy,
keeps a copy of the database it is about to replace, then puts the checked copy in place: by an atomic
rename when there is no live database, otherwise through the backup API into the live database, which
SQLite applies in one transaction. (Renaming over a live WAL-mode database would pair the new file with
the old database's -wal and -shm files, which corrupts it.)

On PostgreSQL neither is done here: pg_dump and pg_restore are the tools (postgres_procedure).
"""

import getpass
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.engine import URL, make_url

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.services.audit import record_event

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every database of this app has had since its first migration.
APP_TABLES = frozenset({"alembic_version", "family", "episode", "user_account", "audit_event"})


@dataclass(frozen=True)
class Backup:
    path: Path
    counts: dict[str, int]  # rows per table, read in the same snapshot the copy was made from
    revision: str


@dataclass(frozen=True)
class Restored:
    path: Path
    source: Path
    revision: str
    kept: Path | None  # the copy of the database that was replaced
    counts: dict[str, int]
    needs_upgrade: bool


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def live_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise Refused("This app's database is in memory; there is no file to back up or restore.")
    return Path(database).resolve()


def default_backup_path() -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.config["BACKUP_DIR"]) / f"earlyhelp-{stamp}.sqlite3"


def backup(target: Path | None = None, *, pages: int = -1, progress=None) -> Backup:
    """Copy the live database to target (or a new file under BACKUP_DIR), mode 0600, and check the copy.

    pages and progress go to sqlite3's backup: a few pages at a time, calling progress(status, remaining,
    total) after each; the copy is still of one moment, as the read transaction is held throughout."""
    source_path = live_path()
    target = Path(target) if target else default_backup_path()
    if target.exists():
        raise Refused(f"{target} already exists. Choose another file; a backup never overwrites one.")
    if target.resolve() == source_path:
        raise Refused("That is the live database itself. Choose another file.")
    _private_folder(target.parent)
    partial = target.with_name(target.name + ".partial")
    _private_empty_file(partial)
    try:
        source = _connect(source_path)
        copy = sqlite3.connect(partial)
        try:
            source.execute("BEGIN")  # one read snapshot for the counts and the copy
            counts = table_counts(source)
            revision = _revision(source)
            source.backup(copy, pages=pages, progress=progress)
            source.execute("COMMIT")
        finally:
            copy.close()
            source.close()
        _check(partial, "The backup just written")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=target, counts=counts, revision=revision)


def check_backup(path: Path) -> tuple[str, dict[str, int], bool]:
    """Refuse a file that is not a sound backup of this app that this code can run; else its revision,
    counts and whether `flask db upgrade` is needed after restoring it."""
    path = Path(path)
    if not path.is_file():
        raise Refused(f"There is no file at {path}.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise Refused(f"{path} is not a SQLite database.")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            tables = _tables(connection)
        except sqlite3.DatabaseError as error:
            raise Refused(f"{path} cannot be read as a SQLite database ({error}).") from error
        missing = APP_TABLES - set(tables)
        if missing:
            raise Refused(f"{path} is not a database of this app: it has no {', '.join(sorted(missing))} table.")
        _check_integrity(connection, f"{path}")
        revision = _revision(connection)
        counts = table_counts(connection)
    finally:
        connection.close()
    scripts = _scripts()
    if revision is None or not _known(scripts, revision):
        raise Refused(
            f"{path} is from migration {revision or '(none)'}, which this code does not know: it is from a "
            "newer version of the app (or another app). Restore it with the version of the app that wrote it."
        )
    needs_upgrade = revision not in scripts.get_heads()
    return revision, counts, needs_upgrade


def restore(source: Path) -> Restored:
    """Put a checked backup in place of the live database (see the module's docstring for how)."""
    source = Path(source)
    revision, counts, needs_upgrade = check_backup(source)
    live = live_path()
    if source.resolve() == live:
        raise Refused("That is the live database itself.")
    staged = live.with_name(f".{live.name}.restoring")
    staged.unlink(missing_ok=True)
    _private_empty_file(staged)
    kept = None
    try:
        backup_source = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        staging = sqlite3.connect(staged)
        try:
            backup_source.backup(staging)
        finally:
            staging.close()
            backup_source.close()
        _check(staged, "The copy of the backup")
        db.session.remove()
        db.engine.dispose()  # this process lets go of the old database before it is replaced
        if live.exists():
            kept = backup(Path(current_app.config["BACKUP_DIR"]) / _kept_name()).path
            staging = sqlite3.connect(staged)
            target = _connect(live)
            try:
                staging.backup(target)  # one transaction on the live database: all of it or none
            finally:
                target.close()
                staging.close()
        else:
            live.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, live)
    finally:
        staged.unlink(missing_ok=True)
    return Restored(path=live, source=source, revision=revision, kept=kept, counts=counts, needs_upgrade=needs_upgrade)


def who_ran_it() -> str:
    """The operating-system account that ran the command: at the console nobody is signed in to the app."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record_run(action: str, path: Path) -> None:
    """Audit `flask backup` or `flask restore`: which file, and who ran it.

    The audit trail has no system actor for commands: an event with no user, whose request_id is "cli"
    (earlyhelp/services/audit.py), is one made at the console. Who ran it is the operating-system account, in
    the detail. A restore's event is written into the database just restored, after the restore."""
    detail = f"file: {Path(path).resolve()}; run by: {who_ran_it()}"
    record_event(action, "database", None, detail=detail[-300:])
    db.session.commit()


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 (names from sqlite_master)
        for table in _tables(connection)
    }


def integrity(path: Path) -> str:
    connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def postgres_procedure(action: str) -> str:
    """What to run instead on PostgreSQL, with this app's database named (never its password)."""
    configured = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    url = URL.create("postgresql", configured.username, None, configured.host, configured.port, configured.database)
    target = url.render_as_string(hide_password=False)
    scratch = url.set(database=f"{url.database}_restore_test").render_as_string(hide_password=False)
    folder = current_app.config["BACKUP_DIR"]
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    dump = f"{folder}/earlyhelp-{stamp}.dump"
    lines = [
        f"This app's database is PostgreSQL: `flask {action}` copies SQLite files only and has done nothing.",
        "Use PostgreSQL's own tools (the password comes from ~/.pgpass or PGPASSWORD, never the command line):",
        "",
        "Back up (custom format, readable by its owner only):",
        f"  umask 077 && mkdir -p {folder}",
        f'  pg_dump --format=custom --no-owner --file="{dump}" "{target}"',
        "",
        "Test the backup by restoring it into a scratch database, then compare with the live one:",
        f'  psql "{url.set(database="postgres").render_as_string(hide_password=False)}" '
        f"-c 'CREATE DATABASE \"{url.database}_restore_test\"'",
        f'  pg_restore --no-owner --exit-on-error --dbname="{scratch}" "{dump}"',
        f'  psql "{scratch}" -c "SELECT version_num FROM alembic_version" -c "SELECT count(*) FROM family"',  # noqa: S608
        "",
        "Restore (stop the app first; this replaces every table the dump holds):",
        "  pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error "
        f'--dbname="{target}" "{dump}"',
        "  flask db upgrade   # if the dump is from an older version of the app",
    ]
    return "\n".join(lines)


def _kept_name() -> str:
    return f"before-restore-{clock.now().strftime('%Y%m%dT%H%M%S%fZ')}.sqlite3"


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, isolation_level=None, timeout=current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    )
    connection.execute(f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
    return connection


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    return [name for (name,) in rows]


def _revision(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown or ambiguous revision
        return False


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    results = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if results != ["ok"]:
        raise Refused(f"{what} fails SQLite's integrity check: {'; '.join(results[:5])}")


def _check(path: Path, what: str) -> None:
    connection = sqlite3.connect(path)
    try:
        _check_integrity(connection, what)
    finally:
        connection.close()


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _private_empty_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
