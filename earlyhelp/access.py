"""The access mechanism: every endpoint declares who may use it, and every record-scoped one checks the
person's relationship to the record. What is allowed is decided in earlyhelp/policy.py; this module
enforces it on requests.

A view is marked with @public, @signed_in or @roles(...). enforce_access_policy runs before every
request and refuses any endpoint without a mark, so a new route cannot slip through unguarded. A route
with a record in its URL is also marked @record(Model, "id_argument", check): the record is loaded and
checked before the view runs, and a record the person may not see is Not found, exactly as one that does
not exist. The architecture tests walk the url_map to say the same at build time.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from earlyhelp import policy
from earlyhelp.extensions import db, htmx
from earlyhelp.hostile import ID_MAX
from earlyhelp.policy import CASE_ROLES, FRONT_DOOR_ROLES, WORKING_ROLES, Access, RoleCode
from earlyhelp.services.audit import Outcome, record_read

READING = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Policy:
    name: str
    roles: frozenset[RoleCode] = frozenset()
    public: bool = False

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or policy.role_of(user) in self.roles


def _mark(rule: Policy) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_policy = rule
        return view

    return decorate


public = _mark(Policy("public", public=True))
signed_in = _mark(Policy("signed in"))


def roles(*codes: RoleCode) -> Callable:
    return _mark(Policy("roles: " + ", ".join(codes), roles=frozenset(RoleCode(code) for code in codes)))


case_worker = roles(*sorted(CASE_ROLES))
works_with_families = roles(*sorted(WORKING_ROLES))
front_door = roles(*sorted(FRONT_DOOR_ROLES))


@dataclass(frozen=True)
class RecordScope:
    model: type
    argument: str
    check: Callable
    reading_is: Access  # what a GET needs: VIEW, or CHANGE for a page that exists only to change the record


def record(model, argument: str, check: Callable = policy.family_record, *, reading: Access = Access.VIEW) -> Callable:
    """Load the record named by the URL and check this person's relationship to it before the view runs.

    `check(user, record, access)` answers; a GET asks for `reading` (VIEW unless the page is a form that
    only changes the record), anything else for CHANGE. A record the person may not see at all is Not
    found (404), the same as one that does not exist; one they may see but not change is Forbidden (403).
    Both are audited as denied, with the family, so the family's "who has looked" page shows the attempt.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(**kwargs):
            # From the path, or (a new referral about a family) the query string.
            target = _load(model, kwargs[argument] if argument in kwargs else request.args.get(argument, 0, type=int))
            wanted = reading if request.method in READING else Access.CHANGE
            if not check(current_user, target, wanted):
                seen = wanted == Access.CHANGE and check(current_user, target, Access.VIEW)
                record_read(
                    "open" if request.method in READING else "change",
                    model.__tablename__,
                    target.id,
                    family_id=getattr(target, "family_id", None),
                    outcome=Outcome.DENIED,
                )
                abort(403 if seen else 404)
            return view(**kwargs)

        checked.record_scope = RecordScope(model, argument, check, reading)
        return checked

    return decorate


def _load(model, record_id: int):
    if not 0 < record_id <= ID_MAX:  # beyond the id columns' range: simply not found
        abort(404)
    return db.session.get(model, record_id) or abort(404)


def policy_for(endpoint: str) -> Policy | None:
    if endpoint == "static":
        return Policy("public", public=True)
    return getattr(current_app.view_functions.get(endpoint), "access_policy", None)


def enforce_access_policy():
    if request.endpoint is None:  # no route matched: routing raises 404 or 405 next
        return None
    rule = policy_for(request.endpoint)
    if rule is not None and rule.public:
        return None
    if not current_user.is_authenticated:
        # A post that arrives after its session ended is kept for the person whose session it was (the
        # cookie still names it) and offered back once they sign in again: nothing typed is lost.
        from earlyhelp.auth import held

        owner = held.ended_session_owner()
        if owner is not None:
            flash(held.KEPT_WHEN_SIGNED_OUT, "error")
            return held.redirect_to(url_for("auth.sign_in", next=held.hold_this_post(owner)))
        target = url_for("auth.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if htmx:
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
    if rule is None or not rule.allows(current_user):
        current_app.logger.warning("access denied to %s for user %s", request.endpoint, current_user.id)
        record_read("access", "endpoint", request.endpoint, outcome=Outcome.DENIED)
        abort(403)
    return None
