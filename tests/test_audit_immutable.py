"""The audit trail cannot be changed, deleted or emptied, on either engine.

SQLite refuses through the triggers of migrations 0001 and 0007 (it has no TRUNCATE: a DELETE with no WHERE
is its nearest, and a trigger stops it too). PostgreSQL refuses twice: the triggers, and the privileges the
app's role lost in 0007, which hold even if a trigger were dropped. A superuser passes every privilege
check, so those are checked only when the tests do not run as one (.ci/run connects as earlyhelp_ci).
"""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.services.audit import record_event


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _an_event() -> AuditEvent:
    event = record_event("view", "family", 1, detail="a row to try to change")
    db.session.commit()
    return event


def _statements(event_id: int) -> dict[str, str]:
    return {
        "update": f"UPDATE audit_event SET outcome = 'denied' WHERE id = {event_id}",
        "delete": f"DELETE FROM audit_event WHERE id = {event_id}",
        "truncate": "TRUNCATE audit_event" if _postgresql() else "DELETE FROM audit_event",
    }


@pytest.mark.parametrize("verb", ["update", "delete", "truncate"])
def test_the_audit_trail_refuses_to_be_changed_deleted_or_emptied(app, verb):
    event = _an_event()
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
        db.session.execute(text(_statements(event.id)[verb]))
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert db.session.get(AuditEvent, event.id).outcome == "ok"


def test_on_postgresql_the_apps_role_may_only_read_and_add_to_the_audit_trail(app):
    if not _postgresql():
        pytest.skip("privileges are PostgreSQL's; SQLite has only the triggers")
    if db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        pytest.skip("connected as a superuser, who passes every privilege check: run as earlyhelp_ci (.ci/run)")
    privileges = {
        privilege: db.session.scalar(
            text("SELECT has_table_privilege(current_user, 'audit_event', :privilege)"), {"privilege": privilege}
        )
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
    }
    assert privileges == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}


def test_on_postgresql_a_changed_row_is_refused_for_want_of_the_privilege_not_only_by_the_trigger(app):
    if not _postgresql() or db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        pytest.skip("needs PostgreSQL and a role that is not a superuser")
    event = _an_event()
    for statement in _statements(event.id).values():
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="permission denied"):
            db.session.execute(text(statement))
        savepoint.rollback()
