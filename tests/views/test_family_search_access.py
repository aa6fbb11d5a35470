"""What finding a family, and the duplicate check on a new one, show of families the person does not work
with: who holds them, never the children; and of restricted ones, nothing. All names are fictional."""

from datetime import date

from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Family, Person, RestrictedAccess
from tests.factories import known_to, make_episode, make_family, make_household
from tests.helpers import counting_statements, error_messages, soup_of, text_of

BORN = date(2016, 4, 3)


def searchling(postcode="ZQ7 1AA", *, surname="Searchling", restricted=False) -> Family:
    family = make_household(children=2, postcode=postcode, restricted=restricted)
    for member in family.members:
        member.last_name = surname
    db.session.commit()
    return family


def rows(soup):
    return soup.select("#family-results tbody tr")


def test_a_family_someone_else_holds_shows_only_who_holds_it(client, make_user):
    mine = searchling()
    theirs = searchling()
    unheld = searchling()
    user = make_user()
    known_to(mine, user)
    lead = make_user("social_worker", team_name="Social care team", name="Rowan Carewell")
    make_episode(theirs, service_code="social_care", lead=lead)
    client.sign_in(user)

    soup = client.page("families.search", postcode="ZQ7")
    by_reference = {row.select_one("td").get_text(strip=True): row for row in rows(soup)}
    assert set(by_reference) == {mine.reference, theirs.reference, unheld.reference}

    full = by_reference[mine.reference].get_text(" ")
    assert "Ash Searchling" in full and "ZQ7 1AA" in full

    minimal = " ".join(by_reference[theirs.reference].get_text(" ").split())
    assert "Searchling" in minimal
    assert "Known to Social care team, lead Rowan Carewell" in minimal
    for child in theirs.children:
        assert child.first_name not in minimal
    assert "years" not in minimal and "ZQ7" not in minimal and "Example Road" not in minimal
    [link] = by_reference[theirs.reference].select("a")
    assert link.get_text(" ", strip=True).startswith("Open this record (break the glass)")
    assert link["href"] == client.url("families.break_glass", family_id=theirs.id)
    assert client.get(link["href"]).status_code == 200
    assert "Not currently open to a team" in by_reference[unheld.reference].get_text()


def test_a_restricted_family_is_in_no_search_but_for_the_people_named_on_it(client, make_user):
    hidden = searchling(restricted=True)
    open_one = searchling()
    named = make_user()
    known_to(hidden, named)
    db.session.add(RestrictedAccess(family_id=hidden.id, user_id=named.id, named_by_id=named.id))
    db.session.commit()

    client.sign_in(make_user("practitioner", team_name="Social care team"))
    soup = client.page("families.search", postcode="ZQ7")
    assert [row.select_one("td").get_text(strip=True) for row in rows(soup)] == [open_one.reference]
    assert "1 family found" in text_of(soup, "caption")
    assert client.page("families.search", reference=hidden.reference).select("table") == []
    client.sign_out()

    client.sign_in(make_user("head_of_service", team_name=None))
    assert hidden.reference not in text_of(client.page("families.search", postcode="ZQ7"), "#family-results")
    client.sign_out()

    client.sign_in(named)
    soup = client.page("families.search", postcode="ZQ7")
    assert hidden.reference in text_of(soup, "#family-results")
    assert hidden.children[0].full_name in text_of(soup, "#family-results")


def test_a_head_of_service_sees_every_family_found_in_full(client, make_user):
    family = searchling()
    client.sign_in(make_user("head_of_service", team_name=None))
    soup = client.page("families.search", postcode="ZQ7")
    assert family.children[0].full_name in text_of(soup, "#family-results")
    assert "break the glass" not in text_of(soup, "#family-results")


def test_a_search_costs_the_same_with_5_or_50_families_of_each_kind(client, make_user):
    user = make_user()
    other_team = make_user("social_worker", team_name="Social care team")
    client.sign_in(user)

    def add(count):
        for _ in range(count):
            known_to(searchling("ZQ8 1AA"), user)
            make_episode(searchling("ZQ8 1AA"), service_code="social_care", lead=other_team)
            searchling("ZQ8 1AA", restricted=True)

    counts, made = [], 0
    for size in (5, 50):
        add(size - made)
        made = size
        client.get("families.search", postcode="ZQ8")  # warm up
        with counting_statements() as count:
            response = client.get("families.search", postcode="ZQ8")
        assert response.status_code == 200
        counts.append(count())
    assert counts[0] == counts[1]


