"""The one access policy mechanism: every endpoint declares who may use it, and is denied otherwise.

A view is marked with @public, @signed_in or @roles(...). enforce_access_policy runs before every
request and refuses any endpoint without a mark, so a new route cannot slip through unguarded (the
architecture tests walk the url_map to say the same at build time). Checks that depend on a record,
such as a restricted family, belong to the services that load the record.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from earlyhelp.extensions import htmx
from earlyhelp.services.audit import Outcome, record_read


@dataclass(frozen=True)
class Policy:
    name: str
    roles: frozenset[str] = frozenset()
    public: bool = False

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or user.role.code in self.roles


def _mark(policy: Policy) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_policy = policy
        return view

    return decorate


public = _mark(Policy("public", public=True))
signed_in = _mark(Policy("signed in"))


def roles(*codes: str) -> Callable:
    return _mark(Policy("roles: " + ", ".join(codes), roles=frozenset(codes)))


# Everyone whose work is with families. Administrators run the system and do not read case records.
CASE_ROLES = ("practitioner", "social_worker", "front_door", "team_manager")
case_worker = roles(*CASE_ROLES)
front_door = roles("front_door", "team_manager")


def policy_for(endpoint: str) -> Policy | None:
    if endpoint == "static":
        return Policy("public", public=True)
    return getattr(current_app.view_functions.get(endpoint), "access_policy", None)


def enforce_access_policy():
    if request.endpoint is None:  # no route matched: routing raises 404 or 405 next
        return None
    policy = policy_for(request.endpoint)
    if policy is not None and policy.public:
        return None
    if not current_user.is_authenticated:
        target = url_for("auth.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if htmx:
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
    if policy is None or not policy.allows(current_user):
        current_app.logger.warning("access denied to %s for user %s", request.endpoint, current_user.id)
        record_read("access", "endpoint", request.endpoint, outcome=Outcome.DENIED)
        abort(403)
    return None
