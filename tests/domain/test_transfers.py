"""Every (state, action) pair of the step-up / step-down state machine, and every guard."""

from datetime import UTC, date, datetime
from itertools import product

import pytest

from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import (
    TRANSITIONS,
    Actor,
    Evidence,
    TransferAction,
    TransferFacts,
    TransferState,
    allowed,
    check_letter_ready,
    check_meeting,
    check_override_authorisation,
    check_pass_approval,
    check_plan_open,
    may_authorise_override,
    may_lead,
    may_pass_approval,
    next_state,
    responsible,
)

SENDING_TEAM, RECEIVING_TEAM = 1, 2
requester = Actor(id=10, role="practitioner", team_id=SENDING_TEAM)
sending_manager = Actor(id=11, role="team_manager", team_id=SENDING_TEAM)
receiver = Actor(id=20, role="team_manager", team_id=RECEIVING_TEAM)  # decides for the receiving team
receiving_worker = Actor(id=21, role="social_worker", team_id=RECEIVING_TEAM)
outsider = Actor(id=30, role="team_manager", team_id=99)
full_evidence = Evidence(reason="Because the plan has changed", receiving_lead_named=True, meeting_held=True)

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
        with pytest.raises(Refused, match=r"^This request was .+ by Morgan Manager on 1 December 2025 at 14:05$"):
            next_state(facts(state), action, ALLOWED_ACTOR[action], full_evidence)


def test_the_too_late_message_names_what_happened():
    with pytest.raises(Refused, match="This request was accepted by Morgan Manager on 1 December 2025 at 14:05"):
        next_state(facts(TransferState.ACCEPTED), TransferAction.DECLINE, receiver, full_evidence)


def test_nobody_approves_their_own_request():
    own = facts(TransferState.AWAITING_APPROVAL, requested_by_id=sending_manager.id)
    with pytest.raises(Refused, match="You cannot approve or return your own request"):
        next_state(own, TransferAction.APPROVE, sending_manager, full_evidence)


@pytest.mark.parametrize("actor", [requester, receiver, outsider])
def test_only_a_manager_of_the_sending_team_approves_or_returns(actor):
    for action in (TransferAction.APPROVE, TransferAction.RETURN):
        with pytest.raises(Refused, match="Only a team manager of the sending team"):
            next_state(facts(TransferState.AWAITING_APPROVAL), action, actor, full_evidence)


@pytest.mark.parametrize("action", [TransferAction.RETURN, TransferAction.DECLINE, TransferAction.WITHDRAW])
def test_returning_declining_and_withdrawing_need_a_reason(action):
    state = {TransferAction.RETURN: TransferState.AWAITING_APPROVAL}.get(action, TransferState.SENT)
    asked = {
        TransferAction.RETURN: "why the request is being returned",
        TransferAction.DECLINE: "why the request is declined",
        TransferAction.WITHDRAW: "why the request is being withdrawn",
    }[action]
    with pytest.raises(Refused, match=rf"^Explain {asked}$") as refused:
        next_state(facts(state), action, ALLOWED_ACTOR[action], Evidence(reason="   "))
    assert refused.value.field == "reason"
    for non_answer in ("n/a", "None.", "see above", "No."):
        with pytest.raises(Refused, match=rf"^Explain {asked} in a sentence of at least 10 characters") as refused:
            next_state(facts(state), action, ALLOWED_ACTOR[action], Evidence(reason=non_answer))
        assert refused.value.field == "reason"


def test_only_the_receiving_team_accepts_or_declines():
    for action in (TransferAction.ACCEPT, TransferAction.DECLINE):
        with pytest.raises(Refused, match="Only the receiving team"):
            next_state(facts(TransferState.SENT), action, sending_manager, full_evidence)


def test_accepting_names_the_receiving_lead():
    with pytest.raises(Refused, match="Select the lead who will take the case"):
        next_state(facts(TransferState.SENT), TransferAction.ACCEPT, receiver, Evidence())


