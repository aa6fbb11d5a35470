"""Transfers against the real database: no gap, idempotency, lost updates and races on both engines."""

import threading
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from earlyhelp.clock import LONDON
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.domain.transfers import Direction, TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Episode, HandoverPlan, NextStep, Transfer, TransferEvent, User
from earlyhelp.services import families, transfers
from earlyhelp.services.next_steps import NextStepInput
from tests.factories import make_episode, make_household, make_transfer, make_user, team
from tests.helpers import app_on_fresh_database, counting_statements


def step_up_ready_to_decide(*, family_agrees=True):
    """A step-up awaiting approval. `receiver` is the social worker to be named lead; a team manager of the
    receiving team (`decider`) accepts or declines."""
    practitioner = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    manager = make_user("team_manager", team_name="Early help team", name="Max Manager")
    receiver = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    episode = make_episode(make_household(children=2), lead=practitioner)
    transfer = make_transfer(episode, actor=practitioner, family_agrees=family_agrees)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=practitioner)
    return transfer, practitioner, manager, receiver, episode


def decider(team_name="Social care team", name="Dee Decider"):
    """The receiving team's manager, who accepts or declines (one per test database)."""
    existing = db.session.scalar(select(User).where(User.name == name))
    return existing or make_user("team_manager", team_name=team_name, name=name)


def test_a_step_up_moves_through_every_state_and_records_who_when_and_why(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert transfer.decision_due_on is not None
    assert transfer.decision_due_explanation.startswith("Decision due ")
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider(), lead=receiver, reason="We will assess")
    transfer.handover_plan.meeting_held, transfer.handover_plan.meeting_on = True, date(2025, 12, 3)
    transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=receiver)
    db.session.commit()
    events = db.session.scalars(
        select(TransferEvent).where(TransferEvent.transfer_id == transfer.id).order_by(TransferEvent.id)
    ).all()
    assert [(e.action, e.to_state, e.actor.name) for e in events] == [
        ("create", "draft", "Pip Practitioner"),
        ("submit", "awaiting_approval", "Pip Practitioner"),
        ("approve", "sent", "Max Manager"),
        ("accept", "accepted", "Dee Decider"),
        ("complete_handover", "handover_complete", "Sol Socialworker"),
    ]
    assert events[3].reason == "We will assess"


def test_no_gap_the_sending_episode_stays_open_until_the_handover_is_complete(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert [e.service.code for e in families.open_episodes(episode.family_id)] == ["early_help"]
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider(), lead=receiver)
    db.session.flush()
    open_now = {e.service.code: e.lead_id for e in families.open_episodes(episode.family_id)}
    assert open_now == {"early_help": practitioner.id, "social_care": receiver.id}
    with pytest.raises(Refused, match="Record that the handover meeting"):
        transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=receiver)
    transfer.handover_plan.meeting_held = True
    transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=receiver)
    db.session.flush()
    assert {e.service.code: e.lead_id for e in families.open_episodes(episode.family_id)} == {
        "social_care": receiver.id
    }
    assert db.session.get(Episode, episode.id).closure_reason == "Step-up to Children's social care: handover complete"


def test_a_step_down_acceptance_starts_the_handover_meeting_clock(app):
    social_worker = make_user("social_worker", team_name="Social care team")
    manager = make_user("team_manager", team_name="Social care team")
    practitioner = make_user("practitioner", team_name="Early help team")
    episode = make_episode(make_household(children=1), service_code="social_care", lead=social_worker)
    transfer = make_transfer(episode, actor=social_worker, direction="step_down", receiving_team="Early help team")
    for action, actor in [(TransferAction.SUBMIT, social_worker), (TransferAction.APPROVE, manager)]:
        transfers.act(transfer.id, action, actor=actor)
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider("Early help team"), lead=practitioner)
    plan = transfer.handover_plan
    assert plan.meeting_due_explanation.startswith("Handover meeting due ")
    assert "10 working days after acceptance" in plan.meeting_due_explanation


