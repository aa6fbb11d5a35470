"""Who decides a request, and everyone affected is told (issue 12, parts 4 and 5). All names are fictional."""

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from earlyhelp import clock, policy
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Notification, Transfer, User
from earlyhelp.services import transfers
from earlyhelp.services.transfers.decisions import pass_approval
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import app_on_fresh_database


def people():
    return {
        "pip": make_user("practitioner", team_name="Early help team", name="Pip Practitioner"),
        "sam": make_user("team_manager", team_name="Early help team", name="Sam Okafor"),
        "max": make_user("team_manager", team_name="Early help team", name="Max Manager"),
        "sol": make_user("social_worker", team_name="Social care team", name="Sol Socialworker"),
        "jo": make_user("team_manager", team_name="Social care team", name="Jo Brackenfold"),
        "fay": make_user("team_manager", team_name="Front door", name="Fay Frontdoor"),
        "fred": make_user("front_door", team_name="Front door", name="Fred Officer"),
    }


def a_step_up(who, *, family_agrees=True, submit=True):
    episode = make_episode(make_household(children=1), lead=who["pip"])
    transfer = make_transfer(episode, actor=who["pip"], family_agrees=family_agrees)
    if submit:
        act(transfer, TransferAction.SUBMIT, who["pip"])
    return transfer


def act(transfer, action, actor, **kwargs):
    transfers.act(transfer.id, action, actor=actor, **kwargs)
    db.session.commit()


def notices(user, kind=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def messages(user) -> list[str]:
    return [n.message for n in notices(user)]


@contextmanager
def setting(app, name, value):
    before = app.config[name]
    app.config[name] = value
    try:
        yield
    finally:
        app.config[name] = before


# 4. Who decides


def test_a_practitioner_or_social_worker_of_the_receiving_team_posting_accept_is_refused(app):
    who = people()
    transfer = a_step_up(who)
    act(transfer, TransferAction.APPROVE, who["sam"])
    for action, extra in (
        (TransferAction.ACCEPT, {"lead": who["sol"]}),
        (TransferAction.DECLINE, {"reason": "Not for us now"}),
    ):
        with pytest.raises(
            Refused, match=r"^Only a team manager of Social care team can accept or decline this request$"
        ):
            transfers.act(transfer.id, action, actor=who["sol"], **extra)
    assert db.session.get(Transfer, transfer.id).state == TransferState.SENT


def test_a_forged_lead_from_another_team_or_a_manager_as_lead_is_refused_on_the_lead_field(app):
    who = people()
    transfer = a_step_up(who)
    act(transfer, TransferAction.APPROVE, who["sam"])
    for forged in (who["pip"].id, who["jo"].id, who["fay"].id, who["sam"]):
        with pytest.raises(Refused, match=r"^Select a practitioner or social worker of Social care team$") as refused:
            transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["jo"], lead=forged)
        assert refused.value.field == "lead"
    act(transfer, TransferAction.ACCEPT, who["jo"], lead=who["sol"].id)
    assert db.session.get(Transfer, transfer.id).receiving_lead_id == who["sol"].id