def test_a_request_without_the_familys_agreement_needs_the_override_authorised_before_approval():
    unauthorised = facts(TransferState.AWAITING_APPROVAL, needs_override_authorisation=True)
    with pytest.raises(Refused, match="Authorise going ahead without their agreement"):
        next_state(unauthorised, TransferAction.APPROVE, sending_manager, full_evidence)
    authorised = facts(
        TransferState.AWAITING_APPROVAL,
        needs_override_authorisation=True,
        override_authorised_by="Sam Manager",
        override_authorised_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
    )
    assert next_state(authorised, TransferAction.APPROVE, sending_manager, full_evidence) is TransferState.SENT


def test_only_the_requester_or_their_manager_sends_or_withdraws():
    for action, state in [(TransferAction.SUBMIT, TransferState.DRAFT), (TransferAction.WITHDRAW, TransferState.SENT)]:
        assert next_state(facts(state), action, sending_manager, full_evidence)
        with pytest.raises(Refused, match="Only the person who"):
            next_state(facts(state), action, receiver, full_evidence)


def test_completing_the_handover_needs_the_meeting_held_and_the_lead_named():
    with pytest.raises(Refused, match="Record that the handover meeting"):
        next_state(
            facts(TransferState.ACCEPTED),
            TransferAction.COMPLETE_HANDOVER,
            receiver,
            Evidence(receiving_lead_named=True),
        )
    with pytest.raises(Refused, match="Name the receiving lead"):
        next_state(
            facts(TransferState.ACCEPTED), TransferAction.COMPLETE_HANDOVER, receiver, Evidence(meeting_held=True)
        )
    with pytest.raises(Refused, match="Only the sending or receiving team"):
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


def test_a_missing_reason_or_lead_names_the_field_to_fix():
    with pytest.raises(Refused) as missing_reason:
        next_state(facts(TransferState.SENT), TransferAction.DECLINE, receiver, Evidence())
    assert missing_reason.value.field == "reason"
    with pytest.raises(Refused) as missing_lead:
        next_state(facts(TransferState.SENT), TransferAction.ACCEPT, receiver, Evidence())
    assert missing_lead.value.field == "lead"


def test_someone_who_may_not_act_is_told_so_before_being_asked_for_a_reason():
    with pytest.raises(Refused, match="Only a team manager of the sending team"):
        next_state(facts(TransferState.AWAITING_APPROVAL), TransferAction.RETURN, requester, Evidence())


def test_the_actions_offered_are_the_ones_the_person_may_take_now():
    offered = {
        action for action in TransferAction if allowed(facts(TransferState.AWAITING_APPROVAL), action, sending_manager)
    }
    assert offered == {TransferAction.APPROVE, TransferAction.RETURN, TransferAction.WITHDRAW}
    assert not any(allowed(facts(TransferState.HANDOVER_COMPLETE), action, receiver) for action in TransferAction)


# Going ahead without the family's agreement: one rule, asked by the page and enforced by the service.

needs_authorising = facts(TransferState.AWAITING_APPROVAL, needs_override_authorisation=True)
other_manager = Actor(id=12, role="team_manager", team_id=SENDING_TEAM)


def test_another_manager_of_the_sending_team_may_authorise_going_ahead_without_agreement():
    check_override_authorisation(needs_authorising, other_manager)
    assert may_authorise_override(needs_authorising, other_manager)


@pytest.mark.parametrize(
    ("case", "actor", "message"),
    [
        (facts(TransferState.AWAITING_APPROVAL), other_manager, "This request does not need a manager's authorisation"),
        (needs_authorising, requester, "Only a team manager of the sending team can authorise this"),
        (needs_authorising, outsider, "Only a team manager of the sending team can authorise this"),
        (
            facts(TransferState.AWAITING_APPROVAL, requested_by_id=other_manager.id, needs_override_authorisation=True),
            other_manager,
            "You cannot authorise your own request. Ask another manager",
        ),
        (
            facts(TransferState.DRAFT, needs_override_authorisation=True),
            other_manager,
            "Only a request awaiting approval can be authorised",
        ),
        (
            facts(TransferState.WITHDRAWN, needs_override_authorisation=True),
            other_manager,
            "This request was withdrawn by Morgan Manager on 1 December 2025 at 14:05",
        ),
        (
            facts(
                TransferState.AWAITING_APPROVAL,
                needs_override_authorisation=True,
                override_authorised_by="Sam Manager",
                override_authorised_at=datetime(2026, 6, 1, 8, 30, tzinfo=UTC),
            ),
            other_manager,
            "This was already authorised by Sam Manager on 1 June 2026 at 09:30",
        ),
    ],
)
def test_authorising_going_ahead_without_agreement_is_refused_with_the_reason(case, actor, message):
    with pytest.raises(Refused, match=f"^{message}$"):
        check_override_authorisation(case, actor)
    assert not may_authorise_override(case, actor)


