"""Finding a family, recording a new one, and reading its story at a glance. All names are fictional."""

import uuid
from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.families.views import age
from earlyhelp.models import (
    AuditEvent,
    DecisionOutcome,
    Episode,
    Family,
    Person,
    ReferralStatus,
    Service,
    TimelineEntry,
)
from tests.factories import known_to, make_episode, make_family, make_household, make_referral
from tests.helpers import counting_statements, error_messages, fresh, soup_of, text_of


def next_year() -> int:
    return clock.today().year + 1


def family_with(*people, **overrides) -> Family:
    """A family holding exactly these people: (first name, last name, date of birth, is a child)."""
    family = Family(
        reference=overrides.pop("reference", f"TST-{uuid.uuid4().hex[:8].upper()}"),
        address=overrides.pop("address", "1 Pretend Street, Testtown"),
        postcode=overrides.pop("postcode", "ZZ99 1AA"),
        **overrides,
    )
    db.session.add(family)
    for first_name, last_name, born, is_child in people:
        family.members.append(
            Person(
                first_name=first_name,
                last_name=last_name,
                date_of_birth=born,
                is_child=is_child,
                relationship_to_child="Daughter" if is_child else "Mother",
            )
        )
    db.session.commit()
    return family


def new_family_form(**overrides) -> dict:
    """A complete, valid new family: one parent and one child."""
    return {
        "address": "12 Imaginary Lane, Testtown",
        "postcode": "zz99 9zz",
        "languages": "English and Esperanto",
        "interpreter_needed": "no",
        "culture_and_identity": "The family keep a vegetable plot together every weekend.",
        "members-0-first_name": "Petra",
        "members-0-last_name": "Fictionalson",
        "members-0-date_of_birth": ["14", "2", "1988"],
        "members-0-relationship_to_child": "Mother",
        "members-0-school_or_setting": "",
        "members-0-is_child": "no",
        "members-0-child_words": "",
        "members-1-first_name": "Quill",
        "members-1-last_name": "Fictionalson",
        "members-1-date_of_birth": ["3", "4", "2016"],
        "members-1-relationship_to_child": "Son",
        "members-1-school_or_setting": "Testtown Primary",
        "members-1-is_child": "yes",
        "members-1-child_words": "I like the park but not the dark.",
    } | overrides


def signed_in_knowing(client, make_user, family, role="practitioner", **overrides):
    """Sign in someone whose team holds the family (an open episode): families have no relationship otherwise."""
    user = make_user(role, **overrides)
    known_to(family, user)
    client.sign_in(user)
    return user


def audit_events(action, record_type, **where):
    return db.session.scalars(select(AuditEvent).filter_by(action=action, record_type=record_type, **where)).all()


def result_references(soup) -> list[str]:
    """Every family found, whether the searcher may open it (a link) or sees only who holds it."""
    return [td.get_text(strip=True) for td in soup.select("#family-results tbody tr td:first-child")]


# Finding a family


def test_a_practitioner_finds_a_family_by_the_start_of_any_members_name_in_any_case(client, make_user):
    wanted = family_with(
        ("Marigold", "Quuxley", date(1985, 1, 2), False), ("Zebedee", "Fooberry", date(2015, 6, 7), True)
    )
    family_with(("Marigold", "Otherly", date(1990, 1, 1), False))
    client.sign_in(make_user("practitioner"))

    assert result_references(client.page("families.search", name="FOOB")) == [wanted.reference]
    assert result_references(client.page("families.search", name="zebedee foo")) == [wanted.reference]
    assert len(result_references(client.page("families.search", name="marigold"))) == 2


def test_each_result_shows_the_household_the_childrens_ages_and_the_postcode(client, make_user):
    family = family_with(
        ("Ophelia", "Snorkelwick", date(1980, 5, 5), False), ("Pip", "Snorkelwick", date(2020, 2, 26), True)
    )
    with time_machine.travel(datetime(2027, 2, 28, 23, 30, tzinfo=LONDON), tick=False):
        user = make_user()
        known_to(family, user)
        client.sign_in(user)
        soup = client.page("families.search", name="snorkelwick")
    row = text_of(soup, "#family-results tbody tr")
    assert family.reference in row
    assert "Ophelia Snorkelwick" in row and "Pip Snorkelwick" in row
    assert "Pip, 7 years" in row
    assert "ZZ99 1AA" in row
    assert soup.select_one("#family-results tbody a")["href"] == client.url("families.show", family_id=family.id)


