"""The demo's front door (earlyhelp/services/demo_referrals.py): every state a referral can be in, each step
written down as it happened, through the same use cases people use."""

import random
from datetime import datetime

import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import Notification, Referral, TimelineEntry, User
from earlyhelp.models.referrals import ReferralChange, ReferralEpisode
from earlyhelp.services import demo_referrals
from earlyhelp.services.referrals import decision_clock
from tests.factories import make_household, make_user

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=LONDON)  # a Tuesday afternoon


def demo_people():
    return [
        make_user("front_door", team_name="Front door", email="front.door@northshire.example", name="Frankie"),
        make_user("practitioner", team_name="Early help team", email="practitioner@northshire.example", name="Robin"),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_demo_history_has_every_way_a_referral_is_put_right_and_a_decision_checked(app):
    accounts = demo_people()
    for _ in range(3):
        make_household(children=2)
    made = demo_referrals.seed_referral_history(accounts, password="a demo passphrase for tests")
    referral = {name: db.session.get(Referral, referral_id) for name, referral_id in made.items()}
    assert referral["amended"].status == "awaiting_decision"
    assert [
        c.kind for c in db.session.scalars(select(ReferralChange).where(ReferralChange.referral_id == made["amended"]))
    ] == ["amended"]
    assert (referral["withdrawn"].status, referral["duplicate"].status) == ("withdrawn", "duplicate")
    assert referral["duplicate"].duplicate_of_id == referral["duplicate"].linked_to_id == made["duplicated"]
    assert referral["pending_sign_off"].status == "pending_sign_off"
    late = referral["recorded_late"]
    assert late.decision_late_recording_reason.startswith("Decided at the daily meeting")
    assert decision_clock(late).summary == "Done on time"
    police = referral["police_open_to_early_help"]
    [link] = db.session.scalars(select(ReferralEpisode).where(ReferralEpisode.referral_id == police.id)).all()
    robin = accounts[1]
    assert link.lead_told_id == robin.id
    assert db.session.scalar(
        select(Notification).where(Notification.user_id == robin.id, Notification.kind == "referral_about_your_family")
    )
    manager = User.by_email("front.door.manager@northshire.example")
    assert manager.check_password("a demo passphrase for tests")
    assert db.session.scalar(
        select(Notification).where(Notification.user_id == manager.id, Notification.kind == "sign_off_needed")
    )
    # Only what was written down late on purpose has a reason (demo.py then marks the rest of its months of
    # history as written down when it happened).
    with_reasons = select(TimelineEntry.summary).where(TimelineEntry.late_recording_reason != "")
    assert db.session.scalars(with_reasons).all() == ["Referral decided: Information and advice"]


@time_machine.travel(NOW, tick=False)
def test_the_demo_front_door_history_is_written_down_as_it_happened_and_decided_at_levels_that_fit(app):
    frankie, robin = demo_people()
    families = [make_household(children=1) for _ in range(10)]
    users = {"front_door": frankie}
    demo_referrals.front_door_history(
        families, users, [robin], [make_user("social_worker", team_name="Social care team")], random.Random(3)
    )
    referrals = db.session.scalars(select(Referral)).all()
    assert len(referrals) == 8
    assert {r.status for r in referrals} == {"awaiting_decision", "decided"}
    assert all(r.created_at == r.received_at for r in referrals)
    assert all(r.decision_recorded_at == r.decided_at for r in referrals if r.decided_at)
    assert not db.session.scalar(select(TimelineEntry.id).where(TimelineEntry.late_recording_reason != ""))