# The duplicate check on a new family


def new_family_form(**overrides) -> dict:
    return {
        "address": "12 Imaginary Lane, Testtown",
        "postcode": "ZZ99 9ZZ",
        "languages": "English",
        "interpreter_needed": "no",
        "members-0-first_name": "Quill",
        "members-0-last_name": "Matchworth",
        "members-0-date_of_birth": [str(BORN.day), str(BORN.month), str(BORN.year)],
        "members-0-relationship_to_child": "Son",
        "members-0-is_child": "yes",
    } | overrides


def matchworth(**overrides) -> Family:
    family = make_family(**overrides)
    family.members.append(
        Person(
            first_name="Quill", last_name="Matchworth", date_of_birth=BORN, is_child=True, relationship_to_child="Son"
        )
    )
    db.session.commit()
    return family


def test_a_match_in_a_family_someone_else_holds_shows_who_holds_it_not_the_person(client, make_user, app):
    theirs = matchworth()
    lead = make_user("social_worker", team_name="Social care team", name="Rowan Carewell")
    make_episode(theirs, service_code="social_care", lead=lead)
    user = make_user()
    client.sign_in(user)

    soup = soup_of(client.post("families.new", new_family_form()))
    banner = text_of(soup, ".govuk-notification-banner")
    assert f"{theirs.reference}: Known to Social care team, lead Rowan Carewell" in banner
    assert "Quill" not in banner and "2016" not in banner and "Apr" not in banner
    assert soup.select("#possible-matches") == []
    link = soup.select_one("#possible-matches-elsewhere a")
    assert link["href"] == client.url("families.break_glass", family_id=theirs.id)
    # Nothing about a person was shown, so no person was read.
    assert db.session.scalars(select(AuditEvent).filter_by(action="view", record_type="person")).all() == []

    # Confirming that it is a new family still works.
    response = client.post("families.new", new_family_form(matches_shown="yes", confirm_new="yes"))
    assert response.status_code == 302
    assert db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown")) is not None


def test_a_match_in_a_restricted_family_says_only_whom_to_contact(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESTRICTED_CONTACT", "the duty head of service on 01632 960123")
    hidden = matchworth(restricted=True)
    mine = matchworth()
    user = make_user()
    known_to(mine, user)
    client.sign_in(user)

    soup = soup_of(client.post("families.new", new_family_form()))
    assert text_of(soup, "#possible-match-restricted") == (
        "A record that may match is restricted: contact the duty head of service on 01632 960123"
    )
    banner = text_of(soup, ".govuk-notification-banner")
    assert hidden.reference not in banner
    assert banner.count("Quill Matchworth") == 1  # the match in their own family, in full
    assert mine.reference in text_of(soup, "#possible-matches")

    again = soup_of(client.post("families.new", new_family_form(matches_shown="yes")))
    assert "Confirm that none of these is the same family" in text_of(again, ".govuk-error-summary")
    response = client.post("families.new", new_family_form(matches_shown="yes", confirm_new="yes"))
    assert response.status_code == 302


def test_the_duplicate_check_costs_the_same_with_5_or_50_matches_of_each_kind(client, make_user):
    user = make_user()
    other_team = make_user("social_worker", team_name="Social care team")
    client.sign_in(user)

    def add(count):
        for _ in range(count):
            known_to(matchworth(), user)
            make_episode(matchworth(), service_code="social_care", lead=other_team)
            matchworth(restricted=True)

    counts, made = [], 0
    for size in (5, 50):
        add(size - made)
        made = size
        client.post("families.new", new_family_form())  # warm up
        with counting_statements() as count:
            response = client.post("families.new", new_family_form())
        assert response.status_code == 200
        counts.append(count())
    assert counts[0] == counts[1]


def test_a_name_of_one_letter_is_not_enough_to_list_families(client, make_user):
    client.sign_in(make_user())
    soup = client.page("families.search", name="a")
    assert error_messages(soup) == ["Enter at least 2 letters of each name"]
    assert soup.select("#family-results tbody tr") == []