def test_a_family_is_found_by_its_reference_in_any_case(client, make_user):
    family = make_family(reference="FAM-TQ2XW9")
    make_family(reference="FAM-TQ2XW8")
    client.sign_in(make_user())
    assert result_references(client.page("families.search", reference="fam-tq2xw9")) == [family.reference]


def test_a_family_is_found_by_the_date_of_birth_of_anyone_in_it(client, make_user):
    family = family_with(("Wren", "Dobbleston", date(2017, 11, 30), True))
    family_with(("Wren", "Dobbleston", date(2017, 11, 29), True))
    client.sign_in(make_user())
    soup = client.page("families.search", date_of_birth=["30", "11", "2017"])
    assert result_references(soup) == [family.reference]
    assert [i["value"] for i in soup.select("#date_of_birth input")] == ["30", "11", "2017"]


def test_a_family_is_found_by_the_start_of_its_postcode(client, make_user):
    near = make_family(postcode="ZX3 4AB")
    far = make_family(postcode="ZX34 1AB")
    client.sign_in(make_user())
    assert result_references(client.page("families.search", postcode="zx3 4")) == [near.reference]
    assert result_references(client.page("families.search", postcode="zx34ab")) == [near.reference]
    assert result_references(client.page("families.search", postcode="ZX34")) == [far.reference]
    assert sorted(result_references(client.page("families.search", postcode="zx3"))) == sorted(
        [near.reference, far.reference]
    )


def test_with_nothing_to_search_for_the_page_shows_a_hint_and_no_results(client, make_user):
    make_family()
    client.sign_in(make_user())
    soup = client.page("families.search")
    assert text_of(soup, "h1") == "Find a family"
    assert "Search by a name, a family reference, a date of birth or a postcode" in text_of(soup, "#family-results")
    assert soup.select("#family-results table") == []
    assert audit_events("search", "family") == []


def test_a_search_that_matches_nothing_says_so(client, make_user):
    client.sign_in(make_user())
    assert "No families found" in text_of(client.page("families.search", name="Nobodyever"), "#family-results")


def test_an_impossible_date_of_birth_is_explained_not_a_server_error(client, make_user):
    client.sign_in(make_user())
    soup = client.page("families.search", date_of_birth=["31", "2", "2015"])
    assert error_messages(soup) == ["Date of birth must be a real date"]
    assert soup.title.get_text().startswith("Error:")
    assert "Date of birth must be a real date" in text_of(soup, "form .govuk-error-message")
    assert error_messages(client.page("families.search", date_of_birth=["", "2", "2015"])) == [
        "Date of birth must include a day"
    ]
    assert error_messages(client.page("families.search", date_of_birth=["1", "February", "2015"])) == [
        "Date of birth must be a real date"
    ]


def test_an_htmx_search_with_an_impossible_date_brings_its_own_error_summary(client, make_user):
    client.sign_in(make_user())
    response = client.get("families.search", headers={"HX-Request": "true"}, date_of_birth=["99", "2", "2015"])
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.find("html") is None
    assert error_messages(soup) == ["Date of birth must be a real date"]


def test_an_htmx_search_returns_only_the_results(client, make_user):
    family = family_with(("Tansy", "Htmxworth", date(2014, 1, 1), True))
    client.sign_in(make_user())
    response = client.get("families.search", headers={"HX-Request": "true"}, name="htmxworth")
    soup = soup_of(response)
    assert soup.find("html") is None
    assert [tag["id"] for tag in soup.find_all(recursive=False) if tag.name] == ["family-results"]
    assert result_references(soup) == [family.reference]
    assert "HX-Request" in response.headers["Vary"]


def test_the_search_form_works_as_a_plain_form_and_with_htmx(client, make_user):
    client.sign_in(make_user())
    form = client.page("families.search").select_one("form[hx-get]")
    assert (form["method"], form["action"]) == ("get", client.url("families.search"))
    assert (form["hx-get"], form["hx-target"], form["hx-push-url"]) == (
        client.url("families.search"),
        "#family-results",
        "true",
    )
    assert {tag["name"] for tag in form.select("input")} == {"name", "reference", "date_of_birth", "postcode"}


