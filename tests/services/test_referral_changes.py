"""Referrals that can be put right before a decision: amended (with the history of what changed, by whom, when
and why), withdrawn, or marked a duplicate; linked to a recent referral about the family; linked to the service
a family is open to, whose lead is told."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.models import Agency, AuditEvent, LevelOfNeed, Notification, Referral, TimelineEntry
from earlyhelp.models.referrals import ReferralChange, ReferralEpisode
from earlyhelp.services.referrals import (
    ChildInput,
    amend_referral,
    feedback_letter,
    mark_duplicate,
    queue,
    recent_referrals,
    record_referral,
    referral_page,
    withdraw_referral,
)
from tests.factories import make_episode, make_household, make_user, reference
from tests.services.test_referrals import decide, london, referral_received

NOW = london(2026, 11, 17, 11, 0)  # a Tuesday morning


@pytest.fixture(autouse=True)
def still():
    with time_machine.travel(NOW, tick=False):
        yield


def officer(name="Frankie Frontdoor"):
    return make_user("front_door", team_name="Front door", name=name)


def fields_of(referral: Referral, **changes) -> dict:
    """What the amend form would send: the referral as it stands, with `changes`."""
    names = [
        "received_at",
        "agency_id",
        "referrer_name",
        "referrer_role",
        "referrer_phone",
        "referrer_email",
        "level_id",
        "worries",
        "what_has_been_tried",
        "if_nothing_changes",
        "immediate_danger",
        "family_knows",
        "family_agrees",
        "family_agreement_note",
    ]
    return {name: getattr(referral, name) for name in names} | changes


def answers_of(referral: Referral, **by_first_name) -> list[ChildInput]:
    """Each child as the referral has them, or (included, impact, reason) for the first names given."""
    answers = []
    for child in referral.children:
        included, impact, reason = by_first_name.get(
            child.person.first_name, (child.included, child.impact, child.reason_not_included)
        )
        answers.append(ChildInput(child.person_id, included, impact, reason))
    return answers


def amend(referral, *, actor, reason="The referrer rang to correct what they told us.", version=None, **changes):
    children = changes.pop("children", None)
    return amend_referral(
        referral.id,
        fields=fields_of(referral, **changes),
        children=children or answers_of(referral),
        reason=reason,
        version=referral.version if version is None else version,
        actor=actor,
    )


def test_an_amendment_keeps_what_each_field_was_who_changed_it_when_and_why(app):
    frankie = officer()
    family = make_household(children=2)
    referral = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=1))
    second = family.children[1].first_name
    amend(
        referral,
        actor=frankie,
        agency_id=reference(Agency, name="Police").id,
        worries="Officers were called twice this week.",
        children=answers_of(referral, **{second: (False, "", "Lives with his father in Leeds.")}),
    )
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert (referral.agency.name, referral.worries, referral.version) == (
        "Police",
        "Officers were called twice this week.",
        2,
    )
    assert [c.included for c in referral.children] == [True, False]
    [change] = db.session.scalars(select(ReferralChange).where(ReferralChange.referral_id == referral.id)).all()
    assert (change.kind, change.actor_id, change.at, change.reason) == (
        "amended",
        frankie.id,
        NOW,
        "The referrer rang to correct what they told us.",
    )
    child = family.children[1].full_name
    assert change.details == [
        ["Referring agency", "School", "Police"],
        [
            "What they are worried about",
            "Attendance has dropped to 60% and the children arrive hungry.",
            "Officers were called twice this week.",
        ],
        [f"{child}: part of the referral", "Yes", "No"],
        [f"{child}: impact", "Tired and hungry in class", ""],
        [f"{child}: why not part of it", "", "Lives with his father in Leeds."],
    ]
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "amend", AuditEvent.record_id == str(referral.id))
        ).outcome
        == "ok"
    )
    summaries = db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == family.id)).all()
    assert f"Referral amended: Referring agency, What they are worried about, {child}" in summaries


def test_an_earlier_receipt_sets_the_clock_again_and_is_asked_why_it_was_recorded_late(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    earlier = london(2026, 11, 10, 9, 0)
    with pytest.raises(
        Refused, match=r"^Explain why this referral is being recorded 7 days after it happened"
    ) as refused:
        amend(referral, actor=frankie, received_at=earlier)
    assert refused.value.field == "late_recording_reason"
    amend_referral(
        referral.id,
        fields=fields_of(referral, received_at=earlier),
        children=answers_of(referral),
        reason="The school sent it a week ago to the wrong inbox.",
        version=referral.version,
        late_recording_reason="It reached us from the wrong inbox this morning.",
        actor=frankie,
    )
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert (referral.received_at, referral.decision_due_on.isoformat()) == (earlier, "2026-11-11")
    assert referral.receipt_late_recording_reason == "It reached us from the wrong inbox this morning."
    with pytest.raises(Refused, match="it cannot have been received after that") as refused:
        amend(referral, actor=frankie, received_at=NOW - timedelta(minutes=5), version=referral.version)
    assert refused.value.field == "received_on"


def test_an_amendment_needs_a_change_and_a_reason_that_is_a_reason(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    with pytest.raises(Refused, match=r"^Nothing has changed"):
        amend(referral, actor=frankie)
    with pytest.raises(Refused, match=r"^Explain why the referral is being changed in a sentence") as refused:
        amend(referral, actor=frankie, reason="n/a", referrer_name="Pat Head")
    assert refused.value.field == "reason"
    assert db.session.get(Referral, referral.id).referrer_name == "Pat Teacher"
    refusals = db.session.scalars(
        select(AuditEvent.outcome).where(AuditEvent.action == "amend", AuditEvent.record_id == str(referral.id))
    ).all()
    assert refusals == ["refused", "refused"]


def test_an_amendment_from_an_older_copy_is_refused_naming_who_changed_it(app):
    frankie, sasha = officer(), officer("Sasha Second")
    referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    opened = referral.version
    amend(referral, actor=frankie, referrer_name="Pat Head")
    with pytest.raises(Stale, match=r"^Frankie Frontdoor saved this referral on ") as stale:
        amend(referral, actor=sasha, referrer_phone="01632 960111", version=opened)
    assert stale.value.current_version == opened + 1


def test_a_decided_referral_cannot_be_amended_withdrawn_or_marked_a_duplicate(app):
    frankie = officer()
    family = make_household(1)
    first = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=3))
    referral = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=2))
    decide(referral, "information_and_advice", actor=frankie, decided_at=NOW - timedelta(hours=1))
    decided = "^This referral was decided by Frankie Frontdoor on 17 November 2026 at 10:00: it can no longer be"
    with pytest.raises(Refused, match=decided + " amended"):
        amend(referral, actor=frankie, referrer_name="Pat Head")
    with pytest.raises(Refused, match=decided + " withdrawn"):
        withdraw_referral(referral.id, reason="The school sent it by mistake.", actor=frankie)
    with pytest.raises(Refused, match=decided + " marked as a duplicate"):
        mark_duplicate(referral.id, original=first, reason="The same worry sent twice.", actor=frankie)


def test_a_withdrawn_referral_leaves_the_queue_with_its_own_status_and_prints_no_letter(app):
    frankie = officer()
    referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    with pytest.raises(Refused, match=r"^Explain why the referral is being withdrawn in a sentence"):
        withdraw_referral(referral.id, reason="n/a", actor=frankie)
    withdraw_referral(referral.id, reason="The school referred the wrong family.", actor=frankie)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert (referral.status, referral.closed_by_id, referral.closed_at, referral.closed_reason) == (
        "withdrawn",
        frankie.id,
        NOW,
        "The school referred the wrong family.",
    )
    assert referral not in db.session.scalars(queue(frankie)).all()
    assert referral in db.session.scalars(queue(frankie, status="withdrawn")).all()
    with pytest.raises(Refused, match=r"^This referral was withdrawn: there is no decision, so no letter"):
        feedback_letter(referral)
    with pytest.raises(Refused, match=r"^This referral was withdrawn by Frankie Frontdoor"):
        decide(referral, "no_further_action", actor=frankie, decided_at=NOW)
    assert [c.kind for c in referral_page(referral).changes] == ["withdrawn"]


def test_a_duplicate_is_linked_to_the_referral_it_repeats_and_each_shows_the_other(app):
    frankie = officer()
    family = make_household(1)
    original = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=2))
    again = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=1))
    other_family = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
    for wrong in (other_family, again, None):
        with pytest.raises(Refused, match=r"^Select the referral about this family that this one repeats") as refused:
            mark_duplicate(again.id, original=wrong, reason="The same worry sent twice.", actor=frankie)
        assert refused.value.field == "original"
    mark_duplicate(again.id, original=original.id, reason="The school sent the same form twice.", actor=frankie)
    db.session.expire_all()
    again, original = db.session.get(Referral, again.id), db.session.get(Referral, original.id)
    assert (again.status, again.duplicate_of_id) == ("duplicate", original.id)
    assert referral_page(again).linked == [original]
    assert referral_page(original).linked == [again]
    [change] = referral_page(again).changes
    assert change.details == [
        ["Duplicate of", "", f"the referral from School received {clock.moment(original.received_at)}"]
    ]
    with pytest.raises(Refused, match=r"^This referral is a duplicate: the letter is sent for the referral it repeats"):
        feedback_letter(again)
    # A duplicate of a duplicate would send the front door in circles.
    third = referral_received(family, actor=frankie, received_at=NOW - timedelta(minutes=30))
    with pytest.raises(Refused, match=r"^That referral was itself withdrawn or marked as a duplicate"):
        mark_duplicate(third.id, original=again.id, reason="The same worry sent three times.", actor=frankie)


def test_a_new_referral_is_offered_the_referrals_of_the_last_7_days_and_linked_to_the_one_chosen(app):
    frankie = officer()
    family = make_household(1)
    week_old = referral_received(family, actor=frankie, received_at=NOW - timedelta(days=7, minutes=1))
    yesterday = referral_received(family, actor=frankie, received_at=NOW - timedelta(days=1))
    assert recent_referrals(family.id) == [yesterday]
    with pytest.raises(Refused, match=r"^Select a referral from the list") as refused:
        record_referral(
            family,
            fields=referral_fields(),
            children=[ChildInput(c.id, True, "Tired", "") for c in family.children],
            actor=frankie,
            linked_to=week_old.id,
        )
    assert refused.value.field == "linked_to"
    linked = record_referral(
        family,
        fields=referral_fields(),
        children=[ChildInput(c.id, True, "Tired", "") for c in family.children],
        actor=frankie,
        linked_to=yesterday.id,
    )
    assert linked.linked_to_id == yesterday.id
    assert referral_page(linked).linked == [yesterday]
    assert referral_page(yesterday).linked == [linked]


def referral_fields(**changes):
    return {
        "received_at": clock.now() - timedelta(minutes=10),
        "agency_id": reference(Agency, name="School").id,
        "referrer_name": "Pat Teacher",
        "referrer_role": "",
        "referrer_phone": "01632 960000",
        "referrer_email": "",
        "level_id": reference(LevelOfNeed, number=2).id,
        "worries": "Attendance has dropped again.",
        "what_has_been_tried": "A meeting with mum.",
        "if_nothing_changes": "He will fall behind.",
        "immediate_danger": False,
        "family_knows": "yes",
        "family_agrees": "yes",
        "family_agreement_note": "",
    } | changes


def test_a_referral_about_a_family_open_to_early_help_is_linked_to_it_and_its_lead_told(app):
    frankie = officer()
    lead = make_user("practitioner", name="Robin Quillfeather")
    family = make_household(1)
    episode = make_episode(family, lead=lead)
    referral = record_referral(
        family,
        fields=referral_fields(
            agency_id=reference(Agency, name="Police").id, worries="Police were called to the home."
        ),
        children=[ChildInput(c.id, True, "Woken and frightened", "") for c in family.children],
        actor=frankie,
    )
    [link] = db.session.scalars(select(ReferralEpisode).where(ReferralEpisode.referral_id == referral.id)).all()
    assert (link.episode_id, link.lead_told_id) == (episode.id, lead.id)
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == lead.id)).all()
    assert notice.message == (
        f"New referral about {family.reference}, open to Early help with you as lead: from Police, received"
        f" {clock.moment(referral.received_at)}"
    )
    assert notice.family_id == family.id
    summaries = db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == family.id)).all()
    assert "Referral linked to the Early help involvement; Robin Quillfeather told" in summaries
    assert referral_page(referral).episodes == [link]
