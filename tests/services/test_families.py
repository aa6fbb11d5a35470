"""The families service: search, duplicate checks, recording a family and its timeline. All names are fictional."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from earlyhelp.domain.refusals import NeedsConfirmation, Refused
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Episode, Family, Person, Service
from earlyhelp.services import families
from earlyhelp.services.families import MemberInput
from tests.factories import known_to, make_user


def family_of(*people, postcode="ZZ99 1AA", reference=None) -> Family:
    family = families.create_family(
        address="1 Pretend Street, Testtown",
        postcode=postcode,
        languages="English",
        interpreter_needed=False,
        culture_and_identity="",
        members=[
            MemberInput(first, last, born, "Daughter" if child else "Father", child)
            for first, last, born, child in people
        ],
        actor=make_user(),
        confirmed_new=True,
    )
    if reference:
        family.reference = reference
    db.session.commit()
    return family


def found(**criteria) -> list[str]:
    return [family.reference for family in db.session.scalars(families.search(**criteria))]


def test_a_name_matches_the_start_of_any_members_first_or_last_name_in_any_case(app):
    family = family_of(("Barnaby", "Quibbleworth", date(1980, 1, 1), False), ("Tilly", "Quibbleworth", None, True))
    assert found(name="QUIBB") == [family.reference]
    assert found(name="till") == [family.reference]
    assert found(name="arnaby") == []


def test_every_word_of_a_name_must_match_the_same_person(app):
    family = family_of(("Barnaby", "Quibbleworth", None, False), ("Tilly", "Snodgrass", None, True))
    assert found(name="tilly snod") == [family.reference]
    assert found(name="tilly quibble") == []


def test_wildcards_typed_in_a_name_are_taken_literally(app):
    family_of(("Percival", "Wildcardly", None, True))
    assert found(name="%") == []
    assert found(name="_ercival") == []


def test_a_reference_matches_whole_in_any_case(app):
    family = family_of(("Ada", "Refson", None, True), reference="FAM-RQ7WXY")
    assert found(reference=" fam-rq7wxy ") == [family.reference]
    assert found(reference="FAM-RQ7") == []


def test_a_date_of_birth_matches_anyone_in_the_household(app):
    family = family_of(("Ada", "Dobson", date(1979, 12, 31), False), ("Bea", "Dobson", date(2016, 2, 29), True))
    assert found(date_of_birth=date(2016, 2, 29)) == [family.reference]
    assert found(date_of_birth=date(2016, 3, 1)) == []


def test_criteria_combine(app):
    family = family_of(("Ada", "Combley", date(2016, 2, 29), True), postcode="ZY1 1AB")
    family_of(("Ada", "Combley", date(2016, 2, 29), True), postcode="ZY2 1AB")
    assert found(name="combley", postcode="zy1") == [family.reference]


def test_a_postcode_matches_whole_or_by_its_start_with_or_without_the_space(app):
    family = family_of(("Ada", "Postley", None, True), postcode="zy3 4ab")
    assert family.postcode == "ZY3 4AB"
    for typed in ("ZY3", "zy3 4", "zy34ab", "ZY3 4AB", " zy3  4ab "):
        assert found(postcode=typed) == [family.reference], typed
    assert found(postcode="ZY34") == []


def test_possible_duplicates_share_a_date_of_birth_and_a_first_or_last_name(app):
    family = family_of(("Oswin", "Dupleton", date(2015, 5, 5), True))
    same_surname = MemberInput("Someone", "DUPLETON", date(2015, 5, 5), "Son", True)
    same_first_name = MemberInput("oswin", "Differentname", date(2015, 5, 5), "Son", True)
    other_birthday = MemberInput("Oswin", "Dupleton", date(2015, 5, 6), "Son", True)
    no_birthday = MemberInput("Oswin", "Dupleton", None, "Father", False)
    assert [p.family_id for p in families.possible_duplicates([same_surname])] == [family.id]
    assert [p.family_id for p in families.possible_duplicates([same_first_name])] == [family.id]
    assert families.possible_duplicates([other_birthday, no_birthday]) == []


def test_recording_a_family_writes_its_first_timeline_entry_and_an_audit_event(app):
    actor = make_user()
    family = families.create_family(
        address="  2 Pretend Street  ",
        postcode="zz991aa",
        languages="English",
        interpreter_needed=True,
        culture_and_identity="",
        members=[MemberInput(" Ada ", "Newby", date(2018, 1, 1), "Daughter", True, child_words=" Hello ")],
        actor=actor,
    )
    db.session.commit()
    assert family.reference.startswith("FAM-") and len(family.reference) == 10
    assert (family.address, family.postcode) == ("2 Pretend Street", "ZZ99 1AA")
    assert [(p.first_name, p.child_words) for p in family.members] == [("Ada", "Hello")]
    [entry] = db.session.scalars(families.timeline(family.id)).all()
    assert (entry.summary, entry.actor_id) == ("Family record created", actor.id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "create", AuditEvent.family_id == family.id)
    )
    assert (event.record_type, event.user_id) == ("family", actor.id)


def test_references_avoid_letters_and_digits_that_are_misheard(app):
    reference = families.new_family_reference(random.Random(1))
    assert reference.startswith("FAM-")
    assert not set(reference[4:]) & set("01IO")


def test_updating_a_person_is_on_the_timeline_and_audited(app):
    family = family_of(("Ada", "Changeling", date(2018, 1, 1), True))
    person = family.members[0]
    actor = make_user()
    known_to(family, actor)
    families.update_person(person, {"child_words": "  I like drawing.  "}, expected_version=1, actor=actor)
    db.session.commit()
    assert person.child_words == "I like drawing."
    assert db.session.scalars(families.timeline(family.id)).first().summary == "Details of Ada Changeling updated"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.record_id == str(person.id))
    )
    assert (event.family_id, event.user_id) == (family.id, actor.id)


def test_open_episodes_leave_out_closed_ones(app):
    family = family_of(("Ada", "Episodic", None, True))
    early_help = db.session.scalar(select(Service).where(Service.code == "early_help"))
    closed = Episode(
        family_id=family.id, service_id=early_help.id, started_on=date(2023, 1, 1), ended_on=date(2023, 6, 1)
    )
    current = Episode(family_id=family.id, service_id=early_help.id, started_on=date(2024, 1, 1))
    db.session.add_all([closed, current])
    db.session.commit()
    assert families.open_episodes(family.id) == [current]


def test_the_timeline_is_newest_first(app):
    family = family_of(("Ada", "Chronos", None, True))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for days in (3, 1, 2):
        families.add_to_timeline(family.id, f"Day {days}", "test", None, actor=None, at=start + timedelta(days=days))
    db.session.commit()
    summaries = [e.summary for e in db.session.scalars(families.timeline(family.id))]
    assert summaries == ["Family record created", "Day 3", "Day 2", "Day 1"]


def test_a_household_lists_the_children_first_oldest_first_then_the_adults(app):
    family = family_of(
        ("Ada", "Orderly", date(1980, 1, 1), False),
        ("Bea", "Orderly", date(2019, 1, 1), True),
        ("Cy", "Orderly", date(2012, 1, 1), True),
    )
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert [p.first_name for p in family.members] == ["Cy", "Bea", "Ada"]
    assert [p.first_name for p in family.children] == ["Cy", "Bea"]
    assert db.session.scalar(select(Person).where(Person.first_name == "Bea")).family.name == "Orderly"


def new_family(members, **overrides):
    return families.create_family(
        address="3 Pretend Street, Testtown",
        postcode="ZZ99 3AA",
        languages="English",
        interpreter_needed=False,
        culture_and_identity="",
        members=members,
        actor=overrides.pop("actor", None) or make_user(),
        **overrides,
    )


def test_a_family_that_may_already_be_known_is_recorded_only_once_confirmed(app):
    known = family_of(("Oswin", "Knownley", date(2015, 5, 5), True), reference="FAM-KNOWN1")
    actor = make_user()
    known_to(known, actor)  # the actor works with the known family, so the match shows in full
    members = [MemberInput("Oswin", "Knownley", date(2015, 5, 5), "Son", True)]
    with pytest.raises(NeedsConfirmation) as check:
        new_family(members, actor=actor)
    assert check.value.field == "confirm_new"
    [match] = check.value.findings
    assert (match.family_id, match.family_reference, match.full_name) == (known.id, "FAM-KNOWN1", "Oswin Knownley")
    assert db.session.scalar(select(Family).where(Family.postcode == "ZZ99 3AA")) is None
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create", AuditEvent.user_id == actor.id))
    assert refused.outcome == "refused"
    family = new_family(members, confirmed_new=True)
    assert family.members[0].full_name == "Oswin Knownley"


def test_a_household_needs_a_child_and_its_only_child_cannot_stop_being_one(app):
    with pytest.raises(Refused, match="Add at least one child") as refused:
        new_family([MemberInput("Ada", "Grownup", date(1980, 1, 1), "Mother", False)])
    assert refused.value.field == "household"
    family = family_of(("Ada", "Onlychild", date(2018, 1, 1), True), ("Bo", "Onlychild", None, False))
    child = family.children[0]
    actor = make_user()
    known_to(family, actor)
    with pytest.raises(Refused, match="only child in the household") as refused:
        families.update_person(child, {"is_child": False}, expected_version=1, actor=actor)
    assert refused.value.field == "is_child"
    assert db.session.get(Person, child.id).is_child
    second = Person(first_name="Cy", last_name="Onlychild", is_child=True, relationship_to_child="Son")
    family.members.append(second)
    db.session.commit()
    families.update_person(child, {"is_child": False}, expected_version=1, actor=actor)
    assert not db.session.get(Person, child.id).is_child