def test_results_are_paged_and_each_page_link_keeps_the_search(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "FAMILIES_PER_PAGE", 2)
    for number in range(5):
        family_with(("Ivo", "Pagington", date(2010, 1, 1), True), reference=f"FAM-PAGE{number}")
    family_with(("Ivo", "Elsewhere", date(2010, 1, 1), True), reference="FAM-OTHER")
    client.sign_in(make_user())

    first = client.page("families.search", name="pagington", postcode="zz99")
    assert result_references(first) == ["FAM-PAGE0", "FAM-PAGE1"]
    assert "5 families found" in text_of(first, "#family-results caption")
    next_link = first.select_one(".govuk-pagination__next a")
    assert next_link["href"] == client.url("families.search", name="pagington", postcode="zz99", page=2)
    assert next_link["hx-get"] == next_link["href"]
    assert next_link["hx-target"] == "#family-results"
    assert [a.get_text(strip=True) for a in first.select(".govuk-pagination__item a")] == ["1", "2", "3"]

    last = client.page("families.search", name="pagington", postcode="zz99", page=3)
    assert result_references(last) == ["FAM-PAGE4"]
    assert last.select_one(".govuk-pagination__next") is None
    assert last.select_one(".govuk-pagination__prev a")["href"] == client.url(
        "families.search", name="pagington", postcode="zz99", page=2
    )

    swapped = soup_of(client.get("families.search", headers={"HX-Request": "true"}, name="pagington", page=2))
    assert swapped.find("html") is None
    assert result_references(swapped) == ["FAM-PAGE2", "FAM-PAGE3"]


def test_a_search_is_audited_without_the_words_searched_for(client, make_user):
    user = make_user()
    client.sign_in(user)
    client.get("families.search", name="Secretname", postcode="ZZ99")
    [search] = audit_events("search", "family", user_id=user.id)
    assert search.record_id is None
    assert search.family_id is None
    assert "Secretname" not in str(vars(search))


def test_everyone_who_works_with_families_can_find_them_but_an_administrator_cannot(client, make_user):
    family = make_household()
    users = [make_user(role) for role in ("practitioner", "social_worker", "front_door", "team_manager")]
    known_to(family, users[0])  # an open episode held by their team (all four are in it)
    for user in users:
        role = user.role.code
        client.sign_in(user)
        assert client.get("families.search").status_code == 200, role
        assert client.get("families.show", family_id=family.id).status_code == 200, role
        client.sign_out()
    client.sign_in(make_user("administrator", team_name=None))
    for url in (
        client.url("families.search"),
        client.url("families.new"),
        client.url("families.show", family_id=family.id),
        client.url("families.edit_person", family_id=family.id, person_id=family.members[0].id),
    ):
        assert client.get(url).status_code == 403, url
    assert "Families" not in text_of(client.page("main.home"), "#navigation")


# Adding a family


def test_a_practitioner_adds_a_family_and_lands_on_its_page(client, make_user):
    user = make_user()
    client.sign_in(user)
    soup = client.page("families.new")
    assert text_of(soup, "h1") == "Add a family"
    assert len(soup.select("fieldset[id^=person-]")) == 2
    legends = [" ".join(legend.get_text().split()) for legend in soup.select("legend")]
    each_person = [
        "Date of birth",
        "Is this person a child?",
        "For a child: sex, ethnicity and NHS number",
        "Sex",
        "Has the NHS number been verified?",
        "For an adult: contact details",
    ]
    assert legends == ["Does the family need an interpreter?", "Person 1", *each_person, "Person 2", *each_person]

    response = client.post("families.new", new_family_form())
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown"))
    # Nobody works with a new family yet: the practitioner finds it, held by no team, and is told why.
    assert response.headers["Location"] == client.url("families.search", reference=family.reference)
    found = client.page(response.headers["Location"])
    assert f"Family {family.reference} created. You can open it once you work with the family" in text_of(
        found, ".govuk-notification-banner"
    )
    assert "Not currently open to a team" in text_of(found, "#family-results tbody tr")
    assert family.reference.startswith("FAM-")
    assert family.postcode == "ZZ99 9ZZ"
    assert [(p.full_name, p.is_child, p.date_of_birth) for p in family.members] == [
        ("Quill Fictionalson", True, date(2016, 4, 3)),
        ("Petra Fictionalson", False, date(1988, 2, 14)),
    ]

    known_to(family, user)
    page = client.page("families.show", family_id=family.id)
    assert "I like the park but not the dark." in page.get_text()
    [created] = audit_events("create", "family", user_id=user.id)
    assert created.family_id == family.id


