"""flask backup and flask restore, run as an administrator runs them, against a database the app is writing to.

Every test runs on a SQLite file of its own in every pass (the PostgreSQL pass included: copying the
embedded database is what these commands do); on PostgreSQL they only say how to use pg_dump, which needs
no database to show.
"""

import sqlite3
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp import create_app
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Family, Person
from earlyhelp.services import backup as backups
from tests.helpers import make_app

MEMBERS_PER_FAMILY = 3


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.db'}", BACKUP_DIR=str(tmp_path / "backups"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def _add_family(app, label: str) -> None:
    """One family and its members in one transaction, through the app's own session and engine."""
    with app.app_context():
        family = Family(reference=f"BKP-{label}", address=f"{label} Backup Road, Testtown", postcode="ZZ99 1AA")
        for number in range(MEMBERS_PER_FAMILY):
            family.members.append(Person(first_name=f"Member{number}", last_name=label, relationship_to_child="Parent"))
        db.session.add(family)
        db.session.commit()


def _counts_in(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return backups.table_counts(connection)
    finally:
        connection.close()


def _families(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Family.id)))


def test_a_backup_taken_while_the_app_writes_is_one_moment_and_restores_whole(sqlite_app, tmp_path):
    stop = threading.Event()
    written = [0, 0, 0, 0]
    failures = []

    def writer(number):
        try:
            while not stop.is_set():
                _add_family(sqlite_app, f"{number}-{written[number]}")
                written[number] += 1
        except Exception as error:  # reported below, with the test's failure
            failures.append(error)

    def _until(enough):
        for _ in range(6000):  # a minute at most, however slow the machine: then the writers are stuck
            if enough() or failures:
                return
            stop.wait(0.01)
        failures.append("the writers wrote nothing for a minute")

    def wait_for_more_writes(_status, _remaining, _total):
        """Called by the backup between pages: the first time, let the writers commit while it is half done."""
        if not during:
            before = sum(written)
            _until(lambda: sum(written) >= before + 40)
            during.append(sum(written) - before)

    during = []
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(len(written))]
    for thread in threads:
        thread.start()
    try:
        _until(lambda: sum(written) >= 40)
        with sqlite_app.app_context():
            made = backups.backup(tmp_path / "during-writes.sqlite3", pages=1, progress=wait_for_more_writes)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []

    assert backups.integrity(made.path) == "ok"
    in_backup = _counts_in(made.path)
    assert in_backup == made.counts  # the copy is the snapshot the counts were read from
    assert in_backup["person"] == MEMBERS_PER_FAMILY * in_backup["family"]  # no transaction copied half-done
    assert during and during[0] >= 40  # the writers committed while the backup was being copied
    assert 40 <= in_backup["family"] <= _families(sqlite_app) - 40  # and the copy holds none of those

    restored_dir = tmp_path / "elsewhere"
    restored_dir.mkdir()
    other = make_app(f"sqlite:///{restored_dir / 'restored.db'}", BACKUP_DIR=str(restored_dir / "backups"))
    result = run(other, "restore", str(made.path), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Restored {(restored_dir / 'restored.db').resolve()}" in result.output
    assert "The database it replaced is kept at" in result.output
    assert backups.integrity(restored_dir / "restored.db") == "ok"
    restored_counts = _counts_in(restored_dir / "restored.db")
    assert restored_counts.pop("audit_event") == made.counts["audit_event"] + 1  # the restore's own event
    assert restored_counts == {table: rows for table, rows in made.counts.items() if table != "audit_event"}
    assert _families(other) == in_backup["family"]  # and the app reads the restored data
    with other.app_context():
        db.engine.dispose()


def test_flask_backup_writes_a_private_file_named_for_the_moment_under_backup_dir(sqlite_app, tmp_path):
    _add_family(sqlite_app, "only")
    with time_machine.travel(datetime(2027, 7, 1, 9, 15, tzinfo=LONDON), tick=False):
        result = run(sqlite_app, "backup")
    assert result.exit_code == 0, result.output
    expected = (tmp_path / "backups" / "earlyhelp-20270701T081500Z.sqlite3").resolve()
    assert f"Backed up the database to {expected}" in result.output
    assert "personal data about children" in result.output
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
    assert _counts_in(expected)["family"] == 1
    assert list(expected.parent.iterdir()) == [expected]  # no partial file left behind


def test_a_backup_never_overwrites_a_file(sqlite_app, tmp_path):
    target = tmp_path / "there.sqlite3"
    target.write_bytes(b"something precious")
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_bytes() == b"something precious"


@pytest.fixture
def a_backup(sqlite_app, tmp_path):
    _add_family(sqlite_app, "kept")
    with sqlite_app.app_context():
        return backups.backup(tmp_path / "good.sqlite3").path


def _restore_is_refused(app, path, *args, input=None):
    before = _counts_in(Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")))
    result = run(app, "restore", str(path), *args, input=input)
    assert result.exit_code != 0, result.output
    after = _counts_in(Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")))
    assert after == before
    return result.output


def test_restore_asks_first_and_answering_no_changes_nothing(sqlite_app, a_backup):
    _add_family(sqlite_app, "after-the-backup")
    output = _restore_is_refused(sqlite_app, a_backup, input="n\n")
    assert "Replace the database at" in output
    assert "Aborted" in output
    assert _families(sqlite_app) == 2


def test_restore_without_yes_and_with_nobody_to_answer_changes_nothing(sqlite_app, a_backup):
    output = _restore_is_refused(sqlite_app, a_backup)
    assert "Aborted" in output


def test_restore_answering_yes_puts_the_backup_back(sqlite_app, a_backup):
    _add_family(sqlite_app, "after-the-backup")
    result = run(sqlite_app, "restore", str(a_backup), input="y\n")
    assert result.exit_code == 0, result.output
    assert _families(sqlite_app) == 1
    kept = next(Path(sqlite_app.config["BACKUP_DIR"]).glob("before-restore-*.sqlite3"))
    assert _counts_in(kept)["family"] == 2  # what was replaced can still be had back


def test_restore_refuses_a_file_that_is_not_a_sqlite_database(sqlite_app, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Not a database at all, just some words about a family.")
    assert "is not a SQLite database" in _restore_is_refused(sqlite_app, path, "--yes")


def test_restore_refuses_a_missing_file(sqlite_app, tmp_path):
    assert "There is no file" in _restore_is_refused(sqlite_app, tmp_path / "nowhere.sqlite3", "--yes")


def test_restore_refuses_a_sqlite_database_of_another_app(sqlite_app, tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    assert "is not a database of this app" in _restore_is_refused(sqlite_app, path, "--yes")


def test_restore_refuses_a_backup_that_fails_the_integrity_check(sqlite_app, a_backup):
    connection = sqlite3.connect(a_backup)
    connection.execute("CREATE TABLE probe (x INTEGER, y INTEGER)")
    connection.execute("CREATE INDEX probe_x ON probe (x)")
    connection.executemany("INSERT INTO probe VALUES (?, ?)", [(n, 1000 - n) for n in range(200)])
    connection.commit()
    # The index now claims to be on y while its entries are x: the file is damaged as a disk fault damages it.
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX probe_x ON probe (y)' WHERE name = 'probe_x'")
    connection.commit()
    connection.close()
    assert "fails SQLite's integrity check" in _restore_is_refused(sqlite_app, a_backup, "--yes")


def test_restore_refuses_a_backup_from_a_newer_migration_than_the_code(sqlite_app, a_backup):
    connection = sqlite3.connect(a_backup)
    connection.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    connection.commit()
    connection.close()
    output = _restore_is_refused(sqlite_app, a_backup, "--yes")
    assert "0999_from_the_future" in output
    assert "newer version of the app" in output


def test_on_postgresql_backup_and_restore_do_nothing_and_give_the_pg_dump_procedure(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://clerk:hunter2-secret@db.council.example:5433/earlyhelp",
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    (tmp_path / "earlyhelp.dump").write_bytes(b"PGDMP")
    made = run(app, "backup")
    put_back = run(app, "restore", str(tmp_path / "earlyhelp.dump"), "--yes")
    for result, command in [(made, "backup"), (put_back, "restore")]:
        assert result.exit_code == 1
        assert f"`flask {command}` copies SQLite files only and has done nothing" in result.output
        assert f'pg_dump --format=custom --no-owner --file="{tmp_path}/backups/earlyhelp-' in result.output
        assert '"postgresql://clerk@db.council.example:5433/earlyhelp"' in result.output
        assert "pg_restore --clean --if-exists --no-owner --single-transaction" in result.output
        assert "earlyhelp_restore_test" in result.output  # a restore test into a scratch database
        assert "hunter2" not in result.output
    assert not (tmp_path / "backups").exists()
    assert (tmp_path / "earlyhelp.dump").read_bytes() == b"PGDMP"


def _console_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return events


def test_flask_backup_is_audited_with_the_file_and_who_ran_it(sqlite_app, tmp_path):
    target = tmp_path / "audited.sqlite3"
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 0, result.output

    [event] = _console_events(sqlite_app, "backup")
    assert (event.record_type, event.user_id, event.request_id, event.outcome) == ("database", None, "cli", "ok")
    assert event.detail == f"file: {target.resolve()}; run by: {backups.who_ran_it()}"


def test_flask_restore_is_audited_in_the_restored_database(sqlite_app, a_backup):
    result = run(sqlite_app, "restore", str(a_backup), "--yes")
    assert result.exit_code == 0, result.output

    [event] = _console_events(sqlite_app, "restore")
    assert (event.record_type, event.user_id, event.request_id) == ("database", None, "cli")
    assert event.detail == f"file: {a_backup.resolve()}; run by: {backups.who_ran_it()}"


def test_a_refused_restore_writes_no_restore_event(sqlite_app, tmp_path):
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_text("not a database")
    assert run(sqlite_app, "restore", str(bad), "--yes").exit_code != 0
    assert _console_events(sqlite_app, "restore") == []
