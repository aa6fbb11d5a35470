"""Keeping a family's record up to date: its details, people joining and leaving, significant adults outside
the household, a child's identity, the history of every change, and two people editing at once. All names
are fictional; NHS numbers are in the 999 range, which is never issued."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Person, ReferralChild, TimelineEntry
from earlyhelp.models.families import FamilyChange
from earlyhelp.services import families
from earlyhelp.services.families import MemberInput
from tests.factories import known_to, make_household, make_referral, make_user
from tests.helpers import fresh

# A Tuesday morning in London.
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def still_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(app):
    return make_household(children=2)


@pytest.fixture
def worker(family):
    user = make_user(name="Wren Keeper")
    known_to(family, user)
    return user


def history(family_id):
    return [
        (change.label, change.before, change.after, change.changed_by_id)
        for change in db.session.scalars(
            select(FamilyChange).where(FamilyChange.family_id == family_id).order_by(FamilyChange.id)
        )
    ]


def summaries(family_id):
    return [entry.summary for entry in db.session.scalars(families.timeline(family_id))]


def events(action, record_type):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.record_type == record_type)
    ).all()


def baby(**overrides) -> MemberInput:
    values = dict(
        first_name="Wynn",
        last_name="Newborn",
        date_of_birth=clock.today(),
        relationship_to_child="Son",
        is_child=True,
    )
    return MemberInput(**(values | overrides))


# The family's details


def test_changing_the_address_keeps_what_it_was_who_changed_it_and_when(family, worker):
    before = family.address
    changed = families.update_family_details(
        family,
        expected_version=1,
        changes={"address": " 2 New Street, Testtown ", "postcode": "zz99 2bb", "languages": family.languages},
        actor=worker,
    )
    assert changed == ["address", "postcode"]
    family = fresh(family)
    assert (family.address, family.postcode, family.version) == ("2 New Street, Testtown", "ZZ99 2BB", 2)
    assert (family.updated_by_id, family.updated_at) == (worker.id, NOW)
    assert history(family.id) == [
        ("Address", before, "2 New Street, Testtown", worker.id),
        ("Postcode", "ZZ99 1AA", "ZZ99 2BB", worker.id),
    ]
    assert summaries(family.id)[0] == "Family details changed: address and postcode"
    [event] = events("update", "family")
    assert (event.family_id, event.user_id, event.detail) == (family.id, worker.id, "address, postcode")


def test_languages_interpreter_and_culture_are_kept_up_to_date(family, worker):
    families.update_family_details(
        family,
        expected_version=1,
        changes={"languages": "Polish and English", "interpreter_needed": True, "culture_and_identity": "Catholic"},
        actor=worker,
    )
    assert [(label, before, after) for label, before, after, _ in history(family.id)] == [
        ("Languages spoken", "English", "Polish and English"),
        ("Interpreter needed", "No", "Yes"),
        ("Culture and identity", "", "Catholic"),
    ]


def test_saving_what_is_already_there_writes_nothing(family, worker):
    assert (
        families.update_family_details(family, expected_version=1, changes={"address": family.address}, actor=worker)
        == []
    )
    assert history(family.id) == [] and fresh(family).version == 1 and events("update", "family") == []


def test_an_address_cannot_be_emptied(family, worker):
    with pytest.raises(Refused, match=r"Enter the family's address") as refused:
        families.update_family_details(family, expected_version=1, changes={"address": "  "}, actor=worker)
    assert refused.value.field == "address"


def test_a_second_editor_of_the_family_is_refused_with_who_saved_and_when(family, worker):
    colleague = make_user(name="Ash Othereditor")  # in the same team, which holds the family
    families.update_family_details(family, expected_version=1, changes={"address": "3 First Road"}, actor=worker)
    with pytest.raises(Stale) as stale:
        families.update_family_details(
            family, expected_version=1, changes={"address": "4 Second Road"}, actor=colleague
        )
    assert stale.value.message.startswith(
        "Wren Keeper saved this family's details on 10 November 2026 at 10:00, after you opened this page"
    )
    assert stale.value.current_version == 2
    assert fresh(family).address == "3 First Road"
    refused = [e for e in events("update", "family") if e.outcome == "refused"]
    assert [(e.user_id, e.family_id) for e in refused] == [(colleague.id, family.id)]


def test_someone_who_does_not_work_with_the_family_cannot_change_it(family):
    outsider = make_user(team_name="Social care team")
    with pytest.raises(Refused, match=r"You do not work with this family"):
        families.update_family_details(family, expected_version=1, changes={"address": "Elsewhere"}, actor=outsider)
    with pytest.raises(Refused, match=r"You do not work with this family"):
        families.add_person(family, baby(), actor=outsider)
    assert len(fresh(family).members) == 3


# People joining


def test_a_new_baby_born_today_joins_the_household_and_every_referral_asks_about_them(family, worker):
    person = families.add_person(
        family,
        baby(sex="male", ethnicity="white_irish", nhs_number="999 000 0018", nhs_number_status="verified"),
        actor=worker,
    )
    family = fresh(family)
    assert person in family.household and person in family.children
    assert (person.nhs_number, person.nhs_number_status, person.sex, person.ethnicity) == (
        "9990000018",
        "verified",
        "male",
        "white_irish",
    )
    assert summaries(family.id)[0] == "Wynn Newborn added to the household (born 10 November 2026)"
    [added] = history(family.id)
    assert added == ("Joined the household", "", "Wynn Newborn", worker.id)
    [event] = events("create", "person")
    assert (event.record_id, event.family_id) == (str(person.id), family.id)
    referral = make_referral(family, actor=make_user("front_door", team_name="Front door"))
    assert person.id in {child.person_id for child in referral.children}


def test_someone_joining_records_when_and_a_date_before_they_were_born_is_refused(family, worker):
    with pytest.raises(Refused) as refused:
        families.add_person(
            family,
            MemberInput("Kai", "Mover", date(2000, 5, 1), "Stepfather", False, joined_on=date(1999, 1, 1)),
            actor=worker,
        )
    assert refused.value.message == (
        "The date they joined the household (Fri 1 Jan 1999) cannot be before they were born (Mon 1 May 2000)"
    )
    assert refused.value.field == "joined_on"
    person = families.add_person(
        family,
        MemberInput(
            "Kai", "Mover", date(2000, 5, 1), "Stepfather", False, joined_on=date(2026, 11, 9), phone="07700 900123"
        ),
        actor=worker,
    )
    assert person.lives_here and person.phone == "07700 900123"
    [entry] = db.session.scalars(select(TimelineEntry).where(TimelineEntry.record_id == person.id)).all()
    assert (entry.summary, entry.day_only, entry.recorded_late) == ("Kai Mover joined the household", True, False)


def test_joining_recorded_late_needs_a_reason(family, worker):
    joined = MemberInput("Kai", "Mover", None, "Stepfather", False, joined_on=date(2026, 9, 1))
    with pytest.raises(Refused, match=r"^Explain why Kai Mover joining the household is being recorded 2 months"):
        families.add_person(family, joined, actor=worker)
    person = families.add_person(family, joined, actor=worker, late_reason="Mum told us at today's visit.")
    [entry] = db.session.scalars(select(TimelineEntry).where(TimelineEntry.record_id == person.id)).all()
    assert entry.recorded_late and entry.late_recording_reason == "Mum told us at today's visit."


def test_the_same_person_cannot_be_added_twice(family, worker):
    families.add_person(family, baby(), actor=worker)
    with pytest.raises(Refused, match=r"^Wynn Newborn \(born 10 November 2026\) is already on this family's record$"):
        families.add_person(family, baby(first_name=" wynn "), actor=worker)
    families.add_person(family, baby(first_name="Tam", nhs_number="9990000026"), actor=worker)
    with pytest.raises(Refused, match=r"Tam Newborn .* is already on this family's record"):
        families.add_person(family, baby(first_name="Other", nhs_number="999 000 0026"), actor=worker)


def test_an_nhs_number_with_a_wrong_check_digit_is_refused(family, worker):
    with pytest.raises(
        Refused, match=r"^Enter a valid NHS number: the last digit does not match the others$"
    ) as refused:
        families.add_person(family, baby(nhs_number="999 000 0019"), actor=worker)
    assert refused.value.field == "nhs_number"
    child = family.children[0]
    with pytest.raises(Refused, match=r"the last digit does not match"):
        families.update_person(child, {"nhs_number": "9434765918"}, expected_version=1, actor=worker)
    assert fresh(child).nhs_number == ""


def test_a_significant_adult_outside_the_household_is_recorded_as_such(family, worker):
    father = families.add_person(
        family,
        MemberInput("Gus", "Elsewhere", None, "Father", False, in_household=False, involvement="Every other weekend"),
        actor=worker,
    )
    family = fresh(family)
    assert father in family.adults_elsewhere and father in family.members
    assert father not in family.household and father not in family.children
    assert "Elsewhere" not in family.name
    assert summaries(family.id)[0] == "Gus Elsewhere (Father) added as a significant adult outside the household"
    assert history(family.id)[0][:3] == ("Significant adult outside the household", "", "Gus Elsewhere")
    # A referral lists only the household's children, and does not ask about him.
    referral = make_referral(family, actor=make_user("front_door", team_name="Front door"))
    assert {child.person_id for child in referral.children} == {c.id for c in family.children}
    # Found by his name.
    assert [f.id for f in db.session.scalars(families.search(name="elsewhere"))] == [family.id]


def test_a_child_cannot_be_recorded_as_living_outside_the_household(family, worker):
    with pytest.raises(Refused, match=r"Only an adult can be recorded as living outside the household") as refused:
        families.add_person(family, baby(in_household=False), actor=worker)
    assert refused.value.field == "in_household"


# People leaving


def leave(person, actor, **overrides):
    values = {
        "left_on": date(2026, 11, 9),
        "reason": "Moved to live with her grandmother in Testtown.",
        "expected_version": person.version,
        "actor": actor,
    } | overrides
    return families.record_leaving(person, **values)


def test_someone_who_leaves_keeps_their_history_and_is_no_longer_asked_about(family, worker):
    officer = make_user("front_door", team_name="Front door")
    leaving, staying = family.children
    make_referral(family, actor=officer)
    leave(leaving, worker)
    family = fresh(family)
    leaving = fresh(leaving)
    assert (leaving.left_on, leaving.left_reason) == (
        date(2026, 11, 9),
        "Moved to live with her grandmother in Testtown.",
    )
    assert family.children == [staying] and leaving not in family.household
    assert family.left_household == [leaving] and leaving in family.members
    # Their history stays: the referral that asked about them still does.
    assert db.session.scalar(select(ReferralChild).where(ReferralChild.person_id == leaving.id)) is not None
    # A new referral asks only about the children in the household now.
    referral = make_referral(family, actor=officer)
    assert [child.person_id for child in referral.children] == [staying.id]
    # Still found by their name.
    assert [
        f.id for f in db.session.scalars(families.search(name=leaving.first_name, date_of_birth=leaving.date_of_birth))
    ] == [family.id]
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.record_id == leaving.id)).first()
    assert (entry.summary, entry.day_only, clock.local_date(entry.at)) == (
        f"{leaving.full_name} left the household",
        True,
        date(2026, 11, 9),
    )
    assert [(label, after) for label, _, after, _ in history(family.id)] == [
        ("Left the household on", "9 November 2026"),
        ("Why they left", "Moved to live with her grandmother in Testtown."),
    ]
    [event] = events("leave", "person")
    assert (event.record_id, event.family_id, event.outcome) == (str(leaving.id), family.id, "ok")


def test_leaving_before_being_born_is_refused_naming_both_dates(family, worker):
    child = family.children[0]  # born 1 March 2015
    with pytest.raises(Refused) as refused:
        leave(child, worker, left_on=date(2014, 6, 1))
    assert refused.value.message == (
        "The date they left the household (Sun 1 Jun 2014) cannot be before they were born (Sun 1 Mar 2015)"
    )
    assert refused.value.field == "left_on"
    assert fresh(child).left_on is None
    [event] = events("leave", "person")
    assert event.outcome == "refused"


def test_leaving_before_joining_is_refused(family, worker):
    person = families.add_person(
        family, MemberInput("Kai", "Mover", None, "Stepfather", False, joined_on=date(2026, 11, 9)), actor=worker
    )
    with pytest.raises(Refused, match=r"cannot be before they joined it \(Mon 9 Nov 2026\)"):
        leave(person, worker, left_on=date(2026, 11, 8))


def test_leaving_in_the_future_or_without_a_real_reason_is_refused(family, worker):
    child = family.children[0]
    with pytest.raises(Refused, match=r"must be today or in the past"):
        leave(child, worker, left_on=date(2026, 11, 11))
    with pytest.raises(Refused, match=r"^Explain why Ash left the household in a sentence") as refused:
        leave(child, worker, reason="n/a")
    assert refused.value.field == "left_reason"
    with pytest.raises(Refused, match=r"Enter the date Ash left the household"):
        leave(child, worker, left_on=None)


def test_leaving_recorded_late_needs_a_reason_and_keeps_it(family, worker):
    child = family.children[0]
    with pytest.raises(Refused, match=r"^Explain why Ash leaving the household is being recorded 4 weeks after"):
        leave(child, worker, left_on=date(2026, 10, 12))
    leave(child, worker, left_on=date(2026, 10, 12), late_reason="Mum told us at the visit today.")
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.record_id == child.id)).first()
    assert entry.recorded_late and entry.late_recording_reason == "Mum told us at the visit today."


def test_the_only_child_and_someone_already_gone_cannot_leave(family, worker):
    first, second = family.children
    leave(first, worker)
    with pytest.raises(Refused, match=r"left the household on 9 November 2026"):
        leave(fresh(first), worker)
    with pytest.raises(Refused, match=r"is the only child in the household"):
        leave(second, worker)
    father = families.add_person(
        family, MemberInput("Gus", "Elsewhere", None, "Father", False, in_household=False), actor=worker
    )
    with pytest.raises(Refused, match=r"does not live in the household"):
        leave(father, worker)


# A person's details


def test_a_childs_identity_and_an_adults_contact_details_are_kept_with_their_history(family, worker):
    child = family.children[0]
    adult = family.household[-1]
    families.update_person(
        child,
        {
            "sex": "female",
            "ethnicity": "mixed_white_asian",
            "nhs_number": "999 000 0026",
            "nhs_number_status": "unverified",
        },
        expected_version=1,
        actor=worker,
    )
    families.update_person(
        adult, {"phone": "07700 900456", "email": "alex@test.example"}, expected_version=1, actor=worker
    )
    assert [(label, before, after) for label, before, after, _ in history(family.id)] == [
        ("Sex", "", "Female"),
        ("Ethnicity", "", "Mixed or Multiple ethnic groups: White and Asian"),
        ("NHS number", "", "999 000 0026"),
        ("NHS number status", "", "Not verified"),
        ("Phone", "", "07700 900456"),
        ("Email", "", "alex@test.example"),
    ]
    assert fresh(child).version == 2 and fresh(child).nhs_number == "9990000026"


def test_no_nhs_number_is_recorded_with_the_reason(family, worker):
    child = family.children[0]
    with pytest.raises(Refused, match=r"^Explain why the NHS number is not recorded$"):
        families.update_person(child, {"nhs_number_status": "not_recorded"}, expected_version=1, actor=worker)
    families.update_person(
        child,
        {"nhs_number_status": "not_recorded", "nhs_number_missing_reason": "Not yet registered with a GP."},
        expected_version=1,
        actor=worker,
    )
    assert (fresh(child).nhs_number_status, fresh(child).nhs_number_missing_reason) == (
        "not_recorded",
        "Not yet registered with a GP.",
    )


def test_a_second_editor_of_a_person_is_refused_with_who_saved_and_when(family, worker):
    child = family.children[0]
    colleague = make_user(name="Ash Othereditor")  # in the same team, which holds the family
    with time_machine.travel(datetime(2026, 11, 10, 14, 5, tzinfo=UTC), tick=False):
        families.update_person(child, {"school_or_setting": "Hilltop Primary"}, expected_version=1, actor=worker)
    with pytest.raises(Stale) as stale:
        families.update_person(child, {"school_or_setting": "Valley Academy"}, expected_version=1, actor=colleague)
    assert stale.value.message == (
        f"Wren Keeper saved the details of {child.full_name} on 10 November 2026 at 14:05, after you opened this"
        " page. Your changes are below but have not been saved; the fields you did not change now show what they"
        " saved. Check, then save again"
    )
    assert fresh(child).school_or_setting == "Hilltop Primary"
    # Having read it, they save again from the version now saved.
    families.update_person(child, {"school_or_setting": "Valley Academy"}, expected_version=2, actor=colleague)
    assert [(before, after) for _, before, after, _ in history(family.id)] == [
        ("", "Hilltop Primary"),
        ("Hilltop Primary", "Valley Academy"),
    ]


def test_a_date_of_birth_cannot_move_after_the_day_they_left(family, worker):
    child = family.children[0]
    leave(child, worker)
    with pytest.raises(Refused, match=r"cannot be before they were born"):
        families.update_person(fresh(child), {"date_of_birth": date(2026, 11, 10)}, expected_version=2, actor=worker)


def test_where_someone_lives_changes_only_by_joining_or_leaving(family, worker):
    child = family.children[0]
    families.update_person(child, {"in_household": False}, expected_version=1, actor=worker)
    assert fresh(child).lives_here


def test_the_history_pages_newest_first_with_who_changed_each(family, worker):
    for number in range(3):
        families.update_person(
            family.children[0], {"school_or_setting": f"School {number}"}, expected_version=number + 1, actor=worker
        )
    page = families.changes_page(family.id, page=1, per_page=2)
    assert [change.after for change in page.items] == ["School 2", "School 1"]
    assert page.items[0].changed_by.name == "Wren Keeper" and page.total == 3
    assert db.session.get(Person, page.items[0].person_id).id == family.children[0].id
    assert timedelta(0) == page.items[0].changed_at - NOW