def test_adding_a_family_with_mistakes_explains_each_and_keeps_what_was_typed(client, make_user):
    client.sign_in(make_user())
    response = client.post(
        "families.new",
        new_family_form(
            postcode="XY1 234",
            **{
                "members-0-date_of_birth": ["1", "1", str(next_year())],
                "members-1-first_name": "",
                "members-1-child_words": "x" * 2001,
            },
        ),
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.title.get_text().startswith("Error:")
    assert error_messages(soup) == [
        "Enter a real postcode, like AA1 1AA",
        "Date of birth must be today or in the past",
        "Enter their first name",
        "In their own words must be 2000 characters or fewer",
    ]
    links = [a["href"] for a in soup.select(".govuk-error-summary__list a")]
    assert links == ["#postcode", "#members-0-date_of_birth-day", "#members-1-first_name", "#members-1-child_words"]
    for href in links:
        assert soup.select_one(href) is not None, href
    assert soup.select_one("#postcode")["value"] == "XY1 234"
    assert soup.select_one("#address").get_text() == "12 Imaginary Lane, Testtown"
    assert [i["value"] for i in soup.select("#members-0-date_of_birth input")] == ["1", "1", str(next_year())]
    assert soup.select_one("#members-1-last_name")["value"] == "Fictionalson"
    assert soup.select_one("input[name=members-1-is_child][value=yes]").has_attr("checked")
    assert db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown")) is None


def test_every_required_field_has_its_own_message(client, make_user):
    client.sign_in(make_user())
    response = client.post(
        "families.new",
        {
            "members-0-first_name": "Solo",
            "members-1-date_of_birth": ["", "", ""],
        },
    )
    assert error_messages(soup_of(response)) == [
        "Enter the family's address",
        "Enter the family's postcode",
        "Enter the languages the family speaks",
        "Select yes if the family needs an interpreter",
        "Enter their last name",
        "Enter how they are related to the children, like mother or son",
        "Select yes if this person is a child",
    ]


def test_a_family_needs_at_least_one_child(client, make_user):
    """A rule of the household as a whole, checked once every person's details are right."""
    client.sign_in(make_user())
    response = client.post("families.new", new_family_form(**{"members-1-is_child": "no"}))
    soup = soup_of(response)
    assert error_messages(soup) == ["Add at least one child"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#household"
    assert "Add at least one child" in text_of(soup, "#household .govuk-error-message")


def test_a_child_needs_a_date_of_birth_but_an_adult_may_not_have_one_known(client, make_user):
    client.sign_in(make_user())
    response = client.post(
        "families.new",
        new_family_form(**{"members-0-date_of_birth": ["", "", ""], "members-1-date_of_birth": ["", "", ""]}),
    )
    assert error_messages(soup_of(response)) == ["Enter the child's date of birth"]


def test_overlong_text_is_refused_with_its_limit(client, make_user):
    client.sign_in(make_user())
    response = client.post(
        "families.new",
        new_family_form(
            address="x" * 401,
            languages="x" * 201,
            culture_and_identity="x" * 2001,
            **{
                "members-0-first_name": "x" * 101,
                "members-0-relationship_to_child": "x" * 61,
                "members-1-school_or_setting": "x" * 201,
            },
        ),
    )
    assert error_messages(soup_of(response)) == [
        "Address must be 400 characters or fewer",
        "Languages spoken must be 200 characters or fewer",
        "Culture and identity must be 2000 characters or fewer",
        "First name must be 100 characters or fewer",
        "Relationship to the children must be 60 characters or fewer",
        "School or setting must be 200 characters or fewer",
    ]


def test_date_parts_missing_from_the_request_are_treated_as_blank_not_a_server_error(client, make_user):
    client.sign_in(make_user())
    form = new_family_form()
    del form["members-0-date_of_birth"]
    form["members-1-date_of_birth"] = "3"  # one part of three
    response = client.post("families.new", form)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["Date of birth must include a month and year"]
    assert [i.get("value", "") for i in soup.select("#members-0-date_of_birth input")] == ["", "", ""]
    assert [i.get("value", "") for i in soup.select("#members-1-date_of_birth input")] == ["3", "", ""]


def test_a_partly_typed_date_says_which_part_is_missing(client, make_user):
    client.sign_in(make_user())
    response = client.post("families.new", new_family_form(**{"members-1-date_of_birth": ["3", "", "2016"]}))
    assert error_messages(soup_of(response)) == ["Date of birth must include a month"]


def test_add_another_person_adds_a_row_without_checking_anything(client, make_user):
    client.sign_in(make_user())
    response = client.post("families.new", new_family_form(postcode="nonsense", add_member="yes"))
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == []
    assert len(soup.select("fieldset[id^=person-]")) == 3
    assert soup.select_one("#postcode")["value"] == "nonsense"
    assert soup.select_one("#members-1-first_name")["value"] == "Quill"
    assert soup.select_one("#members-2-first_name").get("value", "") == ""
    assert soup.select_one("button[name=add_member]")["formaction"] == client.url("families.new") + "#person-4"
    assert db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown")) is None


def test_rows_left_empty_are_ignored(client, make_user):
    client.sign_in(make_user())
    response = client.post(
        "families.new",
        new_family_form(
            **{
                "members-2-first_name": "",
                "members-2-last_name": " ",
                "members-2-date_of_birth": ["", "", ""],
                "members-2-relationship_to_child": "",
                "members-2-child_words": "",
            }
        ),
    )
    assert response.status_code == 302
    family = db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown"))
    assert len(family.members) == 2


def test_possible_matches_are_shown_before_a_new_family_is_created(client, make_user):
    existing = family_with(("Quill", "Fictionalson", date(2016, 4, 3), True), reference="FAM-EXIST1")
    user = signed_in_knowing(client, make_user, existing)

    response = client.post("families.new", new_family_form())
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Possible matches" in text_of(soup, "#possible-matches-title")
    match = text_of(soup, "#possible-matches tr")
    assert "FAM-EXIST1" in match and "Quill Fictionalson" in match and "Sun 3 Apr 2016" in match
    assert soup.select_one("#possible-matches a")["href"] == client.url("families.show", family_id=existing.id)
    assert soup.select_one("#address").get_text() == "12 Imaginary Lane, Testtown"
    assert soup.select_one("#members-1-child_words").get_text() == "I like the park but not the dark."
    assert soup.select_one("input[name=confirm_new]")["value"] == "yes"
    assert error_messages(soup) == []
    assert [e.record_id for e in audit_events("view", "person", user_id=user.id)] == [str(existing.members[0].id)]

    # Submitted again without saying so: a clear message, still no new family.
    again = soup_of(client.post("families.new", new_family_form(matches_shown="yes")))
    assert error_messages(again) == [
        "Confirm that none of these is the same family, or open the matching family instead"
    ]

    response = client.post("families.new", new_family_form(matches_shown="yes", confirm_new="yes"))
    assert response.status_code == 302
    assert db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown")) is not None


# The family page


def test_the_family_page_tells_the_story_at_a_glance(client, make_user):
    family = family_with(
        ("Juniper", "Storyfield", date(1984, 9, 9), False),
        ("Kit", "Storyfield", date(2015, 3, 1), True),
        ("Lumi", "Storyfield", date(2019, 7, 20), True),
        languages="Welsh and English",
        interpreter_needed=True,
        culture_and_identity="Chapel on Sundays matters to them.\nGrandparents visit from Gwynedd.",
    )
    family.children[0].child_words = "I want my own bedroom."
    family.children[0].school_or_setting = "Testtown Academy"
    db.session.commit()
    signed_in_knowing(client, make_user, family)

    soup = client.page("families.show", family_id=family.id)
    assert text_of(soup, "h1") == "Storyfield"
    assert family.reference in text_of(soup, ".govuk-caption-xl")
    assert soup.title.get_text().startswith(f"Family {family.reference}")
    household = text_of(soup, "table")
    for expected in (
        "Juniper Storyfield",
        "Kit Storyfield",
        "Lumi Storyfield",
        "Born Sun 1 Mar 2015",
        "Testtown Academy",
    ):
        assert expected in household
    words = text_of(soup, "main")
    assert "Kit Storyfield I want my own bedroom." in words
    assert "Lumi Storyfield Not yet recorded" in words
    assert "Welsh and English" in words
    assert "Interpreter needed Yes" in words
    assert "Chapel on Sundays matters to them. Grandparents visit from Gwynedd." in words
    change = [a["href"] for a in soup.select("#household + table a") if a.get_text().startswith("Change")]
    assert change == [client.url("families.edit_person", family_id=family.id, person_id=p.id) for p in family.members]
    left = [a["href"] for a in soup.select("#household + table a") if a.get_text().startswith("Left")]
    assert left == [client.url("families.leave", family_id=family.id, person_id=p.id) for p in family.members]


def test_current_involvement_shows_each_open_service_with_its_one_lead(client, make_user):
    family = make_household()
    worker = make_user("practitioner", name="Ember Leadperson")
    services = {s.code: s for s in db.session.scalars(select(Service))}
    db.session.add_all(
        [
            Episode(
                family_id=family.id,
                service_id=services["early_help"].id,
                lead_id=worker.id,
                started_on=date(2024, 1, 8),
                ended_on=date(2024, 6, 1),
                closure_reason="Stepped up",
            ),
            Episode(
                family_id=family.id,
                service_id=services["early_help"].id,
                lead_id=worker.id,
                started_on=date(2024, 9, 2),
            ),
            Episode(
                family_id=family.id,
                service_id=services["social_care"].id,
                started_on=date(2024, 10, 1),
                assessment_due_on=date(2024, 12, 3),
            ),
        ]
    )
    db.session.commit()
    client.sign_in(make_user("head_of_service", team_name=None))  # reads every family, changes none

    soup = client.page("families.show", family_id=family.id)
    cards = [" ".join(card.get_text(" ").split()) for card in soup.select(".govuk-summary-card")]
    assert cards == [
        "Early help Lead: Ember Leadperson Since Mon 2 Sep 2024",
        "Children's social care Lead: Not yet allocated Since Tue 1 Oct 2024 Assessment due Tue 3 Dec 2024",
    ]


def test_a_family_with_no_open_episode_says_so(client, make_user):
    family = make_household()
    user = make_user()
    make_episode(family, team_id=user.team_id, ended_on=clock.today())  # closed, still theirs to read
    client.sign_in(user)
    soup = client.page("families.show", family_id=family.id)
    assert "No current involvement" in soup.get_text()


def test_the_family_page_lists_every_referral_decided_or_not_newest_first(client, make_user):
    family = make_household()
    officer = make_user("front_door", team_name="Front door")
    # Each recorded the day it was received, as the front door does (recorded late, it would need a reason).
    with time_machine.travel(datetime(2025, 2, 3, 11, tzinfo=UTC), tick=False):
        waiting = make_referral(
            family, actor=officer, agency_name="Health visitor", received_at=datetime(2025, 2, 3, 10, tzinfo=UTC)
        )
    with time_machine.travel(datetime(2025, 1, 6, 11, tzinfo=UTC), tick=False):
        decided = make_referral(
            family, actor=officer, agency_name="Police", received_at=datetime(2025, 1, 6, 10, tzinfo=UTC)
        )
    decided.status = ReferralStatus.DECIDED
    decided.outcome = db.session.scalar(select(DecisionOutcome).where(DecisionOutcome.code == "early_help"))
    db.session.commit()
    signed_in_knowing(client, make_user, family)

    soup = client.page("families.show", family_id=family.id)
    items = soup.select("#referrals + ul li")
    assert [item.a["href"] for item in items] == [
        client.url("referrals.show", referral_id=waiting.id),
        client.url("referrals.show", referral_id=decided.id),
    ]
    assert " ".join(items[0].a.get_text().split()) == "Health visitor, received Mon 3 Feb 2025"
    assert "Awaiting decision" in items[0].get_text() and "Decision due" in items[0].get_text()
    assert "Decided" in items[1].get_text() and decided.outcome.name in items[1].get_text()


def test_only_the_front_door_and_managers_see_record_a_referral(client, make_user):
    family = make_household()
    known_to(family, make_user())  # an open episode held by the early help team
    for role, shown in [
        ("practitioner", False),
        ("social_worker", False),
        ("front_door", True),
        ("team_manager", True),
    ]:
        # The front door's manager is in the front door team, which also works with the family.
        user = make_user(role, team_name="Front door" if role == "team_manager" else "Early help team")
        if role == "team_manager":
            known_to(family, user)
        client.sign_in(user)
        soup = client.page("families.show", family_id=family.id)
        button = soup.find("a", string="Record a referral")
        assert (button is not None) == shown, role
        if shown:
            assert button["href"] == client.url("referrals.new", family_id=family.id)
        client.sign_out()


def add_timeline(family, count):
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    for number in range(1, count + 1):
        db.session.add(
            TimelineEntry(
                family_id=family.id,
                at=start + timedelta(days=number),
                summary=f"Event number {number}",
                record_type="test",
            )
        )
    db.session.commit()


def test_the_timeline_is_newest_first_and_paged(client, make_user):
    family = make_household()
    add_timeline(family, 17)
    signed_in_knowing(client, make_user, family)

    soup = client.page("families.show", family_id=family.id)
    rows = soup.select("#family-timeline tbody tr")
    assert len(rows) == 15
    assert "Event number 17" in rows[0].get_text() and "Event number 3" in rows[-1].get_text()
    link = soup.select_one("#family-timeline .govuk-pagination__next a")
    assert link["href"] == client.url("families.show", family_id=family.id, timeline_page=2)
    assert (link["hx-get"], link["hx-target"]) == (link["href"], "#family-timeline")

    second = client.page("families.show", family_id=family.id, timeline_page=2)
    assert [r.select("td")[1].get_text() for r in second.select("#family-timeline tbody tr")] == [
        "Event number 2",
        "Event number 1",
    ]
    assert "Who lives here" in second.get_text()

    swapped = soup_of(client.get("families.show", headers={"HX-Request": "true"}, family_id=family.id, timeline_page=2))
    assert swapped.find("html") is None
    assert [tag["id"] for tag in swapped.find_all(recursive=False) if tag.name] == ["family-timeline"]
    assert len(swapped.select("tbody tr")) == 2
    assert "Who lives here" not in swapped.get_text()


def test_the_timeline_names_who_did_each_thing(client, make_user):
    user = make_user(name="Nova Timelineperson")
    client.sign_in(user)
    client.post("families.new", new_family_form())
    family = db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown"))
    known_to(family, user)
    soup = client.page("families.show", family_id=family.id)
    assert text_of(soup, "#family-timeline tbody tr").endswith("Family record created Nova Timelineperson")


def test_an_unknown_family_is_not_found(client, make_user):
    client.sign_in(make_user())
    assert client.get("families.show", family_id=999999).status_code == 404
    # Hand-typed addresses: a number too big for the database, and a person's id that is not a number.
    assert client.get("/families/99999999999999999999").status_code == 404
    assert client.get("/families/1/people/someone").status_code == 404


def test_viewing_a_family_is_audited(client, make_user):
    family = make_household()
    user = signed_in_knowing(client, make_user, family)
    client.get("families.show", family_id=family.id)
    [view] = audit_events("view", "family", user_id=user.id)
    assert (view.record_id, view.family_id, view.outcome) == (str(family.id), family.id, "ok")


def test_the_family_page_costs_the_same_few_queries_however_much_the_family_has(client, make_user):
    user = make_user()
    client.sign_in(user)
    officer = make_user("front_door", team_name="Front door")
    small = make_household(children=1)
    large = make_household(children=6)
    known_to(small, user)
    services = {s.code: s for s in db.session.scalars(select(Service))}
    for code in ("early_help", "social_care"):
        db.session.add(
            Episode(family_id=large.id, service_id=services[code].id, team_id=user.team_id, started_on=date(2024, 1, 1))
        )
    db.session.commit()
    for _ in range(3):
        make_referral(large, actor=officer)
    add_timeline(large, 20)

    small_id, large_id = small.id, large.id
    with counting_statements() as for_small:
        client.get("families.show", family_id=small_id)
    with counting_statements() as for_large:
        client.get("families.show", family_id=large_id)
    assert for_large() == for_small()
    assert for_large() <= 20  # about one statement per section, and the access checks (policy.py)


# Changing a person's details


def test_a_practitioner_records_a_childs_own_words(client, make_user):
    family = make_household(children=1)
    child = family.children[0]
    user = signed_in_knowing(client, make_user, family)
    url = client.url("families.edit_person", family_id=family.id, person_id=child.id)

    soup = client.page(url)
    assert text_of(soup, "h1") == f"Change details of {child.full_name}"
    assert soup.select_one("#first_name")["value"] == child.first_name
    assert [i["value"] for i in soup.select("#date_of_birth input")] == ["01", "03", "2015"]
    assert soup.select_one("input[name=is_child][value=yes]").has_attr("checked")
    [viewed] = audit_events("view", "person", user_id=user.id)
    assert (viewed.record_id, viewed.family_id) == (str(child.id), family.id)

    response = client.post(
        url,
        {
            "first_name": child.first_name,
            "last_name": child.last_name,
            "date_of_birth": ["1", "3", "2015"],
            "relationship_to_child": "Son",
            "school_or_setting": "Testtown Primary",
            "is_child": "yes",
            "child_words": "  I miss my dad.\r\n  He lives far away.  ",
        },
    )
    assert response.headers["Location"] == client.url("families.show", family_id=family.id)
    db.session.refresh(child)
    assert (child.child_words, child.school_or_setting) == ("I miss my dad.\n  He lives far away.", "Testtown Primary")
    page = client.page(response.headers["Location"])
    assert f"Changes to {child.full_name} have been saved" in text_of(page, ".govuk-notification-banner")
    assert "I miss my dad." in page.get_text()
    assert f"Details of {child.full_name} updated" in text_of(page, "#family-timeline")
    [updated] = audit_events("update", "person", user_id=user.id)
    assert updated.family_id == family.id
    # What was typed comes back exactly as it was, so saving again changes nothing.
    assert client.page(url).select_one("#child_words").get_text() == "I miss my dad.\n  He lives far away."


def test_changing_a_person_with_mistakes_keeps_what_was_typed(client, make_user):
    family = make_household(children=1)
    child = family.children[0]
    signed_in_knowing(client, make_user, family)
    response = client.post(
        "families.edit_person",
        {
            "first_name": "Renamed",
            "last_name": "",
            "date_of_birth": ["1", "1", str(next_year())],
            "relationship_to_child": "Son",
            "is_child": "yes",
        },
        family_id=family.id,
        person_id=child.id,
    )
    soup = soup_of(response)
    assert error_messages(soup) == ["Enter their last name", "Date of birth must be today or in the past"]
    assert soup.select_one("#first_name")["value"] == "Renamed"
    db.session.refresh(child)
    assert child.first_name != "Renamed"


def test_the_only_child_in_a_household_stays_a_child_and_what_was_typed_is_kept(client, make_user):
    family = make_household(children=1)
    child = family.children[0]
    user = signed_in_knowing(client, make_user, family)
    response = client.post(
        "families.edit_person",
        {
            "first_name": "Renamed",
            "last_name": child.last_name,
            "date_of_birth": ["1", "3", "2015"],
            "relationship_to_child": "Son",
            "is_child": "no",
        },
        family_id=family.id,
        person_id=child.id,
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        f"{child.full_name} is the only child in the household, and a family record needs one."
        " Select yes, or add another child first"
    ]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#is_child"
    assert soup.select_one("#first_name")["value"] == "Renamed"
    assert soup.select_one("input[name=is_child][value=no]").has_attr("checked")
    assert fresh(child).is_child and fresh(child).first_name != "Renamed"
    [refused] = audit_events("update", "person", user_id=user.id)
    assert (refused.outcome, refused.record_id, refused.family_id) == ("refused", str(child.id), family.id)


def test_a_person_is_only_found_through_their_own_family(client, make_user):
    family = make_household(children=1)
    other = make_household(children=1)
    user = signed_in_knowing(client, make_user, family)
    known_to(other, user)  # may open both: the person still belongs to only one
    assert client.get("families.edit_person", family_id=other.id, person_id=family.children[0].id).status_code == 404
    assert client.get("families.edit_person", family_id=family.id, person_id=999999).status_code == 404


def test_ages_are_given_as_people_say_them():
    today = date(2025, 6, 15)
    assert age(date(2025, 6, 12), today) == "Under a week"
    assert age(date(2025, 6, 1), today) == "2 weeks"
    assert age(date(2025, 5, 15), today) == "1 month"
    assert age(date(2023, 6, 16), today) == "23 months"
    assert age(date(2023, 6, 15), today) == "2 years"
    assert age(date(2010, 6, 16), today) == "14 years"
    assert age(None, today) == "Age not known"


def test_at_the_front_door_a_new_family_leads_to_recording_its_referral(client, make_user):
    client.sign_in(make_user("front_door", team_name="Front door"))
    response = client.post("families.new", new_family_form())
    family = db.session.scalar(select(Family).where(Family.address == "12 Imaginary Lane, Testtown"))
    assert response.headers["Location"] == client.url("referrals.new", family_id=family.id)
    page = client.page(response.headers["Location"])
    assert text_of(page, "h1") == "Record a referral"
    assert f"Family {family.reference} created. Record the referral about them" in text_of(
        page, ".govuk-notification-banner"
    )
