"""The one audit helper. Every view or change of a record about a family calls record_event.

The event joins the caller's transaction, so a change and its audit row commit together.
"""

import uuid
from enum import StrEnum

from flask import g, has_request_context, request
from flask_login import current_user

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    REFUSED = "refused"  # allowed to try, but a rule said no (wrong state, stale edit)


def request_id() -> str:
    if not has_request_context():
        return "cli"
    if "request_id" not in g:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    return g.request_id


def record_event(
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    family_id: int | None = None,
    outcome: Outcome = Outcome.OK,
    user=None,
) -> AuditEvent:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
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
    db.session.add(event)
    return event
