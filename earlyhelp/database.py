"""Engine settings that make the embedded SQLite database safe for a small team.

SQLite needs three things per connection: foreign keys (off by default), WAL so readers never block the
writer, and a busy timeout. WAL alone is not enough: a transaction that reads and then writes cannot be
upgraded once another writer has committed, and fails with "database is locked" however long the
timeout. So every transaction starts with BEGIN IMMEDIATE and takes the write lock up front; requests
are short, so they queue rather than fail. PostgreSQL needs none of this.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy so that our BEGIN below is the only one issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