def test_a_declined_request_leaves_the_family_with_the_sender_and_a_new_one_can_follow(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=decider(), reason="Below threshold", advice="Try a TAF")
    assert [e.service.code for e in families.open_episodes(episode.family_id)] == ["early_help"]
    assert transfer.state == TransferState.DECLINED


def test_the_same_submission_key_makes_one_transfer(app):
    practitioner = make_user("practitioner", team_name="Early help team")
    episode = make_episode(make_household(children=1), lead=practitioner)
    first = make_transfer(episode, actor=practitioner, submission_key="same-key")
    second = make_transfer(episode, actor=practitioner, submission_key="same-key")
    assert first.id == second.id
    assert db.session.scalar(select(db.func.count(Transfer.id)).where(Transfer.family_id == episode.family_id)) == 1


def test_an_override_must_be_authorised_by_another_manager_before_approval(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide(family_agrees=False)
    with pytest.raises(Refused, match="Authorise going ahead without their agreement"):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    with pytest.raises(Refused, match=r"^Explain why the request should go ahead without the family's agreement$"):
        transfers.authorise_override(transfer, actor=manager)
    transfers.authorise_override(transfer, actor=manager, reason="Telling dad would put mum at risk tonight.")
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert transfer.state == TransferState.SENT


def test_a_stale_handover_plan_save_is_refused_and_nothing_is_lost(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    seen = transfer.handover_plan.version
    transfers.save_handover_plan(transfer, expected_version=seen, changes={"attendees": "Ann"}, actor=practitioner)
    db.session.commit()
    with pytest.raises(Stale, match="Pip Practitioner saved this handover plan on") as stale:
        transfers.save_handover_plan(transfer, expected_version=seen, changes={"attendees": "Bob"}, actor=manager)
    assert stale.value.current_version == seen + 1
    assert db.session.get(HandoverPlan, transfer.handover_plan.id).attendees == "Ann"


# Races need real, separate connections: an app with its own database, on the engine under test.


@pytest.fixture(scope="module")
def race_app():
    with app_on_fresh_database("races") as app:
        yield app


def _race(app, jobs):
    """Run each job in its own thread and app context at the same moment; collect what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
                db.session.commit()
            except Exception as error:  # the loser's error is the result under test
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_people_deciding_the_same_request_at_once_exactly_one_wins(race_app):
    with race_app.app_context():
        transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
        other = make_user("team_manager", team_name="Social care team", name="Other Decider")
        first = make_user("team_manager", team_name="Social care team", name="First Decider")
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
        db.session.commit()
        ids = transfer.id, first.id, other.id, receiver.id
        db.session.remove()

    def accept():
        user = db.session.get(User, ids[1])
        return transfers.act(ids[0], TransferAction.ACCEPT, actor=user, lead=ids[3]).state

    def decline():
        user = db.session.get(User, ids[2])
        return transfers.act(ids[0], TransferAction.DECLINE, actor=user, reason="Not for us").state

    results = _race(race_app, [accept, decline])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Refused)
    assert str(losers[0]).startswith(f"This request was {'accepted' if winners[0] == 'accepted' else 'declined'} by")
    with race_app.app_context():
        assert db.session.get(Transfer, ids[0]).state == winners[0]
        events = db.session.scalars(select(TransferEvent.action).where(TransferEvent.transfer_id == ids[0])).all()
        assert events.count("accept") + events.count("decline") == 1


def test_two_saves_of_the_same_handover_plan_at_once_never_lose_an_update(race_app):
    with race_app.app_context():
        transfer, practitioner, manager, *_ = step_up_ready_to_decide()
        db.session.commit()
        transfer_id, version, people = transfer.id, transfer.handover_plan.version, (practitioner.id, manager.id)
        db.session.remove()

    def save(user_id, text):
        def job():
            transfer = db.session.get(Transfer, transfer_id)
            user = db.session.get(User, user_id)
            return transfers.save_handover_plan(
                transfer, expected_version=version, changes={"attendees": text}, actor=user
            ).attendees

        return job

    results = _race(race_app, [save(people[0], "From Pip"), save(people[1], "From Max")])
    saved = [r for r in results if isinstance(r, str)]
    assert len(saved) == 1
    assert isinstance(next(r for r in results if not isinstance(r, str)), Stale)
    with race_app.app_context():
        plan = db.session.scalar(select(HandoverPlan).where(HandoverPlan.transfer_id == transfer_id))
        assert (plan.attendees, plan.version) == (saved[0], version + 1)


def test_a_double_click_posting_the_same_request_twice_at_once_creates_one_transfer(race_app):
    with race_app.app_context():
        practitioner = make_user("practitioner", team_name="Early help team")
        episode = make_episode(make_household(children=1), lead=practitioner)
        ids = practitioner.id, episode.id
        db.session.remove()
    key = uuid.uuid4().hex

    def start():
        episode = db.session.get(Episode, ids[1])
        return make_transfer(episode, actor=db.session.get(User, ids[0]), submission_key=key).id

    results = _race(race_app, [start, start])
    with race_app.app_context():
        count = db.session.scalar(select(db.func.count(Transfer.id)).where(Transfer.submission_key == key))
    assert count == 1
    # Both people are taken to the one request: the slower finds the faster's, however close they were.
    assert isinstance(results[0], int) and results[0] == results[1], results


def test_a_new_request_after_a_declined_one_links_to_it(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=decider(), reason="Below threshold")
    db.session.commit()
    again = make_transfer(episode, actor=practitioner)
    assert again.previous_transfer_id == transfer.id


def test_accepting_names_only_an_active_member_of_the_receiving_team_as_lead(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    left = make_user("social_worker", team_name="Social care team", name="Lee Leftlastyear", active=False)
    for lead in (10**30, None, 0):
        with pytest.raises(Refused, match=r"^Select the lead who will take the case$") as refused:
            transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider(), lead=lead)
        assert refused.value.field == "lead"
    # A forged post naming someone else is refused, never silently ignored.
    for lead in (practitioner, left, left.id, decider()):
        with pytest.raises(Refused, match=r"^Select a practitioner or social worker of Social care team$") as refused:
            transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider(), lead=lead)
        assert refused.value.field == "lead"
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=decider(), lead=receiver.id)
    assert db.session.get(Transfer, transfer.id).receiving_lead_id == receiver.id


def test_a_refused_action_is_audited_under_its_own_name(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    with pytest.raises(Refused):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=practitioner)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.outcome == "refused"))
    assert (event.action, event.record_type, event.record_id, event.family_id, event.user_id) == (
        "approve",
        "transfer",
        str(transfer.id),
        transfer.family_id,
        practitioner.id,
    )
    assert db.session.get(Transfer, transfer.id).state == TransferState.AWAITING_APPROVAL


def test_a_request_cannot_start_from_an_ended_episode_or_beside_an_open_one(app):
    practitioner = make_user("practitioner", team_name="Early help team")
    episode = make_episode(make_household(children=1), lead=practitioner)
    make_transfer(episode, actor=practitioner)
    with pytest.raises(Refused, match="A step-up request for this family is already open"):
        make_transfer(episode, actor=practitioner)
    ended = make_episode(make_household(children=1), lead=practitioner, ended_on=date(2025, 10, 1))
    with pytest.raises(Refused, match="This involvement has ended"):
        transfers.check_start(ended, Direction.STEP_UP)


def test_the_handover_plan_of_a_closed_request_takes_no_next_step(app):
    transfer, practitioner, *_ = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.WITHDRAW, actor=practitioner, reason="Moved away")
    step = NextStepInput(what="Ring school", owner_kind="user", owner_user_id=practitioner.id, due_on=date(2099, 1, 1))
    with pytest.raises(Refused, match="This request is withdrawn: its handover plan is closed"):
        transfers.add_handover_step(transfer, step, actor=practitioner)
    assert db.session.scalar(select(db.func.count(NextStep.id)).where(NextStep.family_id == transfer.family_id)) == 0


def test_a_meeting_held_is_not_dated_after_today(app, time_machine):
    time_machine.move_to(datetime(2028, 2, 29, 9, 0, tzinfo=LONDON), tick=False)
    transfer, practitioner, *_ = step_up_ready_to_decide()
    version = transfer.handover_plan.version
    changes = {"meeting_held": True, "meeting_on": date(2028, 3, 1)}
    with pytest.raises(Refused, match="cannot have a date in the future") as refused:
        transfers.save_handover_plan(transfer, expected_version=version, changes=changes, actor=practitioner)
    assert refused.value.field == "meeting_on"
    changes["meeting_on"] = date(2028, 2, 29)
    assert transfers.save_handover_plan(transfer, expected_version=version, changes=changes, actor=practitioner)


def test_the_counts_of_all_four_lists_are_one_statement(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    assert manager.role.code == "team_manager"  # loaded now, so that only the counting is counted
    with counting_statements() as count:
        counts = transfers.queue_counts(manager)
    assert counts == {"decide": 0, "approve": 1, "mine": 0, "handover": 0}
    assert count() == 1
    assert transfers.queue_counts(practitioner) == {"decide": 0, "approve": 0, "mine": 1, "handover": 0}


# A reason is a reason, in the use case as well as the form (issue 11, part 9)


def _start_with(episode, lead, *, children, **fields):
    from earlyhelp import clock
    from earlyhelp.models import LevelOfNeed
    from tests.factories import reference

    values = {
        "worries": "Mum's drinking has increased and the children are left alone at night.",
        "level_id": reference(LevelOfNeed, number=3).id,
        "receiving_team_id": team("Social care team").id,
        "told_family": "yes",
        "told_on": clock.today(),
        "told_by": "Pip Practitioner",
        "family_agreement": "yes",
        "not_to_share": "",
        "what_has_changed": "Police were called twice this week.",
        "immediate_danger": False,
        "override_reason": "",
    }
    return transfers.start(
        episode,
        direction=Direction.STEP_UP,
        submission_key=uuid.uuid4().hex,
        fields=values | fields,
        children=children,
        outstanding=[],
        actor=lead,
    )


def test_a_child_left_out_of_a_request_with_n_a_is_refused_naming_the_child_on_their_row(app):
    lead = make_user("practitioner", team_name="Early help team")
    family = make_household(children=2)
    episode = make_episode(family, lead=lead)
    first, second = family.children
    with pytest.raises(Refused) as refused:
        _start_with(
            episode,
            lead,
            children=[
                transfers.ChildChoice(person_id=first.id, included=True),
                transfers.ChildChoice(person_id=second.id, included=False, reason_not_included="n/a"),
            ],
        )
    assert refused.value.field == "children-1-reason_not_included"
    assert refused.value.message.startswith(f"Explain why {second.first_name} is not part of the request in a sentence")
    assert db.session.scalar(select(func.count(Transfer.id))) == 0


def test_going_ahead_without_agreement_needs_a_real_safeguarding_reason(app):
    lead = make_user("practitioner", team_name="Early help team")
    family = make_household(children=1)
    episode = make_episode(family, lead=lead)
    children = [transfers.ChildChoice(person_id=family.children[0].id, included=True)]
    with pytest.raises(Refused) as refused:
        _start_with(
            episode,
            lead,
            children=children,
            family_agreement="no",
            family_words="We do not want social care involved.",
            override_reason="see above",
        )
    assert refused.value.field == "override_reason"
    assert refused.value.message.startswith(
        "Explain the safeguarding reason for going ahead without the family's agreement in a sentence"
    )
