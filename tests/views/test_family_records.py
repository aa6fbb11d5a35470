"""Keeping a family's record up to date, as a practitioner does it: the family's details, a new baby, someone
leaving, a significant adult who lives elsewhere, a child's identity, two people editing at once, and the
changes page. All names are fictional; NHS numbers are in the 999 range, which is never issued."""

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Family, Person, RestrictedAccess
from earlyhelp.models.families import FamilyChange
from earlyhelp.services import families
from tests.factories import known_to, make_household, make_referral, make_user
from tests.helpers import TestClient, date_parts, error_messages, fresh, soup_of, statements_of, text_of

# A Tuesday morning in London.
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=LONDON)
MESSAGE_CHECK_DIGIT = "Enter a valid NHS number: the last digit does not match the others"


@pytest.fixture(autouse=True)
def still_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(app):
    return make_household(children=2)


@pytest.fixture
def worker(client, family):
    user = make_user(name="Wren Keeper")
    known_to(family, user)
    client.sign_in(user)
    return user


def person_form(person, **overrides) -> dict:
    """The change details form as the page fills it, with these changes typed."""
    return {
        "version": str(person.version),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": date_parts(person.date_of_birth) if person.date_of_birth else ["", "", ""],
        "relationship_to_child": person.relationship_to_child,
        "school_or_setting": person.school_or_setting,
        "is_child": "yes" if person.is_child else "no",
        "child_words": person.child_words,
    } | overrides


def add_form(**overrides) -> dict:
    return {
        "lives": "household",
        "first_name": "Wynn",
        "last_name": "Newborn",
        "date_of_birth": date_parts(clock.today()),
        "relationship_to_child": "Son",
        "is_child": "yes",
        "sex": "male",
        "ethnicity": "white_irish",
        "nhs_number": "999 000 0018",
        "nhs_number_status": "unverified",
    } | overrides


# The family's details


def test_the_family_page_offers_each_change_to_someone_who_works_with_the_family(client, family, worker):
    soup = client.page("families.show", family_id=family.id)
    links = {a["href"] for a in soup.select("main a")}
    assert {
        client.url("families.edit_details", family_id=family.id),
        client.url("families.add_person", family_id=family.id, lives="household"),
        client.url("families.add_person", family_id=family.id, lives="elsewhere"),
        client.url("families.changes", family_id=family.id),
        client.url("families.leave", family_id=family.id, person_id=family.children[0].id),
    } <= links


def test_a_head_of_service_reads_the_family_but_is_offered_no_change(client, family):
    client.sign_in(make_user("head_of_service", team_name=None))
    soup = client.page("families.show", family_id=family.id)
    links = {a["href"] for a in soup.select("main a")}
    assert client.url("families.edit_details", family_id=family.id) not in links
    assert client.url("families.changes", family_id=family.id) in links
    assert client.get("families.edit_details", family_id=family.id).status_code == 403


def test_changing_the_address_is_saved_shown_and_kept_in_the_changes(client, family, worker):
    soup = client.page("families.edit_details", family_id=family.id)
    assert text_of(soup, "h1") == "Change the family's details"
    assert soup.select_one("#address").get_text() == family.address
    assert soup.select_one("input[name=version]")["value"] == "1"
    old_address = family.address

    response = client.post(
        "families.edit_details",
        {
            "version": "1",
            "address": "2 Moved Street, Testtown",
            "postcode": "zz99 2bb",
            "languages": "English and Polish",
            "interpreter_needed": "yes",
            "culture_and_identity": "",
        },
        family_id=family.id,
    )
    assert response.headers["Location"] == client.url("families.show", family_id=family.id)
    page = client.page("families.show", family_id=family.id)
    assert "The family's details have been saved" in text_of(page, ".govuk-notification-banner")
    assert "2 Moved Street, Testtown, ZZ99 2BB" in text_of(page, "#address")
    assert "Interpreter needed Yes" in text_of(page, "main")
    assert "Family details changed: address, postcode, languages spoken and interpreter needed" in text_of(
        page, "#family-timeline"
    )

    changes = client.page("families.changes", family_id=family.id)
    rows = [[" ".join(td.get_text().split()) for td in tr.select("td")] for tr in changes.select("tbody tr")]
    when = "Tue 10 Nov 2026 at 10:00"
    assert rows == [
        [when, "Wren Keeper", "The family: Interpreter needed", "No", "Yes"],
        [when, "Wren Keeper", "The family: Languages spoken", "English", "English and Polish"],
        [when, "Wren Keeper", "The family: Postcode", "ZZ99 1AA", "ZZ99 2BB"],
        [when, "Wren Keeper", "The family: Address", old_address, "2 Moved Street, Testtown"],
    ]
    viewed = db.session.scalars(select(AuditEvent).filter_by(action="view_changes", user_id=worker.id)).all()
    assert [event.family_id for event in viewed] == [family.id]