def test_a_step_up_routed_to_the_front_door_is_decided_there_and_the_front_door_sees_only_those(app):
    who = people()
    with setting(app, "STEP_UP_DECIDED_BY", "front_door"):
        transfer = a_step_up(who)
        elsewhere = a_step_up(who)  # decided the usual way: sent before the setting changed below
        act(transfer, TransferAction.APPROVE, who["sam"])
    act(elsewhere, TransferAction.APPROVE, who["sam"])
    assert (transfer.decided_by, elsewhere.decided_by) == ("front_door", "receiving_team")
    reference = transfer.family.reference
    assert messages(who["fay"]) == [f"Step-up request for {reference} is waiting for the front door's daily meeting"]
    assert messages(who["jo"]) == [
        f"Step-up request for {elsewhere.family.reference} is waiting for your team's decision"
    ]

    for person in ("fay", "fred"):
        queue = db.session.scalars(transfers.queue("decide", who[person])).all()
        assert [t.id for t in queue] == [transfer.id], person
        assert policy.may_view_family(who[person], transfer.family_id)
        assert not policy.may_view_family(who[person], elsewhere.family_id)
    assert [t.id for t in db.session.scalars(transfers.queue("decide", who["jo"])).all()] == [elsewhere.id]

    with pytest.raises(Refused, match="only a front door team manager can accept or decline it"):
        transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["jo"], lead=who["sol"])
    with pytest.raises(Refused, match="only a front door team manager can accept or decline it"):
        transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["fred"], lead=who["sol"])
    with pytest.raises(Refused, match=r"^Select a practitioner or social worker of Social care team$"):
        transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["fay"], lead=who["fred"])
    act(transfer, TransferAction.ACCEPT, who["fay"], lead=who["sol"])
    assert db.session.get(Transfer, transfer.id).receiving_lead_id == who["sol"].id
    assert policy.may_view_family(who["fay"], transfer.family_id), "they read what they decided"
    assert not policy.may_change_family(who["fred"], transfer.family_id), "and change it no more"


def test_a_step_down_is_always_decided_by_the_receiving_team(app):
    who = people()
    worker = who["sol"]
    episode = make_episode(make_household(children=1), service_code="social_care", lead=worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    with setting(app, "STEP_UP_DECIDED_BY", "front_door"):
        act(transfer, TransferAction.SUBMIT, worker)
        act(transfer, TransferAction.APPROVE, who["jo"])
    assert transfer.decided_by == "receiving_team"


def test_override_authorisation_with_no_reasoning_is_refused_and_the_reasoning_is_kept(app):
    who = people()
    transfer = a_step_up(who, family_agrees=False)
    for reasoning in ("", "   ", "n/a"):
        with pytest.raises(Refused, match="Explain why the request should go ahead without the family's agreement"):
            transfers.authorise_override(transfer, actor=who["sam"], reason=reasoning)
    assert db.session.get(Transfer, transfer.id).override_authorised_at is None
    transfers.authorise_override(transfer, actor=who["sam"], reason="Dad must not learn of this: police advice.")
    saved = db.session.get(Transfer, transfer.id)
    assert (saved.override_authorised_by.name, saved.override_authorisation_reason) == (
        "Sam Okafor",
        "Dad must not learn of this: police advice.",
    )


def test_the_only_manager_passes_the_approval_to_a_named_manager_of_another_team(app):
    worker = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    lou = make_user("team_manager", team_name="Social care team", name="Lou Onlyboss")
    other = make_user("team_manager", team_name="Early help team", name="Ana Elsewhere")
    episode = make_episode(make_household(children=1), service_code="social_care", lead=lou)
    transfer = make_transfer(episode, actor=lou, direction="step_down", receiving_team="Early help team")
    act(transfer, TransferAction.SUBMIT, lou)
    with pytest.raises(Refused, match="You cannot approve or return your own request"):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=lou)
    # Bad input: a non-manager, oneself, nobody, no reason.
    for to, message in (
        (worker, "Select a team manager of another team"),
        (lou, "Select a manager other than yourself"),
        (None, "Select the manager who will approve the request"),
        (10**30, "Select the manager who will approve the request"),
    ):
        with pytest.raises(Refused, match=f"^{message}$"):
            pass_approval(transfer, actor=lou, to=to, reason="I wrote it and I am the only manager here.")
    with pytest.raises(Refused, match=r"^Explain why another team's manager is to approve this request$"):
        pass_approval(transfer, actor=lou, to=other, reason="")
    assert db.session.get(Transfer, transfer.id).approver_id is None

    pass_approval(transfer, actor=lou, to=other.id, reason="I wrote it and I am the only manager here.")
    saved = db.session.get(Transfer, transfer.id)
    assert (saved.approver.name, saved.approval_passed_reason) == (
        "Ana Elsewhere",
        "I wrote it and I am the only manager here.",
    )
    reference = transfer.family.reference
    assert messages(other) == [
        f"Step-down request for {reference} is waiting for your approval: Lou Onlyboss passed it to you"
    ]
    assert [t.id for t in db.session.scalars(transfers.queue("approve", other)).all()] == [transfer.id]
    assert policy.may_change_family(other, transfer.family_id)
    act(transfer, TransferAction.APPROVE, other)
    assert db.session.get(Transfer, transfer.id).state == TransferState.SENT
    [waiting] = notices(other, "transfer_pass_approval")
    assert waiting.done_note == f"Approved by Ana Elsewhere on {clock.day(clock.now())}"


