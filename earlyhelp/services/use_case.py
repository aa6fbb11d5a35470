"""The one shape of a use case: check every rule, change the records, audit, commit. Or refuse.

A service function decorated with @use_case("decide", "referral") commits when it returns. When it
raises Refused, its changes are rolled back and the refusal itself is audited (outcome "refused") in a
transaction of its own, then the refusal goes on to the view. A use case called from another joins the
outer one: only the outermost commits.

By convention the first argument is the record acted on (or its id); the refusal's audit event names it.
"""

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from sqlalchemy import select

from earlyhelp import policy
from earlyhelp.database import begin_writing
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.services.audit import Outcome, record_event

P = ParamSpec("P")
R = TypeVar("R")
_depth: ContextVar[int] = ContextVar("use_case_depth", default=0)


def _family_of(record_type: str, subject) -> int | None:
    """The family a refused action was about, for its audit event, whether given the record or its id."""
    if record_type == "family":
        return getattr(subject, "id", subject)
    if hasattr(subject, "family_id"):
        return subject.family_id
    table = db.metadata.tables.get(record_type)
    if isinstance(subject, int) and table is not None and "family_id" in table.c:
        return db.session.scalar(select(table.c.family_id).where(table.c.id == subject))
    return None


def use_case(action: str, record_type: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            depth = _depth.get()
            if depth:
                return function(*args, **kwargs)
            begin_writing()
            token = _depth.set(depth + 1)
            try:
                result = function(*args, **kwargs)
                db.session.commit()
                policy.forget_cached()  # a change may give or take someone's access to a family
                return result
            except Refused:
                db.session.rollback()
                subject = args[0] if args else None
                record_id = getattr(subject, "id", subject)
                record_event(
                    action,
                    record_type,
                    record_id,
                    family_id=_family_of(record_type, subject),
                    outcome=Outcome.REFUSED,
                    user=kwargs.get("actor"),
                )
                db.session.commit()
                raise
            except BaseException:
                db.session.rollback()
                raise
            finally:
                _depth.reset(token)

        run.use_case = (action, record_type)
        return run

    return decorate
