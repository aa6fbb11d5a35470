"""Starting and changing a request, through the service: consent as asked, the checklist, outcomes, and edits
that never overwrite someone else's. All names are fictional."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.domain.outcomes import ProposedOutcome
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, TimelineEntry, Transfer, TransferEvent
from earlyhelp.services import transfers
from earlyhelp.services.transfers import requests
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import fresh


def social_worker(name="Kit Marrowby"):
    return make_user("social_worker", team_name="Social care team", name=name)


def step_down(worker=None, **fields):
    worker = worker or social_worker()
    family = make_household(children=2)
    episode = make_episode(family, service_code="social_care", lead=worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team", **fields)
    return transfer, worker


def saved_fields(transfer, **changes) -> dict:
    """What the edit form would post for this request as it is, with `changes`."""
    names = [
        "why_now", "worries", "level_id", "receiving_team_id", "told_family", "told_on", "told_by",
        "family_agreement", "family_words", "not_to_share", "proposed_lead_id",
        "threshold_reviewed", "threshold_reviewed_note", "clear_outcomes", "clear_outcomes_note",
        "outstanding_tasks_listed", "outstanding_tasks_listed_note",
    ]  # fmt: skip
    return {name: getattr(transfer, name) for name in names} | changes


def children_of(transfer):
    return [
        transfers.ChildChoice(c.person_id, c.included, c.reason_not_included, c.child_words) for c in transfer.children
    ]


def outcomes_of(transfer):
    return [ProposedOutcome(o.person_id, o.what_different, o.by_when) for o in transfer.outcomes]


def edit(transfer, actor, *, version=None, outcomes=None, **changes):
    return requests.edit_request(
        transfer,
        expected_version=transfer.version if version is None else version,
        fields=saved_fields(transfer, **changes),
        children=children_of(transfer),
        outcomes=outcomes_of(transfer) if outcomes is None else outcomes,
        actor=actor,
    )


def test_family_told_no_is_never_stored_as_agrees_yes(app):
    transfer, _ = step_down(told_family="no", family_agreement="yes", told_by="Kit", family_words="Yes")
    transfer = fresh(transfer)
    assert (transfer.told_family, transfer.family_agreement, transfer.told_by) == ("no", "not_asked", "")
    assert not transfer.family_agrees


def test_a_step_down_the_family_said_no_to_can_be_saved_as_a_draft_but_not_sent(app):
    transfer, worker = step_down(family_agrees=False)
    assert (transfer.state, transfer.family_agreement) == (TransferState.DRAFT, "no")
    assert transfer.family_words == "Mum said: we do not want anyone else involved."
    with pytest.raises(Refused, match="the family said no"):
        requests.ready_to_send(transfer)


def test_a_step_down_with_a_checklist_no_is_saved_with_its_note_and_not_sent(app):
    transfer, _ = step_down(threshold_reviewed=False, threshold_reviewed_note="Panel meets on Friday.")
    assert (transfer.threshold_reviewed, transfer.threshold_reviewed_note) == (False, "Panel meets on Friday.")
    with pytest.raises(Refused, match="the level of need has not been reviewed against the threshold"):
        requests.ready_to_send(transfer)


def test_a_checklist_no_without_a_note_is_refused(app):
    with pytest.raises(Refused) as refused:
        step_down(outstanding_tasks_listed=False)
    assert refused.value.field == "outstanding_tasks_listed_note"
    assert db.session.scalar(select(func.count(Transfer.id))) == 0


def test_outcomes_are_stored_in_order_for_a_child_or_the_whole_family(app):
    worker = social_worker()
    family = make_household(children=2)
    episode = make_episode(family, service_code="social_care", lead=worker)
    jay = family.children[0]
    later = clock.today() + timedelta(weeks=8)
    transfer = make_transfer(
        episode,
        actor=worker,
        direction="step_down",
        receiving_team="Early help team",
        outcomes=[
            ProposedOutcome(jay.id, "  Goes to school at least 9 days in 10 ", later),
            ProposedOutcome(None, "Meals together at least four evenings a week", later),
        ],
    )
    rows = [(o.position, o.person_id, o.what_different, o.by_when) for o in fresh(transfer).outcomes]
    assert rows == [
        (0, jay.id, "Goes to school at least 9 days in 10", later),
        (1, None, "Meals together at least four evenings a week", later),
    ]
    requests.ready_to_send(fresh(transfer))


def test_a_forged_outcome_child_not_in_the_household_is_refused(app):
    stranger = make_household(children=1).children[0]
    with pytest.raises(Refused) as refused:
        step_down(outcomes=[ProposedOutcome(stranger.id, "Sleeps well", clock.today() + timedelta(days=5))])
    assert refused.value.field == "outcomes-0-person"
    assert db.session.scalar(select(func.count(Transfer.id))) == 0


def test_an_outcome_dated_in_the_past_is_refused(app):
    with pytest.raises(Refused, match="must be in the future"):
        step_down(outcomes=[ProposedOutcome(None, "Sleeps well", clock.today() - timedelta(days=1))])


def test_monitoring_only_is_not_an_outcome(app):
    monitoring = "Early help to monitor school attendance. Monitoring only."
    with pytest.raises(Refused, match=r"Outcome 1: monitoring is not an outcome\. Write what should be different"):
        step_down(outcomes=[ProposedOutcome(None, monitoring, clock.today() + timedelta(days=30))])


def test_a_step_down_with_clear_outcomes_but_none_written_is_refused(app):
    with pytest.raises(Refused, match="at least one outcome"):
        step_down(outcomes=[])
    transfer, _ = step_down(outcomes=[], clear_outcomes=False, clear_outcomes_note="Being agreed with school.")
    with pytest.raises(Refused, match="it has no outcomes"):
        requests.ready_to_send(transfer)


def test_told_yes_with_no_date_or_name_is_refused(app):
    with pytest.raises(Refused) as refused:
        step_down(told_on=None)
    assert refused.value.field == "told_on"
    with pytest.raises(Refused) as refused:
        step_down(told_by="")
    assert refused.value.field == "told_by"


# Changing a draft


def test_an_edit_bumps_the_version_and_is_audited_and_on_the_timeline(app):
    transfer, worker = step_down(family_agrees=False)
    assert transfer.version == 1
    edited = edit(transfer, worker, family_agreement="yes", family_words="Mum said yes, after the meeting.")
    assert (edited.version, edited.family_agreement) == (2, "yes")
    assert edited.family_words == "Mum said yes, after the meeting."
    event = db.session.scalars(select(TransferEvent).where(TransferEvent.action == "edit")).one()
    assert (event.actor_id, event.from_state, event.to_state) == (worker.id, "draft", "draft")
    entries = db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == transfer.family_id))
    assert "Step-down request changed by Kit Marrowby" in list(entries)
    audit = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "transfer", AuditEvent.record_id == str(transfer.id))
    ).all()
    assert "update" in audit
    requests.ready_to_send(fresh(edited))


def test_a_save_over_a_newer_edit_is_refused_saying_who_and_when(app):
    transfer, worker = step_down()
    manager = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    edit(transfer, manager, worries="Jo's newer words.")
    with pytest.raises(Stale) as stale:
        edit(fresh(transfer), worker, version=1, worries="Kit's older words.")
    assert stale.value.message.startswith("Jo Brackenfold saved this request on ")
    assert stale.value.current_version == 2
    assert fresh(transfer).worries == "Jo's newer words."


def test_posting_the_edit_form_twice_saves_once(app):
    transfer, worker = step_down()
    edit(transfer, worker, worries="New worries.")
    again = edit(fresh(transfer), worker, version=1, worries="New worries.")
    assert again.version == 2
    assert db.session.scalar(select(func.count()).where(TransferEvent.action == "edit")) == 1


def test_a_request_sent_meanwhile_can_no_longer_be_edited(app):
    transfer, worker = step_down()
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=worker)
    with pytest.raises(
        Refused, match="This request can no longer be changed: it was sent for approval by Kit Marrowby"
    ):
        edit(fresh(transfer), worker, version=1, worries="Too late.")
    assert fresh(transfer).worries != "Too late."


def test_a_returned_request_gives_the_managers_reason(app):
    transfer, worker = step_down()
    manager = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    assert requests.returned(transfer) is None
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=worker)
    transfers.act(transfer.id, TransferAction.RETURN, actor=manager, reason="Add what the school said about Jay.")
    back = requests.returned(fresh(transfer))
    assert (back.reason, back.by) == ("Add what the school said about Jay.", "Jo Brackenfold")
    edited = edit(fresh(transfer), worker, worries="School says Jay is late most days.")
    assert requests.returned(edited).by == "Jo Brackenfold"  # still shown until it is sent again
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=worker)
    assert fresh(transfer).state == TransferState.AWAITING_APPROVAL


def test_an_edit_keeps_every_child_of_the_household(app):
    transfer, worker = step_down()
    with pytest.raises(Refused, match="Every child in the household"):
        requests.edit_request(
            transfer,
            expected_version=1,
            fields=saved_fields(transfer),
            children=children_of(transfer)[:1],
            outcomes=outcomes_of(transfer),
            actor=worker,
        )


# The demo's requests (services/demo_requests.py)


def test_the_demo_has_a_step_down_the_family_said_no_to_and_one_returned_with_a_reason(app):
    from earlyhelp.services.demo_requests import FAMILY_SAID_NO, RETURN_REASON, seed_requests

    worker = make_user(
        "social_worker", team_name="Social care team", name="Sam Socialworker", email="social.worker@demo.example"
    )
    manager = make_user("team_manager", team_name="Social care team", email="social.care.manager@demo.example")
    practitioner = make_user("practitioner", team_name="Early help team", email="practitioner@demo.example")
    for _ in range(2):
        make_episode(make_household(children=2), service_code="social_care", lead=worker)
    said_no, returned = seed_requests([worker, manager, practitioner])
    said_no, returned = fresh(said_no), fresh(returned)
    assert (said_no.state, said_no.family_agreement, said_no.family_words) == ("draft", "no", FAMILY_SAID_NO)
    with pytest.raises(Refused, match="the family said no"):
        requests.ready_to_send(said_no)
    assert returned.state == TransferState.DRAFT
    assert requests.returned(returned).reason == RETURN_REASON
    requests.ready_to_send(returned)
    assert len(returned.outcomes) == 2


def test_an_override_authorised_before_the_request_was_returned_and_changed_must_be_authorised_again(app):
    practitioner = make_user("practitioner", team_name="Early help team", name="Pip Practitioner")
    manager = make_user("team_manager", team_name="Early help team", name="Max Manager")
    episode = make_episode(make_household(children=2), lead=practitioner)
    transfer = make_transfer(episode, actor=practitioner, family_agrees=False)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=practitioner)
    transfers.authorise_override(transfer, actor=manager, reason="Telling dad would put mum at risk tonight.")
    transfers.act(transfer.id, TransferAction.RETURN, actor=manager, reason="Say what the school saw on Monday.")

    transfer = fresh(transfer)
    edit(transfer, practitioner, worries="The school saw bruising on Monday.", override_reason=transfer.override_reason)

    transfer = fresh(transfer)
    assert (transfer.override_authorised_at, transfer.override_authorised_by_id) == (None, None)
    assert transfer.override_authorisation_reason == ""
    entries = list(
        db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == episode.family_id))
    )
    assert any(
        entry.startswith("Step-up request changed by Pip Practitioner: going ahead without the family's agreement,")
        and "authorised by Max Manager on" in entry
        and entry.endswith("must be authorised again")
        for entry in entries
    )
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=practitioner)
    with pytest.raises(Refused, match="Authorise going ahead without their agreement"):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)


def test_a_changed_request_that_was_never_authorised_says_only_that_it_changed(app):
    transfer, worker = step_down()
    edit(transfer, worker, worries="New worries.")
    entries = list(
        db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == transfer.family_id))
    )
    assert "Step-down request changed by Kit Marrowby" in entries
