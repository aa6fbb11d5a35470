"""The family page shows the soonest open next steps and says how many there are; all of them are a page away,
50 at a time. A family with hundreds open does not print them all on every visit. All names are fictional."""

from datetime import date, timedelta

from earlyhelp.extensions import db
from earlyhelp.services.families import FAMILY_PAGE_STEPS
from tests.factories import make_episode, make_household, make_next_step, make_user
from tests.helpers import statements_of, text_of


def a_family_with_steps(lead, how_many):
    family = make_household(children=1)
    make_episode(family, lead=lead)
    first = date(2027, 9, 1)
    for number in range(how_many):
        make_next_step(
            lead, family=family, what=f"Step {number + 1:03}", due_on=first + timedelta(days=number), added_on=first
        )
    db.session.commit()
    return family


def whats(page) -> list[str]:
    return [row.select_one("td").get_text(strip=True) for row in page.select("table tbody tr")]


def test_the_family_page_shows_the_soonest_steps_and_links_to_them_all(client):
    lead = make_user("practitioner", team_name="Early help team")
    family = a_family_with_steps(lead, 60)
    client.sign_in(lead)
    page = client.page("families.show", family_id=family.id)
    assert text_of(page, "#next-steps-due + table caption") == f"The {FAMILY_PAGE_STEPS} soonest of 60 open next steps"
    assert whats(page.select_one("#next-steps-due + table").parent)[:FAMILY_PAGE_STEPS] == [
        f"Step {n:03}" for n in range(1, FAMILY_PAGE_STEPS + 1)
    ]
    link = page.select_one("#all-next-steps a")
    assert link.get_text() == "See all 60 open next steps"
    first = client.page(link["href"])
    assert "60 open next steps, soonest first." in first.get_text()
    assert whats(first) == [f"Step {n:03}" for n in range(1, 51)]
    second = client.page("families.next_steps", family_id=family.id, page=2)
    assert whats(second) == [f"Step {n:03}" for n in range(51, 61)]
    assert "There is no page 9" in client.page("families.next_steps", family_id=family.id, page=9).get_text()


def test_a_family_with_few_steps_shows_them_all_with_no_link(client):
    lead = make_user("practitioner", team_name="Early help team")
    family = a_family_with_steps(lead, 3)
    client.sign_in(lead)
    page = client.page("families.show", family_id=family.id)
    assert page.select_one("#all-next-steps") is None
    assert "Open next steps, soonest first" in page.get_text()


def test_the_family_page_costs_the_same_with_12_or_120_open_steps(client):
    lead = make_user("practitioner", team_name="Early help team")
    client.sign_in(lead)
    few = a_family_with_steps(lead, 12)
    many = a_family_with_steps(lead, 120)
    assert statements_of(client, "families.show", family_id=few.id) == statements_of(
        client, "families.show", family_id=many.id
    )
    assert statements_of(client, "families.next_steps", family_id=few.id) == statements_of(
        client, "families.next_steps", family_id=many.id
    )
