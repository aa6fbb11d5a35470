"""Every pair in the date rule table (earlyhelp/domain/dates.py), tried out of order through the use case that
records it, on the engine under test: each is refused on its own field, naming both dates, and nothing is
saved. A rule added to the table without a scenario here fails `test_every_rule_in_the_table_is_walked`.
"""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.dates import RULES
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import DecisionOutcome, LevelOfNeed, NextStepStatus, Person
from earlyhelp.services import families, next_steps, referrals, transfers
from tests.factories import (
    known_to,
    make_episode,
    make_household,
    make_next_step,
    make_referral,
    make_transfer,
    make_user,
)

# A Wednesday morning in London: the clock stands here for every scenario.
NOW = clock.at_london(date(2026, 11, 18), time(10, 30))


def _decided_referral():
    officer = make_user("front_door", team_name="Front door")
    referral = make_referral(make_household(children=1), actor=officer, received_at=NOW - timedelta(hours=2))
    referrals.decide_referral(
        referral.id,
        outcome=db.session.scalar(select(DecisionOutcome).where(DecisionOutcome.code == "information_and_advice")),
        decided_level=db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 2)),
        rationale="Advice about attendance support is enough for now.",
        decided_at=NOW - timedelta(hours=1),
        late_reason="",
        lead=None,
        actor=officer,
    )
    return referral, officer


def referral_decided():
    officer = make_user("front_door", team_name="Front door")
    referral = make_referral(make_household(children=1), actor=officer, received_at=NOW - timedelta(hours=1))
    earlier = NOW - timedelta(hours=3)

    def act():
        referrals.decide_referral(
            referral.id,
            outcome=db.session.scalar(select(DecisionOutcome).where(DecisionOutcome.code == "information_and_advice")),
            decided_level=db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 2)),
            rationale="Advice about attendance support is enough for now.",
            decided_at=earlier,
            late_reason="",
            lead=None,
            actor=officer,
        )

    return act, referral.received_at, earlier, lambda: db.session.get(type(referral), referral.id).decided_at is None


def referral_feedback():
    referral, officer = _decided_referral()
    told_on = clock.local_date(NOW) - timedelta(days=1)

    def act():
        referrals.record_feedback(referral, method="phone", told_on=told_on, actor=officer)

    return act, clock.local_date(referral.decided_at), told_on, lambda: _fresh(referral).fed_back_on is None


def next_step_done():
    step = make_next_step(make_user())
    yesterday = clock.local_date(NOW) - timedelta(days=1)
    return (
        lambda: next_steps.complete(step, actor=step.owner_user, on=yesterday),
        clock.local_date(step.created_at),
        yesterday,
        lambda: _fresh(step).status == NextStepStatus.OPEN,
    )


def next_step_closed():
    step = make_next_step(make_user())
    yesterday = clock.local_date(NOW) - timedelta(days=1)
    return (
        lambda: next_steps.close_undone(
            step,
            NextStepStatus.CANCELLED,
            reason="The family moved out of the area.",
            actor=step.owner_user,
            on=yesterday,
        ),
        clock.local_date(step.created_at),
        yesterday,
        lambda: _fresh(step).status == NextStepStatus.OPEN,
    )


def handover_meeting():
    """Made three days ago, sent for approval and approved (sent) an hour ago: a meeting yesterday, after the
    request was made but before it was sent, is refused, naming when it was sent."""
    lead = make_user("practitioner", team_name="Early help team")
    manager = make_user("team_manager", team_name="Early help team")
    episode = make_episode(make_household(children=1), lead=lead)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        transfer = make_transfer(episode, actor=lead)
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead)
    sent_at = NOW - timedelta(hours=1)
    with time_machine.travel(sent_at, tick=False):
        transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    day_before = clock.local_date(NOW) - timedelta(days=1)
    plan = transfer.handover_plan

    def act():
        transfers.save_handover_plan(
            transfer, expected_version=_fresh(plan).version, changes={"meeting_on": day_before}, actor=lead
        )

    return act, sent_at, day_before, lambda: _fresh(plan).meeting_on is None


def handover_meeting_unsent():
    """A draft made yesterday: a meeting the day before it was made is refused, naming when it was made."""
    lead = make_user("practitioner", team_name="Early help team")
    episode = make_episode(make_household(children=1), lead=lead)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        transfer = make_transfer(episode, actor=lead)
    two_days_ago = clock.local_date(NOW) - timedelta(days=2)
    plan = transfer.handover_plan

    def act():
        transfers.save_handover_plan(
            transfer, expected_version=_fresh(plan).version, changes={"meeting_on": two_days_ago}, actor=lead
        )

    return act, transfer.created_at, two_days_ago, lambda: _fresh(plan).meeting_on is None