def test_a_wrong_postcode_is_explained_keeping_what_was_typed(client, family, worker):
    response = client.post(
        "families.edit_details",
        {
            "version": "1",
            "address": "2 Moved Street",
            "postcode": "nowhere",
            "languages": "",
            "interpreter_needed": "no",
        },
        family_id=family.id,
    )
    soup = soup_of(response)
    assert response.status_code == 200
    assert error_messages(soup) == ["Enter a real postcode, like AA1 1AA", "Enter the languages the family speaks"]
    assert soup.select_one("#address").get_text() == "2 Moved Street"
    assert fresh(family).address != "2 Moved Street"


def test_two_people_changing_the_family_at_once_the_second_is_refused_keeping_what_they_typed(
    client, app, family, worker
):
    colleague = make_user(name="Ash Othereditor")  # same team
    other = TestClient(app)
    other.sign_in(colleague)
    assert other.page("families.edit_details", family_id=family.id).select_one("input[name=version]")["value"] == "1"
    client.post(
        "families.edit_details",
        {
            "version": "1",
            "address": "3 First Road",
            "postcode": "ZZ99 1AA",
            "languages": "English",
            "interpreter_needed": "no",
        },
        family_id=family.id,
    )
    response = other.post(
        "families.edit_details",
        {
            "version": "1",
            "address": "4 Second Road",
            "postcode": "ZZ99 1AA",
            "languages": "English",
            "interpreter_needed": "no",
        },
        family_id=family.id,
    )
    soup = soup_of(response)
    assert response.status_code == 200
    [message] = error_messages(soup)
    assert message.startswith("Wren Keeper saved this family's details on 10 November 2026 at 10:00")
    assert soup.select_one("#address").get_text() == "4 Second Road"
    assert soup.select_one("input[name=version]")["value"] == "2"
    assert "3 First Road" in text_of(soup, "#saved-family")
    assert fresh(family).address == "3 First Road"


# A person's details: a child's identity, an adult's contact details, two editors


def test_a_childs_sex_ethnicity_and_nhs_number_are_recorded_and_shown(client, family, worker):
    child = family.children[0]
    soup = client.page("families.edit_person", family_id=family.id, person_id=child.id)
    assert [o.get_text() for o in soup.select("#ethnicity option")][:2] == [
        "Not yet recorded",
        "Asian, Asian British or Asian Welsh: Bangladeshi",
    ]
    assert len(soup.select("#ethnicity option")) == 21  # not yet recorded, the 19 categories, prefers not to say
    response = client.post(
        "families.edit_person",
        person_form(
            child, sex="female", ethnicity="black_african", nhs_number="999-000-0026", nhs_number_status="verified"
        ),
        family_id=family.id,
        person_id=child.id,
    )
    assert response.status_code == 302
    assert fresh(child).nhs_number == "9990000026"
    page = client.page("families.show", family_id=family.id)
    row = text_of(page, "#children-identity + table tbody tr")
    assert (
        row
        == f"{child.full_name} Female Black, Black British, Black Welsh, Caribbean or African: African 999 000 0026 Verified"
    )
    assert (
        client.page("families.edit_person", family_id=family.id, person_id=child.id).select_one("#nhs_number")["value"]
        == "999 000 0026"
    )


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_keeping_what_was_typed(client, family, worker):
    child = family.children[0]
    response = client.post(
        "families.edit_person",
        person_form(child, nhs_number="999 000 0019", nhs_number_status="verified", school_or_setting="Kept School"),
        family_id=family.id,
        person_id=child.id,
    )
    soup = soup_of(response)
    assert response.status_code == 200
    assert error_messages(soup) == [MESSAGE_CHECK_DIGIT]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#nhs_number"
    assert soup.select_one("#nhs_number")["value"] == "999 000 0019"
    assert soup.select_one("#school_or_setting")["value"] == "Kept School"
    assert fresh(child).nhs_number == ""


