"""Recording that the referrer was told the decision, posted twice (a double click, Back and save, two officers,
two posts at the same moment): one record of feedback, one timeline entry, a clear message, never a 500. All
names are fictional."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import Referral, TimelineEntry
from tests.factories import make_household
from tests.helpers import app_on_fresh_database, date_parts, error_messages, soup_of, text_of
from tests.services.test_referrals import decide, referral_received
from tests.test_races import at_once, poster, statuses
from tests.views.test_referral_changes import NOW, signed_in_officer

TOLD = {"method": "phone", "fed_back_on": date_parts(NOW.date())}


def decided_referral(officer) -> Referral:
    referral = referral_received(make_household(1), actor=officer, received_at=NOW - timedelta(hours=3))
    decide(referral, "information_and_advice", actor=officer, decided_at=NOW - timedelta(hours=2))
    return referral


def told_entries(family_id: int) -> int:
    return db.session.scalar(
        select(func.count(TimelineEntry.id)).where(
            TimelineEntry.family_id == family_id, TimelineEntry.summary.startswith("Referrer told of the decision")
        )
    )


@time_machine.travel(NOW, tick=False)
def test_feedback_posted_twice_is_one_record_and_the_second_post_says_it_was_already_recorded(client):
    officer = signed_in_officer(client)
    referral = decided_referral(officer)
    assert client.post("referrals.record_feedback", TOLD, referral_id=referral.id).status_code == 302
    again = client.post("referrals.record_feedback", TOLD | {"method": "email"}, referral_id=referral.id)
    assert again.status_code == 200
    soup = soup_of(again)
    assert error_messages(soup) == ["The referrer was already told, on 17 November 2026"]
    assert text_of(soup, "#feedback-status").startswith("Phone call, Tue 17 Nov 2026"), "the first is kept"
    db.session.expire_all()
    saved = db.session.get(Referral, referral.id)
    assert (saved.feedback_method, saved.fed_back_on, saved.feedback_by_id) == ("phone", NOW.date(), officer.id)
    assert told_entries(referral.family_id) == 1


@pytest.fixture(scope="module")
def feedback_app():
    with app_on_fresh_database("feedback_twice") as app:
        yield app


def test_two_posts_of_the_feedback_at_the_same_moment_make_one_record_and_no_500(feedback_app):
    with time_machine.travel(NOW, tick=False):
        with feedback_app.app_context():
            from tests.factories import make_user

            frankie = make_user("front_door", team_name="Front door", name="Frankie Frontdoor")
            sasha = make_user("front_door", team_name="Front door", name="Sasha Second")
            referral = decided_referral(frankie)
            db.session.commit()
            ids = frankie.id, sasha.id, referral.id, referral.family_id
            db.session.remove()
        results = at_once(
            feedback_app,
            [
                poster(feedback_app, ids[0], "referrals.record_feedback", TOLD, referral_id=ids[2]),
                poster(
                    feedback_app, ids[1], "referrals.record_feedback", TOLD | {"method": "email"}, referral_id=ids[2]
                ),
            ],
        )
        assert statuses(results) == [200, 302], "one recorded, the other told it already was; never a 500"
        refused = next(r for r in results if r.status_code == 200)
        assert error_messages(soup_of(refused)) == ["The referrer was already told, on 17 November 2026"]
        with feedback_app.app_context():
            saved = db.session.get(Referral, ids[2])
            winner = next(r for r in results if r.status_code == 302)
            assert saved.feedback_method == ("phone" if winner is results[0] else "email")
            assert told_entries(ids[3]) == 1
            db.session.remove()
