"""My work shows the first steps of each list, most urgent first, and says how many there are; every step of a
list is a page away, 50 at a time. A practitioner with hundreds of open steps does not get them all on every
visit to their home page. All names are fictional."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.main.work import SUPERVISIONS_SHOWN
from earlyhelp.models import AuditEvent
from earlyhelp.services.next_steps import WORK_LIST_ROWS
from tests.factories import make_episode, make_household, make_next_step, make_user
from tests.helpers import statements_of, text_of
from tests.views.test_family_and_partner_steps import theirs


def practitioner(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def steps_for(owner, how_many, *, first_due, what="Overdue"):
    """`how_many` steps in one family the owner leads, a day apart from `first_due`: "Overdue 001", ..."""
    family = make_household(children=1)
    make_episode(family, lead=owner)
    for number in range(how_many):
        make_next_step(
            owner,
            family=family,
            what=f"{what} {number + 1:03}",
            due_on=first_due + timedelta(days=number),
            added_on=first_due - timedelta(days=30),
        )
    db.session.commit()
    return family


def whats(page, selector="table") -> list[str]:
    return [
        next(text.strip() for text in row.select_one("td").find_all(string=True, recursive=False) if text.strip())
        for row in page.select(f"{selector} tbody tr")
    ]


def test_my_work_shows_the_most_overdue_steps_first_and_links_to_them_all(client):
    robin = practitioner()
    steps_for(robin, 60, first_due=today() - timedelta(days=70))  # every one overdue, the first most
    steps_for(robin, 1, first_due=today() + timedelta(days=30), what="Later")
    client.sign_in(robin)
    page = client.page("main.home")
    assert text_of(page, "#steps-overdue caption") == "Overdue (60)"
    assert whats(page, "#steps-overdue") == [f"Overdue {n:03}" for n in range(1, WORK_LIST_ROWS + 1)]
    link = page.select_one("#steps-overdue-all a")
    assert link.get_text() == "See all 60 overdue next steps"
    assert f"the first {WORK_LIST_ROWS} are shown here" in text_of(page, "#steps-overdue-all")
    # A list with few steps shows them all, with no link.
    assert whats(page, "#steps-later") == ["Later 001"]
    assert page.select_one("#steps-later-all") is None

    first = client.page(link["href"])
    assert text_of(first, "h1") == "Overdue next steps"
    assert first.title.get_text().startswith("Overdue next steps \u2013 Your work \u2013 My work")
    assert "60 steps, soonest first." in first.get_text()
    assert whats(first) == [f"Overdue {n:03}" for n in range(1, 51)]
    assert first.select_one(".govuk-back-link")["href"].endswith("#steps-overdue")
    second = client.page("main.work_steps", list="overdue", steps="mine", who="me", page=2)
    assert whats(second) == [f"Overdue {n:03}" for n in range(51, 61)]
    # Each row has its actions, as on My work.
    assert second.select_one("tbody tr button").get_text(strip=True).startswith("Done")
    assert "There is no page 9" in client.page("main.work_steps", list="overdue", page=9).get_text()


def test_the_page_of_a_list_is_audited_as_a_read_of_my_work(client):
    robin = practitioner()
    steps_for(robin, 3, first_due=today() + timedelta(days=30))
    client.sign_in(robin)
    client.page("main.work_steps", list="later")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == robin.id, AuditEvent.action == "list").order_by(AuditEvent.id)
    ).all()[-1]
    assert (event.record_type, event.record_id) == ("my_work", "me")


def test_a_practitioner_sees_only_their_own_steps_and_a_manager_their_team_members(client):
    robin, kit = practitioner(), practitioner("Kit Marchbank")
    morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
    steps_for(robin, 3, first_due=today() + timedelta(days=30), what="Robin's")
    steps_for(kit, 2, first_due=today() + timedelta(days=30), what="Kit's")
    client.sign_in(robin)
    # Someone else's id is not theirs to ask for: a practitioner's work is their own.
    assert whats(client.page("main.work_steps", list="later", who=kit.id)) == [
        "Robin's 001",
        "Robin's 002",
        "Robin's 003",
    ]
    client.sign_out()
    client.sign_in(morgan)
    page = client.page("main.work_steps", list="later", who=kit.id)
    assert whats(page) == ["Kit's 001", "Kit's 002"]
    assert text_of(page, ".govuk-caption-l") == "Kit Marchbank's work"
    assert len(whats(client.page("main.work_steps", list="later", who="team"))) == 5


def test_unknown_lists_and_people_are_not_found(client):
    robin = practitioner()
    outsider = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    head = make_user("head_of_service", team_name=None, name="Sam Overton")
    morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
    client.sign_in(robin)
    assert client.get("main.work_steps", list="someday").status_code == 404
    assert client.get("main.work_steps", list="later", steps="everyone").status_code == 404
    client.sign_out()
    client.sign_in(morgan)
    assert client.get("main.work_steps", list="later", who=outsider.id).status_code == 404
    client.sign_out()
    client.sign_in(head)
    assert client.get("main.work_steps", list="later").status_code == 404


def test_the_family_and_partner_list_links_to_its_own_page(client):
    robin = practitioner()
    family = make_household(children=1)
    make_episode(family, lead=robin)
    for number in range(WORK_LIST_ROWS + 5):
        theirs(family, robin, f"Partner {number + 1:03}", today() + timedelta(days=30 + number))
    db.session.commit()
    client.sign_in(robin)
    page = client.page("main.home")
    assert text_of(page, "#family-steps-later caption") == f"Later ({WORK_LIST_ROWS + 5})"
    link = page.select_one("#family-steps-later-all a")
    assert link.get_text() == f"See all {WORK_LIST_ROWS + 5} later steps for families and partners"
    listed = client.page(link["href"])
    assert text_of(listed, "h1") == "Steps for families and partners due later"
    assert text_of(client.page("main.work_steps", list="this-week"), "h1") == "Next steps due this week"
    assert len(whats(listed)) == WORK_LIST_ROWS + 5
    assert page.select("#steps-later tbody tr") == []  # none of them is Robin's own


def test_my_work_and_a_list_page_cost_the_same_with_30_or_300_steps(client):
    robin = practitioner()
    client.sign_in(robin)
    steps_for(robin, 30, first_due=today() - timedelta(days=40))
    few = [statements_of(client, "main.home"), statements_of(client, "main.work_steps", list="overdue")]
    steps_for(robin, 270, first_due=today() - timedelta(days=300))
    many = [statements_of(client, "main.home"), statements_of(client, "main.work_steps", list="overdue")]
    assert few == many


def families_led_by(lead, how_many):
    for _ in range(how_many):
        make_episode(make_household(children=1), lead=lead)
    db.session.commit()


def test_my_work_shows_the_families_held_longest_and_links_to_them_all(client):
    robin = practitioner()
    families_led_by(robin, WORK_LIST_ROWS + 35)
    client.sign_in(robin)
    page = client.page("main.home")
    assert len(page.select("#my-families li")) == WORK_LIST_ROWS
    link = page.select_one("#my-families-all a")
    assert link.get_text() == f"See all {WORK_LIST_ROWS + 35} families"
    listed = client.page(link["href"])
    assert text_of(listed, "h1") == "Your families"
    assert f"{WORK_LIST_ROWS + 35} open families, longest held first." in listed.get_text()
    assert len(listed.select("#work-families-list li")) == 50
    second = client.page("main.work_families", who="me", page=2)
    assert len(second.select("#work-families-list li")) == WORK_LIST_ROWS + 35 - 50


def test_a_few_families_are_all_on_my_work_with_no_link(client):
    robin = practitioner()
    families_led_by(robin, 3)
    client.sign_in(robin)
    page = client.page("main.home")
    assert len(page.select("#my-families li")) == 3
    assert page.select_one("#my-families-all") is None


def test_a_manager_sees_the_whole_teams_families_and_nobody_elses(client):
    robin, kit = practitioner(), practitioner("Kit Marchbank")
    morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
    outsider = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    families_led_by(robin, 2)
    families_led_by(kit, 3)
    families_led_by(outsider, 4)
    client.sign_in(morgan)
    page = client.page("main.work_families", who="team")
    assert len(page.select("#work-families-list li")) == 5
    assert client.get("main.work_families", who=outsider.id).status_code == 404
    client.sign_out()
    client.sign_in(robin)
    assert len(client.page("main.work_families", who=kit.id).select("#work-families-list li")) == 2  # their own


def test_the_families_list_costs_the_same_with_25_or_75_families(client):
    robin = practitioner()
    client.sign_in(robin)
    families_led_by(robin, 25)
    few = [statements_of(client, "main.home"), statements_of(client, "main.work_families")]
    families_led_by(robin, 50)
    many = [statements_of(client, "main.home"), statements_of(client, "main.work_families")]
    assert few == many


def test_my_work_shows_the_soonest_supervisions_due_and_links_to_them_all(client):
    """The number on the link is the number on the page it opens, for whoever's work is shown."""
    robin, kit = practitioner(), practitioner("Kit Marchbank")
    morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
    families_led_by(robin, SUPERVISIONS_SHOWN + 4)  # never case-supervised: all overdue
    families_led_by(kit, 2)
    client.sign_in(morgan)
    for who, due in (("team", SUPERVISIONS_SHOWN + 6), (str(robin.id), SUPERVISIONS_SHOWN + 4)):
        page = client.page("main.home", who=who)
        assert len(page.select("#supervisions-due li")) == SUPERVISIONS_SHOWN
        link = page.select_one("#supervisions-due-all a")
        assert link.get_text() == f"See all {due} supervisions due"
        listed = client.page(link["href"])
        assert len(listed.select("#work-supervision-list li")) == due
        assert f"{due} supervisions due by " in listed.get_text()
        assert [item.get_text() for item in listed.select("#work-supervision-list li")][:SUPERVISIONS_SHOWN] == [
            item.get_text() for item in page.select("#supervisions-due li")
        ], "My work shows the first of the same list"
    assert (
        text_of(client.page("main.work_supervision", who=str(robin.id)), "h1") == "Robin Quillfeather's supervision due"
    )
    client.sign_out()
    client.sign_in(kit)
    page = client.page("main.home")
    assert len(page.select("#supervisions-due li")) == 2 and page.select_one("#supervisions-due-all") is None
    assert len(client.page("main.work_supervision", who=str(robin.id)).select("#work-supervision-list li")) == 2
