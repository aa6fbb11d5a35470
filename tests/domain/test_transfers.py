"""Every (state, action) pair of the step-up / step-down state machine, and every guard."""

from datetime import UTC, datetime
from itertools import product

import pytest

from earlyhelp.domain.transfers import (
    TRANSITIONS,
    Actor,
    Evidence,
    TransferAction,
    TransferFacts,
    TransferState,
    TransitionRefused,
    next_state,
    responsible,
)

SENDING_TEAM, RECEIVING_TEAM = 1, 2
requester = Actor(id=10, role="practitioner", team_id=SENDING_TEAM)
sending_manager = Actor(id=11, role="team_manager", team_id=SENDING_TEAM)
receiver = Actor(id=20, role="social_worker", team_id=RECEIVING_TEAM)
outsider = Actor(id=30, role="team_manager", team_id=99)
full_evidence = Evidence(reason="Because", receiving_lead_named=True, meeting_held=True)

# Who may take each action when it is allowed.
ALLOWED_ACTOR = {
    TransferAction.SUBMIT: requester,
    TransferAction.APPROVE: sending_manager,
    TransferAction.RETURN: sending_manager,
    TransferAction.ACCEPT: receiver,
    TransferAction.DECLINE: receiver,
    TransferAction.WITHDRAW: requester,
    TransferAction.COMPLETE_HANDOVER: receiver,
}


def facts(state: TransferState, **overrides) -> TransferFacts:
    values = {
        "state": state,
        "requested_by_id": requester.id,
        "sending_team_id": SENDING_TEAM,
        "receiving_team_id": RECEIVING_TEAM,
        "last_changed_by": "Morgan Manager",
        "last_changed_at": datetime(2025, 12, 1, 14, 5, tzinfo=UTC),
    }
    return TransferFacts(**(values | overrides))


@pytest.mark.parametrize(("state", "action"), list(product(TransferState, TransferAction)))
def test_every_state_and_action_pair_either_moves_on_or_says_what_happened(state, action):
    if (state, action) in TRANSITIONS:
        assert next_state(facts(state), action, ALLOWED_ACTOR[action], full_evidence) == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(
            TransitionRefused, match=r"^This request was .+ by Morgan Manager on 1 December 2025 at 14:05$"
        ):
            next_state(facts(state), action, ALLOWED_ACTOR[action], full_evidence)


def test_the_too_late_message_names_what_happened():
    with pytest.raises(
        TransitionRefused, match="This request was accepted by Morgan Manager on 1 December 2025 at 14:05"
    ):
        next_state(facts(TransferState.ACCEPTED), TransferAction.DECLINE, receiver, full_evidence)


def test_nobody_approves_their_own_request():
    own = facts(TransferState.AWAITING_APPROVAL, requested_by_id=sending_manager.id)
    with pytest.raises(TransitionRefused, match="You cannot approve or return your own request"):
        next_state(own, TransferAction.APPROVE, sending_manager, full_evidence)


@pytest.mark.parametrize("actor", [requester, receiver, outsider])
def test_only_a_manager_of_the_sending_team_approves_or_returns(actor):
    for action in (TransferAction.APPROVE, TransferAction.RETURN):
        with pytest.raises(TransitionRefused, match="Only a team manager of the sending team"):
            next_state(facts(TransferState.AWAITING_APPROVAL), action, actor, full_evidence)


@pytest.mark.parametrize("action", [TransferAction.RETURN, TransferAction.DECLINE, TransferAction.WITHDRAW])
def test_returning_declining_and_withdrawing_need_a_reason(action):
    state = {TransferAction.RETURN: TransferState.AWAITING_APPROVAL}.get(action, TransferState.SENT)
    with pytest.raises(TransitionRefused, match=r"^Enter the reason for"):
        next_state(facts(state), action, ALLOWED_ACTOR[action], Evidence(reason="   "))


def test_only_the_receiving_team_accepts_or_declines():
    for action in (TransferAction.ACCEPT, TransferAction.DECLINE):
        with pytest.raises(TransitionRefused, match="Only the receiving team"):
            next_state(facts(TransferState.SENT), action, sending_manager, full_evidence)


def test_accepting_names_the_receiving_lead():
    with pytest.raises(TransitionRefused, match="Select the lead who will take the case"):
        next_state(facts(TransferState.SENT), TransferAction.ACCEPT, receiver, Evidence())


def test_a_request_without_the_familys_agreement_needs_the_override_authorised_before_approval():
    unauthorised = facts(TransferState.AWAITING_APPROVAL, needs_override_authorisation=True)
    with pytest.raises(TransitionRefused, match="Authorise going ahead without their agreement"):
        next_state(unauthorised, TransferAction.APPROVE, sending_manager, full_evidence)
    authorised = facts(TransferState.AWAITING_APPROVAL, needs_override_authorisation=True, override_authorised=True)
    assert next_state(authorised, TransferAction.APPROVE, sending_manager, full_evidence) is TransferState.SENT


def test_only_the_requester_or_their_manager_sends_or_withdraws():
    for action, state in [(TransferAction.SUBMIT, TransferState.DRAFT), (TransferAction.WITHDRAW, TransferState.SENT)]:
        assert next_state(facts(state), action, sending_manager, full_evidence)
        with pytest.raises(TransitionRefused, match="Only the person who"):
            next_state(facts(state), action, receiver, full_evidence)


def test_completing_the_handover_needs_the_meeting_held_and_the_lead_named():
    with pytest.raises(TransitionRefused, match="Record that the handover meeting"):
        next_state(
            facts(TransferState.ACCEPTED),
            TransferAction.COMPLETE_HANDOVER,
            receiver,
            Evidence(receiving_lead_named=True),
        )
    with pytest.raises(TransitionRefused, match="Name the receiving lead"):
        next_state(
            facts(TransferState.ACCEPTED), TransferAction.COMPLETE_HANDOVER, receiver, Evidence(meeting_held=True)
        )
    with pytest.raises(TransitionRefused, match="Only the sending or receiving team"):
        next_state(facts(TransferState.ACCEPTED), TransferAction.COMPLETE_HANDOVER, outsider, full_evidence)


def test_the_sender_stays_responsible_until_the_receiving_side_accepts():
    assert [responsible(s) for s in TransferState] == [
        "sending",
        "sending",
        "sending",
        "receiving",
        "sending",
        "sending",
        "receiving",
    ]
