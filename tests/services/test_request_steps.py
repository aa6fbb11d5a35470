"""The life of a request's actions (issue 12, part 2): proposed, not live, until the receiving team accepts;
back with the sending lead after a decline or a withdrawal; carried across by a follow-up request, the same
rows, never retyped. All names are fictional."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import policy
from earlyhelp.clock import today
from earlyhelp.domain.outcomes import ProposedOutcome
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import (
    AuditEvent,
    LevelOfNeed,
    NextStep,
    NextStepChange,
    NextStepStatus,
    Notification,
    Transfer,
)
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.next_steps import NextStepInput
from tests.factories import make_episode, make_household, make_transfer, make_user, reference, team

TASKS = ("Finish the school attendance plan", "Chase the health visitor", "Book the parenting course")


def people():
    return {
        "social_worker": make_user("social_worker", team_name="Social care team", name="Sam Hollowell"),
        "sc_manager": make_user("team_manager", team_name="Social care team", name="Morgan Ashdown"),
        "receiver": make_user("practitioner", team_name="Early help team", name="Ellis Pemberwick"),
        "eh_manager": make_user("team_manager", team_name="Early help team", name="Kit Marrowby"),
    }


def tasks_for(receiver, *, whats=TASKS, due_in=10) -> list[NextStepInput]:
    """The outstanding tasks of a step-down: two for the receiving practitioner, one for a partner."""
    due = today() + timedelta(days=due_in)
    made = [NextStepInput(what=what, owner_kind="user", owner_user_id=receiver.id, due_on=due) for what in whats[:-1]]
    made.append(
        NextStepInput(
            what=whats[-1], owner_kind="partner", owner_name="Jo Fairweather", owner_agency="Family Hub", due_on=due
        )
    )
    return made


def start_step_down(episode, actor, outstanding) -> Transfer:
    """A draft step-down from the social care episode, through the service, with its outstanding tasks."""
    family = episode.family
    fields = {
        "worries": "Attendance has dropped again since the plan ended.",
        "level_id": reference(LevelOfNeed, number=2).id,
        "receiving_team_id": team("Early help team").id,
        "told_family": "yes",
        "told_on": today() - timedelta(days=1),
        "told_by": actor.name,
        "family_agreement": "yes",
        "not_to_share": "",
        "why_now": "The child protection plan has ended and things are steadier.",
        "threshold_reviewed": True,
        "clear_outcomes": True,
        "outstanding_tasks_listed": True,
    }
    transfer = transfers.start(
        episode,
        direction=Direction.STEP_DOWN,
        submission_key=uuid.uuid4().hex,
        fields=fields,
        children=[
            transfers.ChildChoice(person_id=c.id, included=True, child_words="I like my teacher.")
            for c in family.children
        ],
        outstanding=outstanding,
        outcomes=[
            ProposedOutcome(
                person_id=None,
                what_different="The children get to school on time at least 9 days in 10.",
                by_when=today() + timedelta(weeks=12),
            )
        ],
        actor=actor,
    )
    db.session.commit()
    return transfer


def sent(transfer, who) -> Transfer:
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=who["social_worker"])
    transfers.act(transfer.id, TransferAction.APPROVE, actor=who["sc_manager"])
    return transfer


def a_step_down_with_tasks(**options):
    who = people()
    episode = make_episode(make_household(children=1), service_code="social_care", lead=who["social_worker"])
    transfer = start_step_down(episode, who["social_worker"], tasks_for(who["receiver"], **options))
    return transfer, episode, who


def steps_of(transfer) -> list[NextStep]:
    db.session.expire_all()
    return db.session.scalars(next_steps.for_source("handover_plan", transfer.handover_plan.id)).all()


def all_steps_of(family_id) -> list[NextStep]:
    return db.session.scalars(select(NextStep).where(NextStep.family_id == family_id).order_by(NextStep.id)).all()


def notices_for(user) -> list[str]:
    """The notices of next steps given to this person."""
    return db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id, Notification.kind == "next_step_assigned")
    ).all()


def history_of(step) -> list[str]:
    return [change.what_happened for change in next_steps.history(step)]


# Proposed: nobody's work yet


def test_actions_written_into_a_draft_step_down_are_proposed_on_nobodys_work_and_tell_nobody(app, time_machine):
    transfer, episode, who = a_step_down_with_tasks()
    receiver = who["receiver"]
    steps = steps_of(transfer)
    assert [(s.what, s.status) for s in steps] == [(what, NextStepStatus.PROPOSED) for what in TASKS]
    assert next_steps.work_list([receiver.id], today(), viewer=receiver).count == 0
    assert next_steps.family_and_partner_list([who["social_worker"].id], today(), viewer=receiver).count == 0
    assert notices_for(receiver) == []
    # Owning a proposed step opens the family to nobody: the request is not even sent yet.
    assert not policy.may_view_family(receiver, transfer.family_id)
    sent(transfer, who)
    assert next_steps.work_list([receiver.id], today(), viewer=receiver).count == 0
    assert notices_for(receiver) == []
    # Never overdue: it is not anyone's to do yet.
    time_machine.move_to(today() + timedelta(days=30))
    assert all(not s.is_overdue(today()) and s.status_shown(today()) == NextStepStatus.PROPOSED for s in steps)


def test_a_step_added_to_the_handover_plan_before_acceptance_is_proposed_and_after_it_live(app):
    who = people()
    episode = make_episode(make_household(children=1), service_code="social_care", lead=who["social_worker"])
    transfer = sent(
        make_transfer(episode, actor=who["social_worker"], direction="step_down", receiving_team="Early help team"),
        who,
    )
    due = today() + timedelta(days=7)
    before = transfers.add_handover_step(
        transfer,
        NextStepInput(what="Share the chronology", owner_kind="user", owner_user_id=who["receiver"].id, due_on=due),
        actor=who["social_worker"],
    )
    assert before.status == NextStepStatus.PROPOSED
    assert notices_for(who["receiver"]) == []
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["eh_manager"], lead=who["receiver"], reason="Yes")
    after = transfers.add_handover_step(
        transfer,
        NextStepInput(what="Meet the school", owner_kind="user", owner_user_id=who["receiver"].id, due_on=due),
        actor=who["eh_manager"],
    )
    assert (before.status, after.status) == (NextStepStatus.OPEN, NextStepStatus.OPEN)


# Accepted: live with their owners, who are told


def test_acceptance_makes_the_proposed_steps_live_with_their_owners_each_told_once(app):
    transfer, episode, who = a_step_down_with_tasks()
    receiver = who["receiver"]
    sent(transfer, who)
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=who["eh_manager"], lead=receiver, reason="We can help")
    steps = steps_of(transfer)
    assert {(s.what, s.status, s.owner) for s in steps} == {
        ("Finish the school attendance plan", NextStepStatus.OPEN, "Ellis Pemberwick"),
        ("Chase the health visitor", NextStepStatus.OPEN, "Ellis Pemberwick"),
        ("Book the parenting course", NextStepStatus.OPEN, "Jo Fairweather (Family Hub)"),
    }
    # On their My work (beside the lead's own "First contact", whose week depends on the day it is run).
    work = next_steps.work_list([receiver.id], today(), viewer=receiver)
    listed = [s.what for s in (*work.overdue, *work.this_week, *work.later)]
    assert sorted(set(listed) - {"First contact with the family"}) == [
        "Chase the health visitor",
        "Finish the school attendance plan",
    ]
    assert len(listed) == len(set(listed))
    # One notice for each of their steps, saying what it is (the partner does not sign in: nobody to tell).
    step_notices = sorted(m for m in notices_for(receiver) if "Your next step" in m)
    assert len(step_notices) == 2
    assert step_notices[0].endswith(": Chase the health visitor")
    assert "Kit Marrowby accepted the step-down request" in step_notices[0]
    assert all(history_of(s) == [f"made live with {s.owner} when the request was accepted"] for s in steps)
    assert policy.may_view_family(receiver, transfer.family_id)


# Declined or withdrawn: with the sending lead


def test_after_a_decline_they_stayed_open_with_the_people_who_declined_the_family(app):
    """The failure: after a decline the actions stayed open with the receiving team. Now the sending lead
    holds them, on their own My work, and knows who they were for."""
    transfer, episode, who = a_step_down_with_tasks()
    lead, receiver = who["social_worker"], who["receiver"]
    sent(transfer, who)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=who["eh_manager"], reason="Family moved out of area")
    steps = steps_of(transfer)
    assert {(s.status, s.owner_user_id) for s in steps} == {(NextStepStatus.OPEN, lead.id)}
    assert sorted(s.proposed_owner for s in steps) == [
        "Ellis Pemberwick",
        "Ellis Pemberwick",
        "Jo Fairweather (Family Hub)",
    ]
    assert next_steps.work_list([receiver.id], today(), viewer=receiver).count == 0
    assert sorted(s.what for s in next_steps.work_list([lead.id], today(), viewer=lead).later) == sorted(TASKS)
    partner_step = next(s for s in steps if s.what == "Book the parenting course")
    assert history_of(partner_step) == [
        "returned to Sam Hollowell when the request was declined (proposed for Jo Fairweather (Family Hub))"
    ]
    # The lead closes one with a reason, as any step.
    next_steps.close_undone(
        partner_step, NextStepStatus.CANCELLED, reason="The family found a course themselves", actor=lead, on=today()
    )
    assert partner_step.status == NextStepStatus.CANCELLED
    assert notices_for(receiver) == []


def test_a_withdrawn_request_leaves_its_actions_with_the_sending_lead(app):
    transfer, episode, who = a_step_down_with_tasks()
    lead = who["social_worker"]
    transfers.act(transfer.id, TransferAction.WITHDRAW, actor=lead, reason="The family asked us to wait")
    steps = steps_of(transfer)
    assert {(s.status, s.owner) for s in steps} == {(NextStepStatus.OPEN, "Sam Hollowell")}
    assert all(
        history_of(s) == [f"returned to Sam Hollowell when the request was withdrawn (proposed for {s.proposed_owner})"]
        for s in steps
    )
    moves = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.record_type == "next_step", AuditEvent.action == "returned")
    )
    assert moves == 3


# A follow-up request carries them across


def test_retyping_left_three_duplicate_open_steps(app):
    """The failure: a new request after the decline did not carry the actions, so retyping them left three
    duplicate open steps. Now the follow-up takes the same rows, proposed again for the people they were
    proposed for; a task typed again in the same words is not added twice."""
    transfer, episode, who = a_step_down_with_tasks()
    lead, receiver = who["social_worker"], who["receiver"]
    sent(transfer, who)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=who["eh_manager"], reason="Not yet: try in a month")
    before = {s.id for s in all_steps_of(transfer.family_id)}
    retyped = tasks_for(receiver, whats=("finish the  school attendance plan", "Chase the health visitor", "x"))[:2]
    follow_up = start_step_down(episode, lead, retyped)
    assert follow_up.previous_transfer_id == transfer.id
    after = all_steps_of(transfer.family_id)
    assert {s.id for s in after} == before, "the same rows, no duplicates"
    assert steps_of(transfer) == []
    carried = steps_of(follow_up)
    assert {(s.what, s.status, s.owner, s.proposed_owner) for s in carried} == {
        ("Finish the school attendance plan", NextStepStatus.PROPOSED, "Ellis Pemberwick", ""),
        ("Chase the health visitor", NextStepStatus.PROPOSED, "Ellis Pemberwick", ""),
        ("Book the parenting course", NextStepStatus.PROPOSED, "Jo Fairweather (Family Hub)", ""),
    }
    assert next_steps.work_list([lead.id], today(), viewer=lead).count == 0
    first = next(s for s in carried if s.what == "Chase the health visitor")
    assert history_of(first) == [
        "returned to Sam Hollowell when the request was declined (proposed for Ellis Pemberwick)",
        "carried across to the new request, proposed for Ellis Pemberwick",
    ]
    sent(follow_up, who)
    transfers.act(follow_up.id, TransferAction.ACCEPT, actor=who["eh_manager"], lead=receiver, reason="Yes, now")
    live = steps_of(follow_up)
    assert {(s.status, s.owner) for s in live} == {
        (NextStepStatus.OPEN, "Ellis Pemberwick"),
        (NextStepStatus.OPEN, "Jo Fairweather (Family Hub)"),
    }
    assert before <= {s.id for s in all_steps_of(transfer.family_id)}
    assert len(steps_of(follow_up)) == 3
    assert len([m for m in notices_for(receiver) if "Your next step" in m]) == 2


def test_a_step_the_lead_closed_after_the_decline_is_not_carried_across(app):
    transfer, episode, who = a_step_down_with_tasks()
    lead = who["social_worker"]
    sent(transfer, who)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=who["eh_manager"], reason="Below threshold")
    done = next(s for s in steps_of(transfer) if s.what == "Chase the health visitor")
    next_steps.complete(done, actor=lead, on=today())
    follow_up = start_step_down(episode, lead, [])
    assert sorted(s.what for s in steps_of(follow_up)) == [
        "Book the parenting course",
        "Finish the school attendance plan",
    ]
    assert [(s.what, s.status) for s in steps_of(transfer)] == [("Chase the health visitor", NextStepStatus.DONE)]
    changes = db.session.scalar(select(func.count(NextStepChange.id)).where(NextStepChange.kind == "carried_across"))
    assert changes == 2


def test_a_returned_step_is_not_proposed_again_for_someone_who_has_since_left(app):
    transfer, episode, who = a_step_down_with_tasks()
    lead, receiver = who["social_worker"], who["receiver"]
    transfers.act(transfer.id, TransferAction.WITHDRAW, actor=lead, reason="Wait for the school report")
    receiver.active = False
    db.session.commit()
    follow_up = start_step_down(episode, lead, [])
    owners = {s.what: s.owner for s in steps_of(follow_up)}
    assert owners == {
        "Finish the school attendance plan": "Sam Hollowell",
        "Chase the health visitor": "Sam Hollowell",
        "Book the parenting course": "Jo Fairweather (Family Hub)",
    }
    assert {s.status for s in steps_of(follow_up)} == {NextStepStatus.PROPOSED}


def test_a_proposed_step_cannot_be_marked_done_or_rescheduled_before_the_request_is_accepted(app):
    transfer, episode, who = a_step_down_with_tasks()
    step = steps_of(transfer)[0]
    for change in (
        lambda: next_steps.complete(step, actor=who["social_worker"], on=today()),
        lambda: next_steps.reschedule(
            step, due_on=today() + timedelta(days=30), reason="Later", actor=who["social_worker"], today=today()
        ),
    ):
        with pytest.raises(Refused, match="only proposed: it becomes live when the request is accepted"):
            change()
    assert steps_of(transfer)[0].status == NextStepStatus.PROPOSED
