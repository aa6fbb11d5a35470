"""Two front door officers amend the same referral: the second to save is told who changed what, keeps what they
typed, sees every other field and each child's answers as saved now, and saving again keeps both officers'
changes. All names are fictional."""

from datetime import timedelta

import time_machine

from earlyhelp.extensions import db
from earlyhelp.models import Referral
from tests.factories import make_household
from tests.helpers import TestClient, error_messages, soup_of
from tests.services.test_referrals import referral_received
from tests.views.test_referral_changes import NOW, amendment, signed_in_officer


def saved(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


@time_machine.travel(NOW, tick=False)
def test_a_stale_amendment_keeps_the_officers_typing_and_shows_the_others_fields_and_child_rows_as_saved_now(app):
    first, second = TestClient(app), TestClient(app)
    frankie = signed_in_officer(first)
    signed_in_officer(second, "Sasha Second")
    family = make_household(2)
    one, two = family.children
    referral = referral_received(family, actor=frankie, received_at=NOW - timedelta(hours=1))
    page_one, page_two = (client.page("referrals.amend", referral_id=referral.id) for client in (first, second))
    frankies = amendment(
        page_one,
        referrer_name="Pat Head",
        **{"children-0-impact": f"{one.first_name} is missing meals and falling asleep in class."},
        reason="The school rang with more about the children.",
    )
    assert first.post("referrals.amend", frankies, referral_id=referral.id).status_code == 302

    sashas = amendment(
        page_two,
        referrer_phone="01632 960222",
        **{
            "children-1-included": "no",
            "children-1-impact": "",
            "children-1-reason_not_included": f"{two.first_name} lives with their grandmother in another county.",
        },
        reason="The referrer gave a new phone number and more about the children.",
    )
    refused = second.post("referrals.amend", sashas, referral_id=referral.id)
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Frankie Frontdoor saved this referral on 17 November 2026 at 11:00, after you opened"), (
        message
    )
    assert f"they changed the referrer's name and what it says about {one.full_name}." in message, message
    # Sasha's own typing is kept, the reason too ...
    shown = amendment(soup)
    assert shown["referrer_phone"] == "01632 960222"
    assert (shown["children-1-included"], shown["children-1-reason_not_included"]) == (
        "no",
        f"{two.first_name} lives with their grandmother in another county.",
    )
    assert shown["reason"] == "The referrer gave a new phone number and more about the children."
    # ... and what Sasha did not change shows what Frankie saved: a field, and the other child's row.
    assert shown["referrer_name"] == "Pat Head"
    assert shown["children-0-impact"] == f"{one.first_name} is missing meals and falling asleep in class."
    assert shown["version"] == str(saved(referral).version)
    assert saved(referral).referrer_phone != "01632 960222", "nothing of Sasha's was saved"

    again = second.post("referrals.amend", shown, referral_id=referral.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    now = saved(referral)
    assert (now.referrer_name, now.referrer_phone) == ("Pat Head", "01632 960222")
    rows = {row.person_id: row for row in now.children}
    assert rows[one.id].impact == f"{one.first_name} is missing meals and falling asleep in class."
    assert (rows[two.id].included, rows[two.id].reason_not_included) == (
        False,
        f"{two.first_name} lives with their grandmother in another county.",
    )
