"""Who may see and change what: the one place that decides. docs/access.md is this module as a table.

Access to a family comes from a working relationship with it, never from a role alone:

- a case worker's team holds it (an open episode, or one closed within CLOSED_RECORD_READ_DAYS, for
  reading), or a step-up or step-down goes to or from their team, or they own an open next step for it,
  or they are its lead;
- front door staff see the families with a referral waiting for a decision (or for a manager's sign-off of
  one), and what they decided or recorded (for reading, within the same period); and, when step-ups are
  decided at the front door's daily meeting, the families of those sent to it (changing them while one waits
  for the decision, reading them for the same period after);
- the manager of another team a request's approval was passed to sees that family while it is theirs to
  approve (and reads it for the same period after);
- a team manager sees what the people in their team see; a head of service sees every family that is
  not restricted, for reading; an administrator sees no case record at all;
- anyone else may read a family for BREAK_GLASS_HOURS after breaking the glass (a stated reason,
  audited, shown to the family's team manager).

A restricted family exists only for the people named on it, and then only through a relationship:
break-glass does not reach it, and to everyone else it is in no search, list, count or document.

Each rule is a SELECT of family ids, so the same rules filter a list in SQL and answer "may this person
open this family" with one statement (cached for the request).
"""

from datetime import timedelta
from enum import StrEnum

from flask import current_app, g, has_request_context
from sqlalchemy import Select, and_, exists, false, or_, select, true, union

from earlyhelp import clock
from earlyhelp.domain.roles import RoleCode
from earlyhelp.domain.transfers import CLOSED_STATES, FRONT_DOOR, TransferAction, TransferState
from earlyhelp.extensions import db

# Everyone whose work is with families. Administrators run the system and see no case record.
CASE_ROLES = frozenset(
    {
        RoleCode.PRACTITIONER,
        RoleCode.SOCIAL_WORKER,
        RoleCode.FRONT_DOOR,
        RoleCode.TEAM_MANAGER,
        RoleCode.HEAD_OF_SERVICE,
    }
)
# Who holds families' work day to day, and so records a new family: everyone but the head of service, who reads.
WORKING_ROLES = CASE_ROLES - {RoleCode.HEAD_OF_SERVICE}
# Who works at the front door: its officers, and the team managers who decide with them.
FRONT_DOOR_ROLES = frozenset({RoleCode.FRONT_DOOR, RoleCode.TEAM_MANAGER})
FRONT_DOOR_SERVICE = "front_door"


class Access(StrEnum):
    VIEW = "view"
    CHANGE = "change"


def role_of(user) -> RoleCode | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return RoleCode(user.role.code)
    except ValueError:  # a role a council added: no case access until the rules know it
        return None


def role_needs_team(code: str) -> bool | None:
    """True for the roles whose access comes from a team, False for those that have none, None for a role the
    rules do not know."""
    try:
        role = RoleCode(code)
    except ValueError:
        return None
    return role not in (RoleCode.HEAD_OF_SERVICE, RoleCode.ADMINISTRATOR)


def has_role(user, *roles: RoleCode) -> bool:
    return role_of(user) in roles


def is_case_worker(user) -> bool:
    return role_of(user) in CASE_ROLES


def is_administrator(user) -> bool:
    return role_of(user) == RoleCode.ADMINISTRATOR


def is_head_of_service(user) -> bool:
    return role_of(user) == RoleCode.HEAD_OF_SERVICE


def is_team_manager(user) -> bool:
    return role_of(user) == RoleCode.TEAM_MANAGER


def at_front_door(user) -> bool:
    """A front door officer, or a manager of a team in the front door service."""
    role = role_of(user)
    if role == RoleCode.FRONT_DOOR:
        return True
    return role == RoleCode.TEAM_MANAGER and user.team is not None and user.team.service.code == FRONT_DOOR_SERVICE


# Which families: each rule a SELECT of family ids


def _read_since():
    return clock.now() - timedelta(days=current_app.config["CLOSED_RECORD_READ_DAYS"])


def _people(user) -> Select | list[int]:
    """Whose relationships count as this person's: a team manager's (or front door officer's) whole team,
    otherwise themself."""
    from earlyhelp.models import User

    if role_of(user) in (RoleCode.TEAM_MANAGER, RoleCode.FRONT_DOOR) and user.team_id is not None:
        return select(User.id).where(User.team_id == user.team_id)  # the front door works as one team
    return [user.id]


