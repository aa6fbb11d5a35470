"""Step-up and step-down requests made quickly, straight into the tables, for tests that need many of them.

The service (earlyhelp.services.transfers) is the way a request is made; these skip it only to build the
5-row and 50-row pages that statement counts compare. All names are fictional.
"""

import uuid
from datetime import date, timedelta

from earlyhelp import clock
from earlyhelp.domain.transfers import Direction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import (
    Episode,
    HandoverPlan,
    LevelOfNeed,
    NextStep,
    Service,
    Transfer,
    TransferChild,
    TransferEvent,
    User,
)
from tests.factories import make_household, reference, team

# The events a request in each state has been through, after "create".
_PATH = {
    TransferState.DRAFT: [],
    TransferState.AWAITING_APPROVAL: ["submit"],
    TransferState.SENT: ["submit", "approve"],
    TransferState.ACCEPTED: ["submit", "approve", "accept"],
    TransferState.DECLINED: ["submit", "approve", "decline"],
    TransferState.WITHDRAWN: ["withdraw"],
}
_AFTER = {
    "submit": TransferState.AWAITING_APPROVAL,
    "approve": TransferState.SENT,
    "accept": TransferState.ACCEPTED,
    "decline": TransferState.DECLINED,
    "withdraw": TransferState.WITHDRAWN,
}


def quick_request(
    *,
    requester: User,
    state: TransferState = TransferState.DRAFT,
    children: int = 1,
    receiving_team: str = "Social care team",
    receiving_lead: User | None = None,
    direction: Direction = Direction.STEP_UP,
    commit: bool = True,
) -> Transfer:
    """A request in `state`, from a new family whose episode `requester` leads, with its history and plan."""
    family = make_household(children=children)
    from_code, to_code = (
        ("early_help", "social_care") if direction is Direction.STEP_UP else ("social_care", "early_help")
    )
    episode = Episode(
        family_id=family.id,
        service=reference(Service, code=from_code),
        lead=requester,
        team_id=requester.team_id,
        started_on=date(2025, 9, 1),
    )
    now = clock.now()
    transfer = Transfer(
        family_id=family.id,
        direction=direction,
        state=state,
        from_episode=episode,
        to_service=reference(Service, code=to_code),
        sending_team_id=requester.team_id,
        receiving_team_id=team(receiving_team).id,
        requested_by=requester,
        submission_key=uuid.uuid4().hex,
        worries="The children are left alone at night.",
        what_has_changed="Police were called twice this week." if direction is Direction.STEP_UP else "",
        why_now="" if direction is Direction.STEP_UP else "The child protection plan has ended.",
        level_id=reference(LevelOfNeed, number=3).id,
        told_family="yes",
        family_agreement="yes",
        state_changed_by=requester,
        state_changed_at=now,
        receiving_lead=receiving_lead,
    )
    if state not in (TransferState.DRAFT, TransferState.AWAITING_APPROVAL, TransferState.WITHDRAWN):
        transfer.decision_due_on = clock.today() + timedelta(days=1)
        transfer.decision_due_explanation = "Decision due the next working day after it was sent"
    for child in family.children:
        transfer.children.append(TransferChild(person_id=child.id, included=True, child_words="I want it calm."))
    previous = TransferState.DRAFT
    transfer.events.append(TransferEvent(action="create", to_state=previous, actor=requester, at=now))
    for action in _PATH[state]:
        actor = receiving_lead if action in ("accept", "decline") and receiving_lead else requester
        transfer.events.append(
            TransferEvent(action=action, from_state=previous, to_state=_AFTER[action], actor=actor, at=now)
        )
        previous = _AFTER[action]
    transfer.handover_plan = HandoverPlan(updated_by=requester, updated_at=now)
    db.session.add_all([episode, transfer])
    if commit:
        db.session.commit()
    return transfer


def many_requests(count: int, **options) -> list[Transfer]:
    made = [quick_request(commit=False, **options) for _ in range(count)]
    db.session.commit()
    return made


def with_history(transfer: Transfer, *, events: int, steps: int, owner: User) -> Transfer:
    """Add `events` notes to the request's history and `steps` next steps to its handover plan."""
    for number in range(events):
        transfer.events.append(
            TransferEvent(
                action="note",
                from_state=transfer.state,
                to_state=transfer.state,
                actor=owner,
                at=clock.now(),
                reason=f"Note {number}",
            )
        )
    db.session.flush()
    for number in range(steps):
        db.session.add(
            NextStep(
                family_id=transfer.family_id,
                what=f"Step {number}",
                owner_kind="user",
                owner_user_id=owner.id,
                due_on=clock.today() + timedelta(days=number),
                source_type="handover_plan",
                source_id=transfer.handover_plan.id,
                created_by_id=owner.id,
            )
        )
    db.session.commit()
    return transfer
