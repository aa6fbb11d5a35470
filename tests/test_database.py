"""The data stores: engine settings, migrations that match the models, and an append-only audit trail."""

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from earlyhelp.domain.roles import RoleCode
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Setting
from tests.helpers import TEST_DATABASE_URL, app_on_fresh_database

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite engine settings")


@pytest.fixture(scope="module")
def own_app():
    """An app with its own database, for tests that need real separate connections and commits."""
    with app_on_fresh_database("engine") as app:
        yield app


@sqlite_only
def test_every_sqlite_connection_has_wal_foreign_keys_and_a_busy_timeout(own_app):
    with own_app.app_context():
        connections = [db.engine.connect() for _ in range(3)]
        try:
            for connection in connections:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
                connection.rollback()  # every transaction holds the write lock: let the next one in
        finally:
            for connection in connections:
                connection.close()


def test_concurrent_read_then_write_transactions_never_fail_with_database_is_locked(own_app):
    """Each worker reads a counter and then writes it back, the pattern that defeats WAL without BEGIN IMMEDIATE."""
    with own_app.app_context():
        db.session.merge(Setting(key="counter", value="0"))
        db.session.commit()
    errors: list[Exception] = []

    def worker():
        with own_app.app_context():
            for _ in range(15):
                try:
                    setting = db.session.get(Setting, "counter", with_for_update=True)
                    setting.value = str(int(setting.value) + 1)
                    db.session.commit()
                except Exception as error:  # collected and reported below
                    errors.append(error)
                    db.session.rollback()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with own_app.app_context():
        assert db.session.get(Setting, "counter").value == "120"


def test_foreign_keys_are_enforced_by_the_database(app):
    db.session.add(AuditEvent(action="view", record_type="family", family_id=987654, outcome="ok"))
    with pytest.raises(DBAPIError):
        db.session.flush()
    db.session.rollback()


def test_migrations_build_the_schema_from_empty_and_match_the_models():
    with app_on_fresh_database("migrations") as app, app.app_context():  # upgraded from an empty database
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        index_query = (
            "SELECT indexname FROM pg_indexes"
            if db.engine.dialect.name == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
        indexes = set(db.session.scalars(text(index_query)))
        assert {"uq_user_account_email_lower", "ix_person_last_name_lower", "ix_person_first_name_lower"} <= indexes
        roles = db.session.scalars(text("SELECT code FROM role ORDER BY code")).all()
        assert roles == sorted(RoleCode)
        db.session.remove()

        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(text("service"))) == 3
