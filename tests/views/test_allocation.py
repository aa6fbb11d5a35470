"""Allocation is never silent (issue 11, part 7): a new lead is told and has a first contact to make; a team
manager changes a lead with a reason, and both people are told."""

from datetime import date, datetime

import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import DecisionOutcome, Episode, LevelOfNeed, NextStep, Notification
from earlyhelp.services.allocation import FIRST_CONTACT
from earlyhelp.services.referrals import decide_referral
from tests.factories import make_episode, make_household, make_referral, make_user, reference
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of

# Tuesday 1 December 2026, 10:00 in London: three working days on is Friday 4 December.
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def first_contacts(user) -> list[NextStep]:
    return db.session.scalars(
        select(NextStep).where(NextStep.owner_user_id == user.id, NextStep.what == FIRST_CONTACT)
    ).all()


def notices(user) -> list[str]:
    return db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)).all()


@time_machine.travel(TUESDAY, tick=False)
def test_a_decision_that_opens_early_help_tells_the_lead_and_gives_a_first_contact(app):
    officer = make_user("front_door", team_name="Front door")
    lead = make_user("practitioner", name="Robin Quillfeather")
    family = make_household(children=1)
    referral = make_referral(family, actor=officer, received_at=TUESDAY)
    decide_referral(
        referral.id,
        outcome=reference(DecisionOutcome, code="early_help"),
        decided_level=reference(LevelOfNeed, number=2),
        rationale="Needs a coordinated plan.",
        decided_at=TUESDAY,
        late_reason="",
        lead=lead,
        actor=officer,
    )
    [step] = first_contacts(lead)
    assert (step.family_id, step.due_on) == (family.id, date(2026, 12, 4))
    assert notices(lead) == [
        f"You are now the lead for {family.reference} (Early help): first contact due 4 December 2026"
    ]


def a_manager_and_an_episode():
    manager = make_user("team_manager", name="Morgan Thistlewhite")
    robin = make_user("practitioner", name="Robin Quillfeather")
    kit = make_user("practitioner", name="Kit Marrowby")
    family = make_household(children=1)
    episode = make_episode(family, lead=robin)
    return manager, robin, kit, family, episode


@time_machine.travel(TUESDAY, tick=False)
def test_a_manager_changes_the_lead_with_a_reason_and_both_are_told(client):
    manager, robin, kit, family, episode = a_manager_and_an_episode()
    client.sign_in(manager)
    page = client.page("families.show", family_id=family.id)
    assert "Change the lead" in text_of(page, "#involvement + .govuk-summary-card")
    form = client.page("families.change_lead", episode_id=episode.id)
    assert "Robin Quillfeather" in text_of(form, "main")

    refused = soup_of(
        client.post("families.change_lead", {"lead": str(kit.id), "reason": "n/a"}, episode_id=episode.id)
    )
    assert error_messages(refused)[0].startswith("Explain why the lead is changing in a sentence of at least 10")
    assert refused.select_one("#reason").get_text() == "n/a"
    assert fresh(episode).lead_id == robin.id

    reason = "Robin's caseload is full after two new families this week."
    response = client.post("families.change_lead", {"lead": str(kit.id), "reason": reason}, episode_id=episode.id)
    assert response.status_code == 302
    assert fresh(episode).lead_id == kit.id
    assert len(first_contacts(kit)) == 1
    assert notices(kit) == [
        f"You are now the lead for {family.reference} (Early help): first contact due 4 December 2026"
    ]
    assert notices(robin) == [f"{family.reference} has a new lead: Kit Marrowby. Your next steps for it stay with you."]
    timeline = text_of(client.page("families.show", family_id=family.id), "main")
    assert "Lead for Early help changed from Robin Quillfeather to Kit Marrowby" in timeline


def test_only_a_manager_of_the_team_that_holds_the_family_changes_its_lead(client, app):
    manager, robin, kit, family, episode = a_manager_and_an_episode()
    client.sign_in(robin)
    assert client.get("families.change_lead", episode_id=episode.id).status_code == 403
    elsewhere = TestClient(app)
    elsewhere.sign_in(make_user("team_manager", team_name="Social care team"))
    assert elsewhere.get("families.change_lead", episode_id=episode.id).status_code == 404
    outsider_post = elsewhere.post(
        "families.change_lead", {"lead": str(kit.id), "reason": "A long enough reason."}, episode_id=episode.id
    )
    assert outsider_post.status_code == 404
    assert fresh(episode).lead_id == robin.id


def test_the_new_lead_must_be_in_the_team(client):
    manager, robin, kit, family, episode = a_manager_and_an_episode()
    stranger = make_user("practitioner", team_name="Social care team", name="Sol Elsewhere")
    client.sign_in(manager)
    soup = soup_of(
        client.post(
            "families.change_lead", {"lead": str(stranger.id), "reason": "A long enough reason."}, episode_id=episode.id
        )
    )
    assert error_messages(soup) == ["Select the new lead from the list"]
    assert db.session.get(Episode, episode.id).lead_id == robin.id