def _relationship_rules(user, access: Access, among) -> list[Select]:
    """Each way this person relates to families, as a SELECT of family ids. `among` (one id, or several) narrows
    every rule to those families, so each is an indexed look-up by family rather than a read of all this
    person's work: the cost of "may they open these" stays the same however many families they hold."""
    from earlyhelp.models import Episode, NextStep, NextStepStatus, Referral, Transfer, TransferEvent
    from earlyhelp.models.referrals import OPEN_STATUSES

    reading = access == Access.VIEW
    since = _read_since()
    people = _people(user)
    open_transfer = Transfer.state.not_in(CLOSED_STATES)
    recent_transfer = or_(open_transfer, Transfer.state_changed_at >= since) if reading else open_transfer
    open_episode = Episode.ended_on.is_(None)
    recent_episode = or_(open_episode, Episode.ended_on >= since.date()) if reading else open_episode
    rules = [
        select(Episode.family_id).where(Episode.lead_id.in_(people), recent_episode),
        select(NextStep.family_id).where(NextStep.owner_user_id.in_(people), NextStep.status == NextStepStatus.OPEN),
        select(Transfer.family_id).where(
            or_(Transfer.proposed_lead_id.in_(people), Transfer.receiving_lead_id.in_(people)), open_transfer
        ),
    ]
    # The manager a request's approval was passed to: theirs while it waits for approval.
    waiting_approval = Transfer.state == TransferState.AWAITING_APPROVAL
    rules.append(
        select(Transfer.family_id).where(
            Transfer.approver_id == user.id,
            or_(waiting_approval, Transfer.state_changed_at >= since) if reading else waiting_approval,
        )
    )
    # Sent to the receiving team: approved once (the only way to "sent"). Its state alone cannot say: a request
    # withdrawn while still a draft was never the receiving team's, nor the front door's.
    was_sent = exists().where(TransferEvent.transfer_id == Transfer.id, TransferEvent.action == TransferAction.APPROVE)
    if user.team_id is not None:
        rules += [
            select(Episode.family_id).where(Episode.team_id == user.team_id, recent_episode),
            select(Transfer.family_id).where(Transfer.sending_team_id == user.team_id, recent_transfer),
            # The receiving team's relationship starts when the request is sent to it, not while it is drafted.
            select(Transfer.family_id).where(Transfer.receiving_team_id == user.team_id, was_sent, recent_transfer),
        ]
    if at_front_door(user):
        # Waiting for a decision, or for a manager's sign-off of one: still the front door's.
        rules.append(select(Referral.family_id).where(Referral.status.in_(OPEN_STATUSES)))
        # A step-up sent to the front door's daily meeting: theirs to decide while it waits, to read after.
        waiting_decision = Transfer.state == TransferState.SENT
        rules.append(
            select(Transfer.family_id).where(
                Transfer.decided_by == FRONT_DOOR,
                or_(waiting_decision, was_sent & (Transfer.state_changed_at >= since)) if reading else waiting_decision,
            )
        )
        if reading:
            # Their own work of the period: received, written down, decided or put aside in it (a referral that
            # arrived long ago and was written down or decided today is read by whoever did so).
            rules.append(
                select(Referral.family_id).where(
                    or_(
                        Referral.decided_by_id.in_(people),
                        Referral.recorded_by_id.in_(people),
                        Referral.closed_by_id.in_(people),
                    ),
                    or_(
                        Referral.received_at >= since,
                        Referral.created_at >= since,
                        Referral.decision_recorded_at >= since,
                        Referral.closed_at >= since,
                    ),
                )
            )
    if among is not None:
        rules = [rule.where(_among(rule.selected_columns[0], among)) for rule in rules]
    return rules


def _among(column, among):
    return column.in_(sorted(among)) if isinstance(among, set | frozenset | list | tuple) else column == among


def _named_on_restricted(user) -> Select:
    from earlyhelp.models import RestrictedAccess

    return select(RestrictedAccess.family_id).where(RestrictedAccess.user_id == user.id)