def test_a_team_with_another_manager_cannot_pass_the_approval_on(app):
    who = people()
    transfer = a_step_up(who)
    with pytest.raises(Refused, match=r"^Another manager of your team can approve this request: ask them$"):
        pass_approval(transfer, actor=who["sam"], to=who["jo"], reason="Max is busy this week with court work.")
    with pytest.raises(Refused, match="Only a team manager of the sending team"):
        pass_approval(transfer, actor=who["pip"], to=who["jo"], reason="Max is busy this week with court work.")


# 5. Everyone affected is told


def test_approval_tells_the_requester_and_marks_the_other_managers_waiting_notices_done_saying_who(app):
    who = people()
    transfer = a_step_up(who)
    act(transfer, TransferAction.APPROVE, who["sam"])
    reference = transfer.family.reference
    assert messages(who["pip"]) == [f"Your step-up request for {reference} was approved and sent by Sam Okafor"]
    [waiting] = notices(who["max"])
    assert waiting.done_at is not None
    assert waiting.done_note == f"Approved by Sam Okafor on {clock.day(clock.now())}"
    assert all(n.done_at is not None for n in notices(who["sam"], "transfer_submit"))
    assert [n.done_at for n in notices(who["jo"])] == [None], "the decision is still to make"


def test_a_return_tells_the_requester_and_closes_the_waiting_notices(app):
    who = people()
    transfer = a_step_up(who)
    act(transfer, TransferAction.RETURN, who["max"], reason="Say what school told you on Monday.")
    assert messages(who["pip"]) == [
        f"Your step-up request for {transfer.family.reference} was returned by Max Manager: Say what school told you"
        " on Monday."
    ]
    assert notices(who["sam"])[0].done_note.startswith("Returned by Max Manager on ")


def test_acceptance_tells_the_requester_the_sending_lead_and_the_new_lead(app):
    who = people()
    lead = make_user("practitioner", team_name="Early help team", name="Lee Lead")
    episode = make_episode(make_household(children=1), lead=lead)
    transfer = make_transfer(episode, actor=who["pip"])
    act(transfer, TransferAction.SUBMIT, who["pip"])
    act(transfer, TransferAction.APPROVE, who["sam"])
    act(transfer, TransferAction.ACCEPT, who["jo"], lead=who["sol"])
    reference = transfer.family.reference
    told = f"Your step-up request for {reference} was accepted by Jo Brackenfold. Sol Socialworker is the lead for Social care team"
    assert messages(who["pip"])[-1] == told
    assert messages(lead) == [told]
    [becoming_lead] = messages(who["sol"])
    assert becoming_lead.startswith(f"You are now the lead for {reference} (Children's social care): first contact due")
    [waiting] = notices(who["jo"])
    assert waiting.done_note == f"Accepted by Jo Brackenfold on {clock.day(clock.now())}", "done, by them"


def test_a_decline_tells_the_requester_and_the_sending_lead_with_the_reason(app):
    who = people()
    colleague = make_user("team_manager", team_name="Social care team", name="Kim Colleague")
    transfer = a_step_up(who)
    act(transfer, TransferAction.APPROVE, who["sam"])
    act(transfer, TransferAction.DECLINE, who["jo"], reason="Below the threshold for an assessment")
    told = (
        f"Your step-up request for {transfer.family.reference} was declined by Jo Brackenfold: "
        "Below the threshold for an assessment"
    )
    assert messages(who["pip"])[-1] == told
    [waiting] = notices(colleague)
    assert waiting.done_note == f"Declined by Jo Brackenfold on {clock.day(clock.now())}"