@pytest.mark.parametrize("state", list(TransferState))
def test_the_handover_plan_closes_when_the_request_is_withdrawn_declined_or_complete(state):
    if state in (TransferState.WITHDRAWN, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE):
        with pytest.raises(Refused, match=f"^This request is {state.label.lower()}: its handover plan is closed$"):
            check_plan_open(state)
    else:
        check_plan_open(state)


@pytest.mark.parametrize("state", list(TransferState))
def test_the_family_letter_is_ready_once_the_receiving_team_has_decided(state):
    if state in (TransferState.ACCEPTED, TransferState.DECLINED, TransferState.HANDOVER_COMPLETE):
        check_letter_ready(state)
    else:
        with pytest.raises(Refused, match="once the receiving team has decided"):
            check_letter_ready(state)


def test_a_meeting_recorded_as_held_is_dated_today_or_before():
    leap_day = date(2028, 2, 29)
    check_meeting(meeting_held=True, meeting_on=leap_day, today=leap_day)
    check_meeting(meeting_held=False, meeting_on=date(2028, 3, 1), today=leap_day)  # arranged, not yet held
    with pytest.raises(Refused, match="cannot have a date in the future") as refused:
        check_meeting(meeting_held=True, meeting_on=date(2028, 3, 1), today=leap_day)
    assert refused.value.field == "meeting_on"


# Who decides (issue 12, part 4)


def test_a_practitioner_or_social_worker_of_the_receiving_team_no_longer_accepts_or_declines():
    for action in (TransferAction.ACCEPT, TransferAction.DECLINE):
        with pytest.raises(
            Refused, match=r"^Only a team manager of Social care team can accept or decline this request$"
        ):
            next_state(
                facts(TransferState.SENT, receiving_team_name="Social care team"),
                action,
                receiving_worker,
                full_evidence,
            )
        assert not allowed(facts(TransferState.SENT), action, receiving_worker)
        assert allowed(facts(TransferState.SENT), action, receiver)


def test_a_lead_who_is_a_manager_or_of_another_team_is_refused_on_the_lead_field():
    sent = facts(TransferState.SENT, receiving_team_name="Social care team")
    assert may_lead(receiving_worker, sent)
    for lead in (receiver, requester, Actor(id=22, role="social_worker", team_id=RECEIVING_TEAM, active=False)):
        assert not may_lead(lead, sent)
    with pytest.raises(Refused, match=r"^Select a practitioner or social worker of Social care team$") as refused:
        next_state(sent, TransferAction.ACCEPT, receiver, Evidence(receiving_lead_named=True, lead_eligible=False))
    assert refused.value.field == "lead"


front_door_manager = Actor(id=40, role="team_manager", team_id=50, at_front_door=True)
front_door_officer = Actor(id=41, role="front_door", team_id=50, at_front_door=True)


def test_a_step_up_routed_to_the_front_door_is_decided_there_by_a_manager():
    routed = facts(TransferState.SENT, decided_by="front_door")
    assert next_state(routed, TransferAction.ACCEPT, front_door_manager, full_evidence) is TransferState.ACCEPTED
    for actor in (receiver, receiving_worker, front_door_officer):
        with pytest.raises(Refused, match="only a front door team manager can accept or decline it"):
            next_state(routed, TransferAction.DECLINE, actor, full_evidence)
    # A request the receiving team decides is not the front door's.
    with pytest.raises(Refused, match="Only the receiving team"):
        next_state(facts(TransferState.SENT), TransferAction.ACCEPT, front_door_manager, full_evidence)