def family_ids(user, access: Access = Access.VIEW, *, family_id=None) -> Select:
    """The ids of every family this person may see (or change), as one SELECT to filter any list with.
    `family_id` (one id, or a set of them) asks only about those families, each rule looked up by family."""
    from earlyhelp.models import BreakGlass, Family

    role = role_of(user)
    if role not in CASE_ROLES:
        return select(Family.id).where(false())
    allowed = or_(Family.restricted == false(), Family.id.in_(_named_on_restricted(user)))
    if family_id is not None:
        allowed = and_(_among(Family.id, family_id), allowed)
    if role == RoleCode.HEAD_OF_SERVICE:
        return select(Family.id).where(allowed) if access == Access.VIEW else select(Family.id).where(false())
    related = _relationship_rules(user, access, family_id)
    query = select(Family.id).where(Family.id.in_(union(*related)), allowed)
    if access == Access.VIEW:
        glass = (
            select(BreakGlass.family_id)
            .join(Family, Family.id == BreakGlass.family_id)
            .where(BreakGlass.user_id == user.id, BreakGlass.expires_at > clock.now(), Family.restricted == false())
        )
        query = query.union(glass.where(_among(BreakGlass.family_id, family_id)) if family_id is not None else glass)
    return query


def _cached(key, work):
    if not has_request_context():
        return work()
    cache = g.setdefault("access_cache", {})
    if key not in cache:
        cache[key] = work()
    return cache[key]


def forget_cached() -> None:
    """After a change that gives or takes access (breaking the glass, restricting a family)."""
    if has_request_context():
        g.pop("access_cache", None)


def may_view_family(user, family_id: int | None) -> bool:
    return _may(user, family_id, Access.VIEW)


def may_change_family(user, family_id: int | None) -> bool:
    return _may(user, family_id, Access.CHANGE)


def _may(user, family_id, access: Access) -> bool:
    if family_id is None or role_of(user) not in CASE_ROLES:
        return False
    return _cached(
        ("family", user.id, family_id, access),
        lambda: bool(db.session.scalar(select(exists(family_ids(user, access, family_id=family_id))))),
    )


def visible_among(user, ids) -> set[int]:
    """Which of these families this person may see: one statement for a whole page of results."""
    ids = set(ids)
    if not ids or role_of(user) not in CASE_ROLES:
        return set()
    return set(db.session.scalars(family_ids(user, family_id=ids)).all())


def not_restricted_for(user, family_id_column):
    """A WHERE clause for any list with a family: drops restricted families this person is not named on.

    The family it looks at is an alias of its own, so the clause means the same in a query of families.
    """
    from sqlalchemy.orm import aliased

    from earlyhelp.models import Family

    family = aliased(Family)
    return ~exists(
        select(family.id).where(
            family.id == family_id_column,
            family.restricted == true(),  # not IS TRUE: PostgreSQL can use an index for =
            family.id.not_in(_named_on_restricted(user)),
        )
    )


def is_restricted_for(user, family) -> bool:
    """A restricted family this person is not named on: for them it does not exist."""
    if not family.restricted:
        return False
    from earlyhelp.models import RestrictedAccess

    return not _cached(
        ("named", user.id, family.id),
        lambda: bool(
            db.session.scalar(
                select(exists().where(RestrictedAccess.family_id == family.id, RestrictedAccess.user_id == user.id))
            )
        ),
    )


# Records: each resolves to its family, then to one of the rules above


def may_work_on_transfer(user, transfer) -> bool:
    """The handover plan and its next steps: the two teams of the request, while the family is theirs."""
    return user.team_id in (transfer.sending_team_id, transfer.receiving_team_id) and may_change_family(
        user, transfer.family_id
    )


def may_start_transfer_from(user, episode) -> bool:
    """The episode's lead, or a manager of the team that holds it (the rules of the move itself, such as
    an episode that has ended, are the domain's, which say why)."""
    if not may_view_family(user, episode.family_id):
        return False
    return user.id == episode.lead_id or (is_team_manager(user) and user.team_id == episode.team_id)


def may_edit_request(user, transfer) -> bool:
    """A request not yet sent for approval (new, or returned by a manager): its writer, or a manager of the
    sending team (the domain says which states can be edited, and why not)."""
    if not may_change_family(user, transfer.family_id):
        return False
    return user.id == transfer.requested_by_id or (is_team_manager(user) and user.team_id == transfer.sending_team_id)


def _approves(user, transfer) -> bool:
    """A manager of the sending team, or the manager of another team the approval was passed to."""
    passed_to_them = transfer.approver_id is not None and user.id == transfer.approver_id
    return is_team_manager(user) and (user.team_id == transfer.sending_team_id or passed_to_them)


def may_authorise_override(user, transfer) -> bool:
    """A manager of the sending team, or the manager the approval was passed to (the domain rule in
    domain/transfers.py says the same of the state)."""
    return _approves(user, transfer) and may_change_family(user, transfer.family_id)


