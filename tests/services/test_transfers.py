"""Transfers against the real database: no gap, idempotency, lost updates and races on both engines."""

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from earlyhelp.domain.transfers import TransferAction, TransferState, TransitionRefused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, HandoverPlan, Transfer, TransferEvent, User
from earlyhelp.services import families, transfers
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import fresh_database, make_app


def step_up_ready_to_decide(*, family_agrees=True):
    practitioner = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    manager = make_user("team_manager", team_name="Early help team", name="Max Manager")
    receiver = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    episode = make_episode(make_household(children=2), lead=practitioner)
    transfer = make_transfer(episode, actor=practitioner, family_agrees=family_agrees)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=practitioner)
    return transfer, practitioner, manager, receiver, episode


def test_a_step_up_moves_through_every_state_and_records_who_when_and_why(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert transfer.decision_due_on is not None
    assert transfer.decision_due_explanation.startswith("Decision due ")
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=receiver, lead=receiver, reason="We will assess")
    transfer.handover_plan.meeting_held, transfer.handover_plan.meeting_on = True, date(2025, 12, 3)
    transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=receiver)
    db.session.commit()
    events = db.session.scalars(select(TransferEvent).where(TransferEvent.transfer_id == transfer.id)).all()
    assert [(e.action, e.to_state, e.actor.name) for e in events] == [
        ("create", "draft", "Pip Practitioner"),
        ("submit", "awaiting_approval", "Pip Practitioner"),
        ("approve", "sent", "Max Manager"),
        ("accept", "accepted", "Sol Socialworker"),
        ("complete_handover", "handover_complete", "Sol Socialworker"),
    ]
    assert events[3].reason == "We will assess"


def test_no_gap_the_sending_episode_stays_open_until_the_handover_is_complete(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert [e.service.code for e in families.open_episodes(episode.family_id)] == ["early_help"]
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=receiver, lead=receiver)
    db.session.flush()
    open_now = {e.service.code: e.lead_id for e in families.open_episodes(episode.family_id)}
    assert open_now == {"early_help": practitioner.id, "social_care": receiver.id}
    with pytest.raises(TransitionRefused, match="Record that the handover meeting"):
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
    transfers.act(transfer.id, TransferAction.ACCEPT, actor=practitioner, lead=practitioner)
    plan = transfer.handover_plan
    assert plan.meeting_due_explanation.startswith("Handover meeting due ")
    assert "10 working days after acceptance" in plan.meeting_due_explanation


def test_a_declined_request_leaves_the_family_with_the_sender_and_a_new_one_can_follow(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=receiver, reason="Below threshold", advice="Try a TAF")
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
    with pytest.raises(TransitionRefused, match="Authorise going ahead without their agreement"):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    transfers.authorise_override(transfer, actor=manager)
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    assert transfer.state == TransferState.SENT


def test_a_stale_handover_plan_save_is_refused_and_nothing_is_lost(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    seen = transfer.handover_plan.version
    transfers.save_handover_plan(transfer, expected_version=seen, changes={"attendees": "Ann"}, actor=practitioner)
    db.session.commit()
    with pytest.raises(transfers.StaleEdit, match="Pip Practitioner saved this handover plan at"):
        transfers.save_handover_plan(transfer, expected_version=seen, changes={"attendees": "Bob"}, actor=manager)
    db.session.rollback()
    assert db.session.get(HandoverPlan, transfer.handover_plan.id).attendees == "Ann"


# Races need real, separate connections: an app with its own database, on the engine under test.


@pytest.fixture(scope="module")
def race_app():
    with fresh_database("races") as url:
        app = make_app(url)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


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
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
        db.session.commit()
        ids = transfer.id, receiver.id, other.id
        db.session.remove()

    def accept():
        user = db.session.get(User, ids[1])
        return transfers.act(ids[0], TransferAction.ACCEPT, actor=user, lead=user).state

    def decline():
        user = db.session.get(User, ids[2])
        return transfers.act(ids[0], TransferAction.DECLINE, actor=user, reason="Not for us").state

    results = _race(race_app, [accept, decline])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], TransitionRefused)
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
    assert isinstance(next(r for r in results if not isinstance(r, str)), transfers.StaleEdit)
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
    assert any(isinstance(r, int) for r in results)


def test_a_new_request_after_a_declined_one_links_to_it(app):
    transfer, practitioner, manager, receiver, episode = step_up_ready_to_decide()
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    transfers.act(transfer.id, TransferAction.DECLINE, actor=receiver, reason="Below threshold")
    db.session.commit()
    again = make_transfer(episode, actor=practitioner)
    assert again.previous_transfer_id == transfer.id