def test_no_nhs_number_needs_the_reason(client, family, worker):
    child = family.children[0]
    soup = soup_of(
        client.post(
            "families.edit_person",
            person_form(child, nhs_number_status="not_recorded"),
            family_id=family.id,
            person_id=child.id,
        )
    )
    assert error_messages(soup) == ["Explain why the NHS number is not recorded"]
    client.post(
        "families.edit_person",
        person_form(child, nhs_number_status="not_recorded", nhs_number_missing_reason="Not yet registered with a GP."),
        family_id=family.id,
        person_id=child.id,
    )
    row = text_of(client.page("families.show", family_id=family.id), "#children-identity + table tbody tr")
    assert row.endswith("Not recorded Not yet registered with a GP.")


def test_an_adults_phone_and_email_are_recorded_and_shown(client, family, worker):
    adult = family.household[-1]
    bad = soup_of(
        client.post(
            "families.edit_person",
            person_form(adult, phone="call me", email="not an email"),
            family_id=family.id,
            person_id=adult.id,
        )
    )
    assert error_messages(bad) == [
        "Enter a phone number, like 01632 960 001 or 07700 900 982",
        "Enter an email address in the correct format, like name@example.org",
    ]
    client.post(
        "families.edit_person",
        person_form(adult, phone="07700 900 982", email="alex@test.example"),
        family_id=family.id,
        person_id=adult.id,
    )
    page = client.page("families.show", family_id=family.id)
    assert "07700 900 982 alex@test.example" in text_of(page, "#household + table")


def test_two_people_editing_the_same_person_the_second_is_refused_keeping_what_they_typed(client, app, family, worker):
    child = family.children[0]
    colleague = make_user(name="Ash Othereditor")
    other = TestClient(app)
    other.sign_in(colleague)
    # Both open the page at version 1.
    opened = other.page("families.edit_person", family_id=family.id, person_id=child.id)
    assert opened.select_one("input[name=version]")["value"] == "1"
    with time_machine.travel(datetime(2026, 11, 10, 10, 7, tzinfo=LONDON), tick=False):
        first = client.post(
            "families.edit_person",
            person_form(child, school_or_setting="Hilltop Primary"),
            family_id=family.id,
            person_id=child.id,
        )
    assert first.status_code == 302
    second = other.post(
        "families.edit_person",
        person_form(child, school_or_setting="Valley Academy", child_words="I like the swings."),
        family_id=family.id,
        person_id=child.id,
    )
    soup = soup_of(second)
    assert second.status_code == 200
    assert error_messages(soup) == [
        f"Wren Keeper saved the details of {child.full_name} on 10 November 2026 at 10:07, after you opened this"
        " page. Your changes are below but have not been saved; the fields you did not change now show what they"
        " saved. Check, then save again"
    ]
    assert soup.select_one("#school_or_setting")["value"] == "Valley Academy"
    assert soup.select_one("#child_words").get_text() == "I like the swings."
    assert soup.select_one("input[name=version]")["value"] == "2"
    assert "Hilltop Primary" in text_of(soup, "#saved-person")
    assert fresh(child).school_or_setting == "Hilltop Primary"
    refused = db.session.scalars(
        select(AuditEvent).filter_by(action="update", record_type="person", user_id=colleague.id)
    ).all()
    assert [event.outcome for event in refused] == ["refused"]
    # Saving again, having read it, is deliberate: it goes through.
    again = other.post(
        "families.edit_person",
        person_form(fresh(child), school_or_setting="Valley Academy"),
        family_id=family.id,
        person_id=child.id,
    )
    assert again.status_code == 302 and fresh(child).school_or_setting == "Valley Academy"


