"""My work, the home page: my next steps by urgency, my families, requests for me, referrals and supervision due;
a team manager can look at a member's work or the whole team's. All names are fictional."""

from datetime import date, timedelta

from sqlalchemy import select

from earlyhelp.clock import now as utcnow
from earlyhelp.clock import today
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from tests.factories import (
    known_to,
    make_episode,
    make_household,
    make_referral,
    make_supervision,
    make_transfer,
    make_user,
)
from tests.helpers import long_date, short_date, soup_of, text_of

HTMX = {"HX-Request": "true"}


def manager(name="Morgan Thistlewhite", team_name="Early help team"):
    return make_user("team_manager", team_name=team_name, name=name)


def practitioner(name="Robin Quillfeather", team_name="Early help team"):
    return make_user("practitioner", team_name=team_name, name=name)


def give(owner, what, due_on, *, family=None, by=None):
    """A next step for `owner`; one due in the past is set up as if written a week before it fell due. In a
    new family held by the owner's team unless one is given (an owner works with the family)."""
    if family is None:
        family = make_household(children=1)
        known_to(family, owner)
    step = add_next_step(
        family.id,
        NextStepInput(what=what, owner_kind="user", owner_user_id=owner.id, due_on=due_on),
        source_type="supervision",
        source_id=None,
        actor=by or owner,
        today=min(due_on, today()) - timedelta(days=7),
    )
    return step


def rows(page, table_id) -> list[str]:
    """The 'what' of each step in one of the tables, in order, without the family link."""
    return [
        next(text.strip() for text in row.select_one("td").find_all(string=True, recursive=False) if text.strip())
        for row in page.select(f"#{table_id} tbody tr")
    ]


def captions(page) -> list[str]:
    return [" ".join(c.get_text().split()) for c in page.select("#my-work caption")]


def test_my_next_steps_come_overdue_first_then_this_week_then_later(client):
    robin = practitioner()
    give(robin, "Later visit", today() + timedelta(days=20))
    give(robin, "Send the letter", today() + timedelta(days=8))
    give(robin, "Phone the school", today())
    give(robin, "Long overdue visit", today() - timedelta(days=10))
    give(robin, "Overdue phone call", today() - timedelta(days=1))
    give(practitioner("Kit Marrowby"), "Kit's step", today())
    finished = give(robin, "Already done", today())
    next_steps.complete(finished, actor=robin, on=today())

    client.sign_in(robin)
    page = client.page("main.home")
    assert page.h1.get_text(strip=True) == "My work"
    assert captions(page) == ["Overdue (2)", "Due this week (1)", "Later (2)"]
    assert rows(page, "steps-overdue") == ["Long overdue visit", "Overdue phone call"]
    assert rows(page, "steps-this-week") == ["Phone the school"]
    assert rows(page, "steps-later") == ["Send the letter", "Later visit"]
    assert [tag.get_text(strip=True) for tag in page.select("#steps-overdue .govuk-tag")] == ["Overdue", "Overdue"]
    assert "Kit's step" not in text_of(page, "#my-work")
    assert page.select_one("#who") is None, "only managers choose whose work to see"


def test_each_row_comes_back_to_my_work_after_a_plain_post(client):
    robin = practitioner()
    step = give(robin, "Phone the school", today())
    client.sign_in(robin)
    page = client.page("main.home")
    assert page.select_one(f"#next-step-{step.id} input[name=next]")["value"] == client.url("main.home")
    manager_view = client.page("main.home", who="me")
    assert manager_view.select_one(f"#next-step-{step.id} input[name=next]")["value"] == client.url(
        "main.home", who="me"
    )


def test_my_families_are_those_i_lead_now(client):
    robin = practitioner()
    mine, ended, kits = make_household(children=1), make_household(children=1), make_household(children=1)
    make_episode(mine, lead=robin)
    make_episode(ended, lead=robin, ended_on=date(2025, 10, 1))
    make_episode(kits, lead=practitioner("Kit Marrowby"))
    client.sign_in(robin)
    families = client.page("main.home").select("#my-families li")
    assert [" ".join(li.get_text(" ").split()) for li in families] == [f"{mine.name} {mine.reference}, Early help"]
    assert families[0].a["href"] == client.url("families.show", family_id=mine.id)


def test_requests_to_approve_and_to_decide_are_listed_for_the_people_who_must_act(client, app):
    robin, morgan = practitioner(), manager()
    sol = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    waiting = make_household(children=1)
    sent = make_household(children=1)
    first = make_transfer(make_episode(waiting, lead=robin), actor=robin)
    second = make_transfer(make_episode(sent, lead=robin), actor=robin)
    for transfer in (first, second):
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=robin)
    transfers.act(second.id, TransferAction.APPROVE, actor=morgan)
    db.session.commit()

    client.sign_in(morgan)
    assert [a.get_text(strip=True) for a in client.page("main.home").select("#requests-for-me a")] == [
        f"Approve: step-up for {waiting.reference}"
    ]
    client.sign_out()
    client.sign_in(sol)
    page = client.page("main.home")
    assert page.select_one("#requests-for-me") is None  # a team manager decides: nothing here is Sol's to do
    assert [" ".join(li.get_text().split()) for li in page.select("#requests-to-my-team li")] == [
        f"Step-up for {sent.reference}, waiting for your team manager's decision"
    ]
    assert page.select_one("#requests-to-my-team a")["href"] == client.url("transfers.show", transfer_id=second.id)
    assert "You do not need to do anything unless you are named as the lead" in page.get_text()
    client.sign_out()
    client.sign_in(robin)
    assert client.page("main.home").select_one("#requests-for-me") is None


