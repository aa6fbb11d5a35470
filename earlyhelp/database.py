"""Engine settings that make the embedded SQLite database safe for a small team, and reads that never lock.

SQLite needs three things per connection: foreign keys (off by default), WAL so readers never block the
writer, and a busy timeout. WAL alone is not enough: a transaction that reads and then writes cannot be
upgraded once another writer has committed, and fails with "database is locked" however long the
timeout. So a transaction that will write starts with BEGIN IMMEDIATE and takes the write lock up front;
requests are short, so writers queue rather than fail.

A request that only reads (GET and HEAD) runs in a deferred transaction, which takes no write lock, so a
slow page or a long PDF render never holds up anyone else. When such a request must write (its audit
events, or a use case), begin_writing() ends the read and the next transaction is BEGIN IMMEDIATE.
PostgreSQL needs none of this: its transactions are always like the deferred ones, and row locks do the rest.
"""

from flask import g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from earlyhelp.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        # The London day of a stored UTC moment, for SQL that counts by day (earlyhelp/services/measures.py).
        dbapi_connection.create_function("london_date", 1, _london_date, deterministic=True)
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN DEFERRED" if _reading() else "BEGIN IMMEDIATE")


def _london_date(stored: str | None) -> str | None:
    """SQLite keeps a UTCDateTime as naive UTC text; PostgreSQL converts with AT TIME ZONE instead."""
    if stored is None:
        return None
    from datetime import UTC, datetime

    from earlyhelp import clock

    return clock.local_date(datetime.fromisoformat(stored).replace(tzinfo=UTC)).isoformat()


def start_request() -> None:
    """Before each request: a GET or HEAD starts out reading."""
    g.reading = request.method in SAFE_METHODS


def _reading() -> bool:
    return has_app_context() and g.get("reading", False)


def begin_writing() -> None:
    """From here on this request writes: end a read transaction so the next one takes the write lock."""
    if not _reading():
        return
    g.reading = False
    if db.session().in_transaction():
        if db.session.new or db.session.dirty or db.session.deleted:
            raise RuntimeError("a read-only request changed records outside a use case")
        db.session.commit()


def end_transaction() -> None:
    """End the request's transaction before slow work (a PDF render) so no lock or snapshot is held.

    Only a request that has changed nothing may do this: a change belongs to a use case, which commits it.
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("a transaction with changes cannot be ended here: changes belong to a use case")
    if db.session().in_transaction():
        db.session.commit()