# Someone joining: a new baby, a significant adult elsewhere


def test_a_new_baby_born_today_is_added_to_the_household(client, family, worker):
    soup = client.page("families.add_person", family_id=family.id, lives="household")
    assert text_of(soup, "h1") == "Add someone to the family's record"
    assert soup.select_one("input[name=lives][value=household]").has_attr("checked")
    response = client.post("families.add_person", add_form(), family_id=family.id)
    assert response.headers["Location"] == client.url("families.show", family_id=family.id, _anchor="household")
    page = client.page("families.show", family_id=family.id)
    assert "Wynn Newborn has been added to the household" in text_of(page, ".govuk-notification-banner")
    household = text_of(page, "#household + table")
    assert "Wynn Newborn Child Under a week Born Tue 10 Nov 2026 Son" in household
    assert "Wynn Newborn Male White: Irish 999 000 0018 Not verified" in text_of(page, "#children-identity + table")
    assert "Wynn Newborn added to the household (born 10 November 2026)" in text_of(page, "#family-timeline")
    # The next referral asks about the baby too.
    officer = make_user("front_door", team_name="Front door")
    make_referral(family, actor=officer)
    client.sign_out()
    client.sign_in(officer)
    referral_page = client.page("referrals.new", family_id=family.id)
    assert "Wynn" in referral_page.get_text()


def test_adding_someone_with_mistakes_explains_each_and_keeps_what_was_typed(client, family, worker):
    response = client.post(
        "families.add_person",
        add_form(
            lives="",
            nhs_number="999 000 0019",
            date_of_birth=["1", "1", "2000"],
            joined_on=["1", "1", "1999"],
            is_child="no",
        ),
        family_id=family.id,
    )
    soup = soup_of(response)
    assert error_messages(soup) == [
        MESSAGE_CHECK_DIGIT,
        "Select where they live",
        "The date they joined the household (Fri 1 Jan 1999) cannot be before they were born (Sat 1 Jan 2000)",
    ]
    assert soup.select_one("#first_name")["value"] == "Wynn"
    assert soup.select_one("#nhs_number")["value"] == "999 000 0019"
    assert len(fresh(family).members) == 3


def test_the_nhs_number_is_checked_on_the_add_a_family_form_too(client, make_user):
    from tests.views.test_families import new_family_form

    client.sign_in(make_user())
    soup = soup_of(
        client.post(
            "families.new",
            new_family_form(**{"members-1-nhs_number": "943 476 5918", "members-1-nhs_number_status": "verified"}),
        )
    )
    assert error_messages(soup) == [MESSAGE_CHECK_DIGIT]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#members-1-nhs_number"
    assert soup.select_one("#members-1-nhs_number")["value"] == "943 476 5918"
    response = client.post(
        "families.new",
        new_family_form(
            **{
                "members-1-nhs_number": "943 476 5919",
                "members-1-nhs_number_status": "verified",
                "members-1-sex": "male",
            }
        ),
    )
    assert response.status_code == 302
    child = db.session.scalar(select(Person).where(Person.first_name == "Quill"))
    assert (child.nhs_number, child.nhs_number_status, child.sex) == ("9434765919", "verified", "male")