def test_the_front_door_sees_how_many_referrals_await_a_decision_and_how_many_are_late(client):
    officer = make_user("front_door", team_name="Front door", name="Fran Frontdoor")
    make_referral(make_household(children=1), actor=officer)
    make_referral(make_household(children=1), actor=officer, received_at=utcnow() - timedelta(days=14))
    client.sign_in(officer)
    waiting = client.page("main.home").select_one("#referrals-waiting")
    assert " ".join(waiting.get_text().split()) == "2 referrals awaiting a decision, 1 overdue"
    assert waiting.a["href"] == client.url("referrals.queue")
    client.sign_out()
    client.sign_in(practitioner())
    assert client.page("main.home").select_one("#referrals-waiting") is None


def test_supervisions_due_within_a_week_are_listed_and_overdue_ones_say_so(client):
    morgan, robin = manager(), practitioner()
    held = today() - timedelta(weeks=5)
    make_supervision(morgan, robin, held_on=held, next_on=held + timedelta(weeks=4))
    client.sign_in(robin)
    due = text_of(client.page("main.home"), "#supervisions-due")
    due_on = held + timedelta(weeks=4)
    # One definition of supervision due (services.supervision.due_from), with its rule as a hint.
    assert due == (
        f"Robin Quillfeather: {short_date(due_on)} Overdue Due 4 weeks after the last supervision on {long_date(held)}"
    )
    client.sign_out()
    client.sign_in(practitioner("Kit Marrowby"))
    assert client.page("main.home").select_one("#supervisions-due") is None


def test_a_manager_can_see_one_members_work_or_the_whole_teams(client):
    morgan, robin, kit = manager(), practitioner(), practitioner("Kit Marrowby")
    elsewhere = practitioner("Sol Elsewhere", "Social care team")
    give(morgan, "Morgan's own step", today())
    give(robin, "Robin's step", today())
    give(kit, "Kit's step", today() + timedelta(days=10))
    give(elsewhere, "Another team's step", today())
    client.sign_in(morgan)

    page = client.page("main.home")
    assert [o.get_text(strip=True) for o in page.select("#who option")] == [
        "Me",
        "My whole team",
        "Kit Marrowby",
        "Robin Quillfeather",
    ]
    assert rows(page, "steps-this-week") == ["Morgan's own step"]

    robins = client.page("main.home", who=robin.id)
    assert robins.select_one("#my-work h2").get_text(strip=True) == "Robin Quillfeather's next steps"
    assert robins.select_one("#who option[selected]").get_text(strip=True) == "Robin Quillfeather"
    assert rows(robins, "steps-this-week") == ["Robin's step"]

    team = client.page("main.home", who="team")
    assert team.select_one("#my-work h2").get_text(strip=True) == "Your team's next steps"
    assert sorted(rows(team, "steps-this-week")) == ["Morgan's own step", "Robin's step"]
    assert rows(team, "steps-later") == ["Kit's step"]
    assert "Another team's step" not in text_of(team, "#my-work")


def test_with_htmx_only_the_work_is_sent_back(client):
    morgan, robin = manager(), practitioner()
    give(robin, "Robin's step", today())
    client.sign_in(morgan)
    response = client.get("main.home", headers=HTMX, who=robin.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.find("html") is None and soup.find("h1") is None and soup.select_one("#who") is None
    top = [element for element in soup.find_all(recursive=False) if element.name]
    assert [(element.name, element.get("id")) for element in top] == [("div", "my-work")]
    assert rows(soup, "steps-this-week") == ["Robin's step"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_someone_outside_my_team_cannot_be_chosen(client):
    morgan = manager()
    outsider = practitioner("Sol Elsewhere", "Social care team")
    client.sign_in(morgan)
    assert client.get("main.home", who=outsider.id).status_code == 404
    assert client.get("main.home", who="nobody").status_code == 404


def test_a_practitioner_asking_for_someone_elses_work_sees_their_own(client):
    morgan, robin = manager(), practitioner()
    give(morgan, "Morgan's own step", today())
    give(robin, "Robin's step", today())
    client.sign_in(robin)
    for who in (str(morgan.id), "team"):
        page = client.page("main.home", who=who)
        assert page.select_one("#my-work h2").get_text(strip=True) == "Your next steps"
        assert rows(page, "steps-this-week") == ["Robin's step"]


def test_looking_at_my_work_is_audited_with_whose_work_it_was(client):
    morgan, robin = manager(), practitioner()
    client.sign_in(morgan)
    client.page("main.home", who=robin.id)
    db.session.expire_all()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "my_work").order_by(AuditEvent.id.desc())
    ).first()
    assert (event.action, event.record_id, event.user_id) == ("list", str(robin.id), morgan.id)


def test_administrators_get_their_own_home_page(client):
    client.sign_in(make_user("administrator", team_name=None, name="Ada Admin"))
    page = client.page("main.home")
    assert page.select_one("#my-work") is None
    assert "You administer who can use this service" in text_of(page, "main")
    assert "Manage users" in text_of(page, "main")


def test_a_manager_looking_at_a_members_work_sees_the_requests_waiting_for_that_member_too(client):
    manager = make_user("team_manager", team_name="Social care team", name="Mo Overseer-Example")
    member = make_user("social_worker", team_name="Social care team", name="Sol Member-Example")
    lead = make_user("practitioner", team_name="Early help team")
    approver = make_user("team_manager", team_name="Early help team")
    transfer = make_transfer(make_episode(make_household(children=1), lead=lead), actor=lead)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead)
    transfers.act(transfer.id, TransferAction.APPROVE, actor=approver)
    db.session.commit()
    client.sign_in(manager)
    soup = client.page("main.home", who=member.id)
    assert f"Decide: step-up for {transfer.family.reference}" in text_of(soup, "#requests-for-me")