def test_a_withdrawal_tells_whoever_was_waiting(app):
    who = people()
    awaiting = a_step_up(who)
    act(awaiting, TransferAction.WITHDRAW, who["pip"], reason="Mum moved to her sister's in Leeds.")
    gone = f"Step-up request for {awaiting.family.reference} was withdrawn by Pip Practitioner: nothing more to do"
    for manager in ("sam", "max"):
        first, last = notices(who[manager])
        assert first.done_note.startswith("Withdrawn by Pip Practitioner on ")
        assert last.message == gone
    assert messages(who["jo"]) == []

    sent = a_step_up(who)
    act(sent, TransferAction.APPROVE, who["sam"])
    act(sent, TransferAction.WITHDRAW, who["pip"], reason="Mum moved to her sister's in Leeds.")
    first, last = notices(who["jo"])
    assert first.done_note.startswith("Withdrawn by Pip Practitioner on ")
    assert (
        last.message
        == f"Step-up request for {sent.family.reference} was withdrawn by Pip Practitioner: nothing more to do"
    )


def test_handover_complete_tells_both_leads(app):
    who = people()
    transfer = a_step_up(who)
    act(transfer, TransferAction.APPROVE, who["sam"])
    act(transfer, TransferAction.ACCEPT, who["jo"], lead=who["sol"])
    transfer.handover_plan.meeting_held = True
    act(transfer, TransferAction.COMPLETE_HANDOVER, who["jo"])
    done = f"The handover of {transfer.family.reference} to Social care team is complete (Jo Brackenfold)"
    assert messages(who["pip"])[-1] == done
    assert messages(who["sol"])[-1] == done


def test_a_notice_for_a_decided_request_is_done_and_not_counted_as_new(app):
    from earlyhelp.services.notifications import unread_count

    who = people()
    transfer = a_step_up(who)
    assert unread_count(who["max"]) == 1
    act(transfer, TransferAction.APPROVE, who["sam"])
    assert unread_count(who["max"]) == 0
    # Marking done again (a second event) keeps the first note: who decided first is what it says.
    note = notices(who["max"])[0].done_note
    act(transfer, TransferAction.ACCEPT, who["jo"], lead=who["sol"])
    assert notices(who["max"])[0].done_note == note


# Two managers approving at once: one wins, the other is told who and when.


@pytest.fixture(scope="module")
def race_app():
    with app_on_fresh_database("decision_races") as app:
        yield app


def test_two_managers_approving_at_once_one_wins_and_the_other_is_told_who_and_when(race_app):
    with race_app.app_context():
        who = people()
        transfer = a_step_up(who)
        ids = transfer.id, who["sam"].id, who["max"].id
        db.session.remove()
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index, user_id):
        with race_app.app_context():
            barrier.wait()
            try:
                results[index] = transfers.act(
                    ids[0], TransferAction.APPROVE, actor=db.session.get(User, user_id)
                ).state
            except Refused as refused:
                results[index] = refused
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, user_id)) for i, user_id in enumerate(ids[1:])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [loser] = [r for r in results if isinstance(r, Refused)]
    assert [r for r in results if not isinstance(r, Refused)] == [TransferState.SENT]
    with race_app.app_context():
        saved = db.session.get(Transfer, ids[0])
        assert str(loser) == (
            f"This request was approved and sent by {saved.state_changed_by.name} on "
            f"{clock.long_moment(saved.state_changed_at)}"
        )
        loser_id = ids[2] if saved.state_changed_by_id == ids[1] else ids[1]
        [waiting] = db.session.scalars(select(Notification).where(Notification.user_id == loser_id)).all()
        assert waiting.done_note.startswith(f"Approved by {saved.state_changed_by.name} on ")


