"""The one audit helper. Every view or change of a record about a family is recorded.

A change's event joins the use case's transaction (record_event), so a change and its audit row commit
together, and a refused change is recorded too (earlyhelp.services.use_case). Seeing something writes
nothing of its own, so a read's event (record_read) is kept until the response is ready and then
written in a short transaction of its own (write_pending_reads). If that write fails, the person gets an
error page instead of the record: nobody sees a family without it being recorded.
"""

import uuid
from enum import StrEnum

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    REFUSED = "refused"  # allowed to try, but a rule said no (wrong state, stale edit)


def request_id() -> str:
    if not has_request_context():
        return "cli"
    # Made here, never taken from the request: a client must not choose how its events are grouped.
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _event(action, record_type, record_id, *, family_id, outcome, user) -> dict:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    return dict(
        at=clock.now(),
        user_id=getattr(user, "id", None),
        role=user.role.code if user is not None else None,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        family_id=family_id,
        outcome=str(outcome),
        endpoint=request.endpoint if has_request_context() else None,
        request_id=request_id(),
        source_address=request.remote_addr if has_request_context() else None,
    )


def record_event(
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    family_id: int | None = None,
    outcome: Outcome = Outcome.OK,
    user=None,
    detail: str = "",
) -> AuditEvent:
    """A change (or a refused change), in the caller's transaction. `detail` says ids or counts only
    ("named: 3 people"), never what a record says."""
    event = AuditEvent(
        **_event(action, record_type, record_id, family_id=family_id, outcome=outcome, user=user), detail=detail[:300]
    )
    db.session.add(event)
    return event


def record_read(
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    family_id: int | None = None,
    outcome: Outcome = Outcome.OK,
    detail: str = "",
) -> None:
    """Someone saw (listed, viewed, printed, exported) a record, or was denied it: written when the response is
    ready. `detail`, as record_event's, says ids, filters or counts only, never what a record says."""
    g.setdefault("pending_reads", []).append(
        _event(action, record_type, record_id, family_id=family_id, outcome=outcome, user=None)
        | {"detail": detail[:300]}
    )


def write_pending_reads(response):
    """after_request: the request's read events, in their own short transaction and one statement."""
    events = g.pop("pending_reads", None)
    if events:
        from earlyhelp.database import begin_writing

        begin_writing()
        db.session.execute(insert(AuditEvent), events)
        db.session.commit()
    return response