def test_the_named_approver_of_another_team_approves_returns_and_authorises():
    approver = Actor(id=60, role="team_manager", team_id=77)
    passed = facts(TransferState.AWAITING_APPROVAL, approver_id=approver.id, needs_override_authorisation=True)
    check_override_authorisation(passed, approver, "Telling dad would put mum and the baby at risk.")
    assert allowed(passed, TransferAction.RETURN, approver)
    assert not allowed(passed, TransferAction.APPROVE, outsider)
    assert not allowed(passed, TransferAction.WITHDRAW, approver)  # withdrawing stays the sender's


def test_an_override_authorisation_with_no_reasoning_is_refused():
    for reasoning, message in (
        ("", "^Explain why the request should go ahead without the family's agreement$"),
        ("n/a", "in a sentence of at least 10 characters"),
    ):
        with pytest.raises(Refused, match=message) as refused:
            check_override_authorisation(needs_authorising, other_manager, reasoning)
        assert refused.value.field == "authorisation_reason"


other_team_manager = Actor(id=70, role="team_manager", team_id=88)
reason = "Sam is on leave and I wrote the request myself."


def test_the_only_manager_passes_the_approval_to_a_manager_of_another_team():
    waiting = facts(TransferState.AWAITING_APPROVAL)
    check_pass_approval(waiting, sending_manager, other_team_manager, other_managers=0, reason=reason)
    assert may_pass_approval(waiting, sending_manager, other_managers=0)
    assert not may_pass_approval(waiting, sending_manager, other_managers=1)
    assert not may_pass_approval(waiting, requester, other_managers=0)
    assert not may_pass_approval(facts(TransferState.SENT), sending_manager, other_managers=0)


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (None, "Select the manager who will approve the request"),
        (sending_manager, "Select a manager other than yourself"),
        (Actor(id=71, role="social_worker", team_id=88), "Select a team manager of another team"),
        (Actor(id=72, role="team_manager", team_id=88, active=False), "Select a team manager of another team"),
        (Actor(id=12, role="team_manager", team_id=SENDING_TEAM), "Select a team manager of another team"),
    ],
)
def test_passing_approval_to_a_non_manager_or_to_oneself_is_refused(to, message):
    with pytest.raises(Refused, match=f"^{message}$") as refused:
        check_pass_approval(
            facts(TransferState.AWAITING_APPROVAL), sending_manager, to, other_managers=0, reason=reason
        )
    assert refused.value.field == "approver"


def test_passing_approval_needs_a_reason():
    with pytest.raises(Refused, match=r"^Explain why another team's manager is to approve this request$") as refused:
        check_pass_approval(
            facts(TransferState.AWAITING_APPROVAL), sending_manager, other_team_manager, other_managers=0, reason=" "
        )
    assert refused.value.field == "approval_passed_reason"


def test_mark_handover_complete_is_not_offered_before_the_meeting_is_recorded_as_held():
    accepted = facts(TransferState.ACCEPTED, receiving_lead_named=True)
    assert not allowed(accepted, TransferAction.COMPLETE_HANDOVER, receiver)
    held = facts(TransferState.ACCEPTED, receiving_lead_named=True, meeting_held=True)
    assert allowed(held, TransferAction.COMPLETE_HANDOVER, receiver)


def test_a_step_down_the_family_has_not_agreed_to_is_not_offered_for_approval():
    for agreement in ("no", "partly", "not_asked"):
        step_down = facts(TransferState.DRAFT, is_step_up=False, family_agreement=agreement)
        assert not allowed(step_down, TransferAction.SUBMIT, requester)
        with pytest.raises(Refused, match="Early help is voluntary"):
            next_state(step_down, TransferAction.SUBMIT, requester, full_evidence)
    assert allowed(
        facts(TransferState.DRAFT, is_step_up=False, family_agreement="yes"), TransferAction.SUBMIT, requester
    )
    assert allowed(facts(TransferState.DRAFT, family_agreement="no"), TransferAction.SUBMIT, requester)  # a step-up