def may_pass_approval(user, transfer) -> bool:
    """A manager of the sending team (the domain adds: only with no other manager there who could approve)."""
    return (
        is_team_manager(user)
        and user.team_id == transfer.sending_team_id
        and may_change_family(user, transfer.family_id)
    )


def may_reallocate(user, episode) -> bool:
    """A manager of the team that holds an open episode gives it another lead."""
    return (
        episode.is_open
        and is_team_manager(user)
        and user.team_id == episode.team_id
        and may_change_family(user, episode.family_id)
    )


def may_issue_plan(user, plan) -> bool:
    return may_change_family(user, plan.family_id)


def may_see_supervision(user, supervision) -> bool:
    """Its two people, the team managers of either, and a head of service; a case one only with its family."""
    if supervision.family_id is not None and not may_view_family(user, supervision.family_id):
        return False
    if user.id in (supervision.supervisor_id, supervision.practitioner_id):
        return True
    if is_head_of_service(user):
        return True
    teams = {supervision.supervisor.team_id, supervision.practitioner.team_id}
    return is_team_manager(user) and user.team_id in teams


def may_change_next_step(user, step) -> bool:
    """Its owner, or whoever may change the family; a supervision action only for those who see the record."""
    if not _supervision_visible(user, step) or not may_view_family(user, step.family_id):
        return False  # a restricted family's step is not its unnamed owner's to change
    return user.id == step.owner_user_id or may_change_family(user, step.family_id)


def _supervision_visible(user, step) -> bool:
    from earlyhelp.models import Supervision

    if step.source_type != "supervision" or step.source_id is None:
        return True
    record = db.session.get(Supervision, step.source_id)
    return record is not None and may_see_supervision(user, record)


def may_own_next_step(user, family_id: int) -> bool:
    """A next step is owned only by someone who may see the family (never an administrator), or by someone
    in the team an open step-up or step-down of the family is going to: a step-down's outstanding tasks
    are given to the receiving team before the request is sent, and owning one opens the family only once the
    request is accepted (a proposed step gives no access)."""
    if not user.active or not is_case_worker(user):
        return False
    if may_view_family(user, family_id):
        return True
    from earlyhelp.models import Family, Transfer

    going_to_their_team = select(Transfer.id).where(
        Transfer.family_id == family_id,
        Transfer.receiving_team_id == user.team_id,
        Transfer.state.not_in(CLOSED_STATES),
    )
    family = db.session.get(Family, family_id)
    return (
        user.team_id is not None
        and not is_restricted_for(user, family)
        and bool(db.session.scalar(select(exists(going_to_their_team))))
    )


def may_refer_family(user, family) -> bool:
    """Front door staff record a new referral about any family that is not restricted for them: every
    contact about a child comes in through the front door, whoever already works with the family."""
    return at_front_door(user) and not is_restricted_for(user, family)


def may_restrict(user, family_id: int) -> bool:
    """A team manager whose team may change the family, or a head of service who may see it."""
    if is_head_of_service(user):
        return may_view_family(user, family_id)
    return is_team_manager(user) and may_change_family(user, family_id)


def may_see_who_looked(user, family_id: int) -> bool:
    """The family's team managers and the head of service (who_looked_record adds: never by break-glass)."""
    return (is_team_manager(user) or is_head_of_service(user)) and may_view_family(user, family_id)


def may_break_glass(user, family) -> bool:
    """A case worker who may not already see the family, and never for a restricted one."""
    return (
        is_case_worker(user)
        and not is_head_of_service(user)
        and not family.restricted
        and not may_view_family(user, family.id)
    )


def may_manage_accounts(user) -> bool:
    return is_administrator(user)


# The checks @record (earlyhelp/access.py) runs before a record-scoped view: (user, record, access) -> bool


def family_record(user, record, access: Access) -> bool:
    """Anything that belongs to a family (the family itself included): may this person see, or change, it."""
    if access == Access.VIEW:
        return may_view_family(user, record.family_id)
    return may_change_family(user, record.family_id)


def referral_record(user, referral, access: Access) -> bool:
    """Read as part of the family; decided, rated and fed back at the front door."""
    if access == Access.VIEW:
        return may_view_family(user, referral.family_id)
    return at_front_door(user) and may_view_family(user, referral.family_id)


def new_referral_record(user, family, access: Access) -> bool:
    return may_refer_family(user, family)


def may_put_right_referral(user, referral) -> bool:
    """Amending, withdrawing or marking a duplicate: front door staff who may change the family. (Whether the
    referral can still be put right, before its decision, is the domain's rule, which says why.)"""
    return at_front_door(user) and may_change_family(user, referral.family_id)