def test_a_significant_adult_who_lives_elsewhere_is_shown_apart_from_the_household(client, family, worker):
    response = client.post(
        "families.add_person",
        {
            "lives": "elsewhere",
            "first_name": "Gus",
            "last_name": "Elsewhere",
            "relationship_to_child": "Father",
            "is_child": "no",
            "involvement": "Sees the children every other weekend",
            "phone": "07700 900123",
        },
        family_id=family.id,
    )
    assert response.status_code == 302
    page = client.page("families.show", family_id=family.id)
    assert "Gus Elsewhere has been added as a significant adult outside the household" in text_of(
        page, ".govuk-notification-banner"
    )
    assert "Gus" not in text_of(page, "#household + table")
    assert text_of(page, "#adults-elsewhere + table tbody tr") == (
        "Gus Elsewhere Father Sees the children every other weekend 07700 900123 Change details of Gus Elsewhere"
    )
    assert "Elsewhere" not in text_of(page, "h1")
    # A child cannot be recorded as living elsewhere.
    soup = soup_of(client.post("families.add_person", add_form(lives="elsewhere"), family_id=family.id))
    assert error_messages(soup)[0].startswith("Only an adult can be recorded as living outside the household")


# Someone leaving


def test_someone_leaves_the_household_and_stays_on_the_record_and_findable(client, family, worker):
    child, staying = family.children
    soup = client.page("families.leave", family_id=family.id, person_id=child.id)
    assert text_of(soup, "h1") == f"Record that {child.full_name} has left the household"
    response = client.post(
        "families.leave",
        {"version": "1", "left_on": ["9", "11", "2026"], "left_reason": "Moved to live with her grandmother."},
        family_id=family.id,
        person_id=child.id,
    )
    assert response.headers["Location"] == client.url("families.show", family_id=family.id, _anchor="left-household")
    page = client.page("families.show", family_id=family.id)
    assert f"{child.full_name} left the household on 9 November 2026" in text_of(page, ".govuk-notification-banner")
    assert child.full_name not in text_of(page, "#household + table")
    assert (
        f"{child.full_name} (Son, child): Left the household on Mon 9 Nov 2026. Moved to live with her grandmother."
        in text_of(page, "#left-household + ul")
    )
    assert child.first_name not in text_of(page, "#children-identity + table")
    found = client.page("families.search", name=child.first_name, date_of_birth=date_parts(child.date_of_birth))
    assert f"{child.full_name} (left the household on Mon 9 Nov 2026)" in text_of(found, "#family-results")
    # A new referral does not ask about them.
    officer = make_user("front_door", team_name="Front door")
    make_referral(family, actor=officer)
    client.sign_out()
    client.sign_in(officer)
    rows = client.page("referrals.new", family_id=family.id).select("input[name$=person_id]")
    assert [row["value"] for row in rows] == [str(staying.id)]


def test_leaving_before_being_born_is_refused_naming_both_dates_keeping_what_was_typed(client, family, worker):
    child = family.children[0]  # born 1 March 2015
    response = client.post(
        "families.leave",
        {"version": "1", "left_on": ["1", "6", "2014"], "left_reason": "Moved to live with her grandmother."},
        family_id=family.id,
        person_id=child.id,
    )
    soup = soup_of(response)
    assert response.status_code == 200
    assert error_messages(soup) == [
        "The date they left the household (Sun 1 Jun 2014) cannot be before they were born (Sun 1 Mar 2015)"
    ]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#left_on-day"
    assert soup.select_one("#left_reason").get_text() == "Moved to live with her grandmother."
    assert fresh(child).lives_here


def test_leaving_recorded_late_asks_why(client, family, worker):
    child = family.children[0]
    form = {"version": "1", "left_on": ["12", "10", "2026"], "left_reason": "Moved to live with her grandmother."}
    soup = soup_of(client.post("families.leave", form, family_id=family.id, person_id=child.id))
    assert error_messages(soup) == [
        f"Explain why {child.first_name} leaving the household is being recorded 4 weeks after it happened"
    ]
    assert soup.select_one("#late_recording_reason") is not None
    form["late_recording_reason"] = "Mum told us at the visit today."
    assert client.post("families.leave", form, family_id=family.id, person_id=child.id).status_code == 302
    page = client.page("families.show", family_id=family.id)
    assert "Why it was recorded late: Mum told us at the visit today." in text_of(page, "#family-timeline")