# The demo


def test_the_demo_decisions_pass_an_approval_authorise_an_override_with_reasoning_and_leave_done_notices(app):
    from earlyhelp.services.demo_decisions import OVERRIDE_REASONING, PASSED_REASON, seed_decisions

    accounts = [
        make_user(
            "practitioner", team_name="Early help team", name="Robin Practitioner", email="practitioner@x.example"
        ),
        make_user("team_manager", team_name="Early help team", name="Morgan Manager", email="team.manager@x.example"),
        make_user(
            "social_worker", team_name="Social care team", name="Sam Socialworker", email="social.worker@x.example"
        ),
        make_user(
            "team_manager", team_name="Social care team", name="Casey Carelead", email="social.care.manager@x.example"
        ),
        make_user(
            "team_manager", team_name="Front door", name="Taylor Thresholdlead", email="front.door.manager@x.example"
        ),
    ]
    robin, morgan, sam, casey, taylor = accounts
    for _ in range(3):
        make_episode(make_household(children=2), lead=robin)
    passed, authorised, accepted = seed_decisions(accounts)
    assert (passed.state, passed.approver_id, passed.approval_passed_reason) == (
        TransferState.AWAITING_APPROVAL,
        taylor.id,
        PASSED_REASON,
    )
    assert (authorised.state, authorised.override_authorisation_reason) == (TransferState.SENT, OVERRIDE_REASONING)
    assert (accepted.state, accepted.receiving_lead_id) == (TransferState.ACCEPTED, sam.id)
    done = [n for n in notices(morgan) if n.done_at is not None]
    assert any(n.done_note.startswith("Approved by Taylor Thresholdlead on ") for n in done)
    assert any(n.done_note.startswith("Accepted by Casey Carelead on ") for n in notices(casey))
    assert [n.message for n in notices(taylor, "transfer_pass_approval")] == [
        f"Step-up request for {t.family.reference} is waiting for your approval: Morgan Manager passed it to you"
        for t in (passed, accepted)
    ]


# The walkthrough's fixes: an authorisation that is only a rubber stamp; the history in words.


def test_override_authorisation_that_only_agrees_or_copies_the_requesters_reason_is_refused(app):
    who = people()
    transfer = a_step_up(who, family_agrees=False)
    copied = "asking would put the children at RISK"  # the requester's words, another case, no full stop
    for reasoning in ("I agree with Pip.", "Agreed, go ahead.", "As above, agreed.", "See above please.", copied):
        with pytest.raises(Refused, match="Write your own reasoning as the authorising manager") as refused:
            transfers.authorise_override(transfer, actor=who["sam"], reason=reasoning)
        assert refused.value.field == "authorisation_reason"
        db.session.rollback()
    assert db.session.get(Transfer, transfer.id).override_authorised_at is None
    own = "I agree: the police told us dad reads mum's phone, so asking her now puts the children at risk."
    transfers.authorise_override(transfer, actor=who["sam"], reason=own)
    assert db.session.get(Transfer, transfer.id).override_authorisation_reason == own


def test_the_history_says_what_was_done_and_the_family_position_only_what_is_true():
    from earlyhelp.domain.transfers import event_words, family_position

    assert event_words("return", "Please add an outcome.") == "Returned: Please add an outcome."
    assert [event_words(a) for a in ("create", "submit", "approve", "accept", "complete_handover")] == [
        "Created",
        "Sent for approval",
        "Approved and sent",
        "Accepted",
        "Handover complete",
    ]
    assert event_words("edit", "Request changed") == "Changed"
    assert event_words("decline", "Not at threshold") == "Declined: Not at threshold"
    assert event_words("withdraw", "Moved away") == "Withdrawn: Moved away"
    assert family_position("not_yet", "not_asked") == "The family has not been asked yet"
    assert family_position("yes", "no") == "The family does not agree"
    assert family_position("yes", "partly") == "The family agrees only in part"