def put_right_record(user, referral, access: Access) -> bool:
    """The amend, withdraw and duplicate pages. Once a referral is decided or put aside nobody may put it right,
    and the pages send front door staff who may read it back to it (the domain says why)."""
    if access == Access.VIEW:
        return may_view_family(user, referral.family_id)
    if not referral.is_open:
        return at_front_door(user) and may_view_family(user, referral.family_id)
    return may_put_right_referral(user, referral)


def signs_off_decisions(user) -> bool:
    """A team manager of the front door: signs off the decisions the table of decisions and levels says need it
    (no further action at level 3 or 4, by default), and sees them waiting on My work."""
    return is_team_manager(user) and at_front_door(user)


def may_sign_off(user, referral) -> bool:
    """A team manager of the front door who may change the family (the domain adds: not their own decision)."""
    return signs_off_decisions(user) and may_change_family(user, referral.family_id)


def sign_off_record(user, referral, access: Access) -> bool:
    """The sign-off page. A decision not waiting for sign-off has nothing to sign: the page sends a manager who
    may read the referral back to it."""
    if access == Access.VIEW:
        return may_view_family(user, referral.family_id)
    if not referral.is_pending_sign_off:
        return is_team_manager(user) and may_view_family(user, referral.family_id)
    return may_sign_off(user, referral)


def episode_record(user, episode, access: Access) -> bool:
    """Starting a step-up or step-down from an episode."""
    if access == Access.VIEW:
        return may_view_family(user, episode.family_id)
    return may_start_transfer_from(user, episode)


def handover_record(user, transfer, access: Access) -> bool:
    if access == Access.VIEW:
        return may_view_family(user, transfer.family_id)
    return may_work_on_transfer(user, transfer)


def request_record(user, transfer, access: Access) -> bool:
    """Putting a request right before it is sent."""
    if access == Access.VIEW:
        return may_view_family(user, transfer.family_id)
    return may_edit_request(user, transfer)


def override_record(user, transfer, access: Access) -> bool:
    if access == Access.VIEW:
        return may_view_family(user, transfer.family_id)
    return may_authorise_override(user, transfer)


def pass_approval_record(user, transfer, access: Access) -> bool:
    if access == Access.VIEW:
        return may_view_family(user, transfer.family_id)
    return may_pass_approval(user, transfer)


def next_step_record(user, step, access: Access) -> bool:
    if access == Access.VIEW:
        return may_view_family(user, step.family_id) and _supervision_visible(user, step)
    return may_change_next_step(user, step)


def supervision_record(user, supervision, access: Access) -> bool:
    return may_see_supervision(user, supervision)


def reallocate_record(user, episode, access: Access) -> bool:
    return may_reallocate(user, episode)


def account_record(user, account, access: Access) -> bool:
    return may_manage_accounts(user)


def who_looked_record(user, family, access: Access) -> bool:
    """The family's "who has looked" page and its export: only for reading, by those who may see it, and
    never through a break-glass alone (a manager of another team who broke the glass reads the family, not
    who else has looked at it)."""
    return (
        access == Access.VIEW
        and may_see_who_looked(user, family.id)
        and (is_head_of_service(user) or break_glass_until(user, family.id) is None)
    )


def restriction_record(user, family, access: Access) -> bool:
    """Restricting a family, changing who is named, or lifting it: only those who may restrict it."""
    return may_restrict(user, family.id)


def break_glass_record(user, family, access: Access) -> bool:
    """The break-glass page: for someone who may break the glass, or who may already see the family (the
    page sends them on to it). A restricted family they are not named on does not exist for them."""
    return may_break_glass(user, family) or may_view_family(user, family.id)


def break_glass_until(user, family_id: int):
    """The person's current break-glass (its .at and .expires_at) when that is their only way into the
    family, otherwise None: the family page says when their access ends."""
    from earlyhelp.models import BreakGlass

    if role_of(user) not in CASE_ROLES or is_head_of_service(user):
        return None

    def work():
        glass = db.session.scalars(
            select(BreakGlass)
            .where(
                BreakGlass.user_id == user.id, BreakGlass.family_id == family_id, BreakGlass.expires_at > clock.now()
            )
            .order_by(BreakGlass.expires_at.desc())
            .limit(1)
        ).first()
        if glass is None:
            return None
        related = union(*_relationship_rules(user, Access.VIEW, family_id))
        return None if db.session.scalar(select(exists(related.subquery().select()))) else glass

    return _cached(("glass", user.id, family_id), work)