def test_leaving_needs_a_date_and_a_reason(client, family, worker):
    child = family.children[0]
    soup = soup_of(
        client.post("families.leave", {"version": "1", "left_reason": "n/a"}, family_id=family.id, person_id=child.id)
    )
    assert error_messages(soup) == ["Enter the date they left the household"]
    soup = soup_of(
        client.post(
            "families.leave",
            {"version": "1", "left_on": ["9", "11", "2026"], "left_reason": "n/a"},
            family_id=family.id,
            person_id=child.id,
        )
    )
    assert error_messages(soup)[0].startswith(f"Explain why {child.first_name} left the household in a sentence")


# Who may


def test_a_household_member_added_to_a_restricted_family_by_someone_not_named_is_not_found(client, family, worker):
    manager = make_user("team_manager", name="Named Manager")
    family.restricted, family.restricted_reason = True, "A member of staff is related to the family."
    family.restricted_by_id, family.restricted_at = manager.id, clock.now()
    db.session.add(RestrictedAccess(family_id=family.id, user_id=manager.id, named_by_id=manager.id))
    db.session.commit()
    # The worker's team holds the family, but the worker is not named.
    assert client.get("families.add_person", family_id=family.id).status_code == 404
    response = client.post("families.add_person", add_form(), family_id=family.id)
    assert response.status_code == 404
    assert b"Wynn" not in response.data
    assert len(fresh(family).members) == 3
    for endpoint, values in (
        ("families.edit_details", {}),
        ("families.changes", {}),
        ("families.leave", {"person_id": family.children[0].id}),
    ):
        assert client.get(endpoint, family_id=family.id, **values).status_code == 404
    denied = db.session.scalars(select(AuditEvent).filter_by(user_id=worker.id, outcome="denied")).all()
    assert {event.family_id for event in denied} == {family.id}


def test_someone_from_another_family_cannot_be_changed_through_this_one(client, family, worker):
    other = make_household(children=1)
    known_to(other, worker)
    child = other.children[0]
    assert client.get("families.leave", family_id=family.id, person_id=child.id).status_code == 404
    assert client.post("families.leave", {"version": "1"}, family_id=family.id, person_id=child.id).status_code == 404


# What the pages cost


def add_people(family_id, count):
    for number in range(count):
        kind = number % 3
        db.session.add(
            Person(
                family_id=family_id,
                first_name=f"P{number}",
                last_name="Wide",
                relationship_to_child="Aunt",
                in_household=kind != 1,
                left_on=date(2026, 1, 1) if kind == 2 else None,
                phone="07700 900111",
            )
        )
    db.session.commit()


def test_the_family_page_costs_the_same_with_5_or_50_people_joined_left_and_elsewhere(client, family, worker):
    family_id = family.id
    counts = []
    made = 0
    for size in (5, 50):
        add_people(family_id, size - made)
        made = size
        counts.append(statements_of(client, "families.show", family_id=family_id))
    assert counts[0] == counts[1]


def test_the_changes_page_costs_the_same_with_5_or_50_changes(client, family, worker):
    family_id, child = family.id, family.children[0]
    counts = []
    made = 0
    for size in (5, 50):
        for number in range(made, size):
            families.update_person(
                db.session.get(Person, child.id),
                {"school_or_setting": f"School {number}"},
                expected_version=number + 1,
                actor=worker,
            )
        made = size
        counts.append(statements_of(client, "families.changes", family_id=family_id))
    assert counts[0] == counts[1]
    assert db.session.query(FamilyChange).filter_by(family_id=family_id).count() == 50
    assert db.session.get(Family, family_id).version == 1
