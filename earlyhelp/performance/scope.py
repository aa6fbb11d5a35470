"""Whose figures a person may see: the one place that decides, for the dashboard, its lists and its exports.

- a head of service: every team and worker (families not restricted, or restricted and they are named on them);
- a team manager: their own team and its workers;
- a practitioner, social worker or front door officer: their own figures only;
- an administrator: none (they see no case record, and figures are made of case records).

Restricted families are left out of every figure for those not named on them (policy.not_restricted_for):
every measure's query applies `Scope.families(family_id_column)`.
"""

from dataclasses import dataclass

from sqlalchemy import select, true

from earlyhelp import policy
from earlyhelp.domain.roles import RoleCode
from earlyhelp.extensions import db


@dataclass(frozen=True)
class Scope:
    viewer_id: int
    # None: every team; otherwise the ids of the teams whose figures may be seen (empty: none but the worker's).
    team_ids: frozenset[int] | None
    # None: every worker in those teams; otherwise the one worker whose own figures these are.
    worker_id: int | None
    viewer: object  # the User, for the restricted-families clause

    @property
    def everything(self) -> bool:
        return self.team_ids is None and self.worker_id is None

    def families(self, family_id_column):
        """A WHERE clause: drops restricted families the viewer is not named on."""
        return policy.not_restricted_for(self.viewer, family_id_column)

    def teams(self, team_id_column):
        """A WHERE clause limiting rows to the teams this person may see (always true for a head of service)."""
        if self.team_ids is None:
            return true()
        return team_id_column.in_(sorted(self.team_ids))

    def workers(self, user_id_column):
        """A WHERE clause limiting rows to the one worker whose own figures these are, if that is the scope."""
        if self.worker_id is None:
            return true()
        return user_id_column == self.worker_id

    def may_choose_team(self, team_id: int) -> bool:
        return self.team_ids is None or team_id in self.team_ids

    def may_choose_worker(self, user) -> bool:
        if self.worker_id is not None:
            return user.id == self.worker_id
        return self.team_ids is None or user.team_id in self.team_ids


def may_see_performance(user) -> bool:
    return policy.is_case_worker(user)


def scope_for(user) -> Scope | None:
    """None for someone who may see no figures at all."""
    if not may_see_performance(user):
        return None
    code = policy.role_of(user)
    if code == RoleCode.HEAD_OF_SERVICE:
        return Scope(user.id, None, None, user)
    if code == RoleCode.TEAM_MANAGER:
        return Scope(user.id, frozenset({user.team_id}) if user.team_id else frozenset(), None, user)
    return Scope(user.id, frozenset({user.team_id}) if user.team_id else frozenset(), user.id, user)


def visible_teams(scope: Scope):
    """The teams this person may choose between, by name."""
    from earlyhelp.models import Team

    query = select(Team).order_by(Team.name)
    if scope.team_ids is not None:
        query = query.where(Team.id.in_(sorted(scope.team_ids)))
    return db.session.scalars(query).all()