def member_left():
    actor = make_user()
    family = make_household(children=2)
    known_to(family, actor)
    child = family.children[0]
    before_birth = child.date_of_birth - timedelta(days=1)

    def act():
        families.record_leaving(
            child,
            left_on=before_birth,
            reason="Moved to live with her father.",
            expected_version=child.version,
            actor=actor,
            late_reason="Only heard about it at the review meeting.",
        )

    return act, child.date_of_birth, before_birth, lambda: db.session.get(Person, child.id).left_on is None


def member_joined():
    actor = make_user()
    family = make_household(children=1)
    known_to(family, actor)
    born = date(2015, 3, 2)
    joined = born - timedelta(days=30)

    def act():
        families.add_person(
            family,
            families.MemberInput(
                first_name="Wren",
                last_name="Testperson",
                date_of_birth=born,
                relationship_to_child="Cousin",
                is_child=True,
                joined_on=joined,
            ),
            actor=actor,
            late_reason="Only heard about it at the review meeting.",
        )

    return act, born, joined, lambda: not any(member.first_name == "Wren" for member in _fresh(family).members)


def member_left_after_joining():
    actor = make_user()
    family = make_household(children=2)
    known_to(family, actor)
    child = family.children[0]
    child.joined_on = clock.local_date(NOW) - timedelta(days=10)
    left = child.joined_on - timedelta(days=3)

    def act():
        families.record_leaving(
            child,
            left_on=left,
            reason="Moved to live with her father.",
            expected_version=child.version,
            actor=actor,
            late_reason="Only heard about it at the review meeting.",
        )

    return act, child.joined_on, left, lambda: db.session.get(Person, child.id).left_on is None


def case_note_about_child():
    from earlyhelp.models.case_notes import CaseNote, CaseNoteType
    from earlyhelp.services import case_notes

    actor = make_user()
    family = make_household(children=1)
    known_to(family, actor)
    baby = family.children[0]
    baby.date_of_birth = clock.local_date(NOW) - timedelta(days=2)
    before_birth = NOW - timedelta(days=5)

    def act():
        case_notes.add_case_note(
            family,
            case_notes.NoteInput(
                happened_at=before_birth,
                type_id=db.session.scalar(select(CaseNoteType.id).limit(1)),
                who_was_involved="Mum and the health visitor",
                text="Home visit: the baby was asleep in the cot.",
                significant=False,
                child_ids=(baby.id,),
                late_recording_reason="Typed up after a week of leave.",
            ),
            actor=actor,
        )

    none_saved = lambda: db.session.scalar(select(CaseNote.id).where(CaseNote.family_id == family.id)) is None  # noqa: E731
    return act, baby.date_of_birth, before_birth, none_saved


SCENARIOS = {
    "referral_decided": referral_decided,
    "referral_feedback": referral_feedback,
    "next_step_done": next_step_done,
    "next_step_closed": next_step_closed,
    "handover_meeting": handover_meeting,
    "handover_meeting_unsent": handover_meeting_unsent,
    "member_left": member_left,
    "case_note_about_child": case_note_about_child,
    "member_joined": member_joined,
    "member_left_after_joining": member_left_after_joining,
}


def _fresh(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def _shown(value):
    return clock.moment(value) if isinstance(value, datetime) else clock.day(value)


def test_every_rule_in_the_table_is_walked():
    assert set(SCENARIOS) == set(RULES)


@pytest.mark.parametrize("key", sorted(RULES))
def test_each_date_pair_out_of_order_is_refused_naming_both_dates(app, key):
    if key not in SCENARIOS:
        pytest.fail(f"No scenario walks the date rule {key!r}")
    rule = RULES[key]
    with time_machine.travel(NOW, tick=False):
        act, earlier, later, nothing_saved = SCENARIOS[key]()
        db.session.commit()
        with pytest.raises(Refused) as refused:
            act()
    both_days = not (isinstance(earlier, datetime) and isinstance(later, datetime))
    shown = (clock.day(earlier), clock.day(later)) if both_days else (_shown(earlier), _shown(later))
    assert refused.value.field == rule.field
    # Said of the one it is about where there are several ("Poppy Smith: the date it happened ..."), or alone.
    said = f"{rule.later} ({shown[1]}) cannot be before {rule.earlier} ({shown[0]})"
    assert refused.value.message == said or refused.value.message.endswith(f": {said[0].lower()}{said[1:]}")
    assert nothing_saved()


def test_an_event_on_the_same_day_or_moment_as_what_it_depends_on_is_in_order(app):
    with time_machine.travel(NOW, tick=False):
        step = make_next_step(make_user())
        next_steps.complete(step, actor=step.owner_user, on=clock.local_date(NOW))
    assert _fresh(step).status == NextStepStatus.DONE
