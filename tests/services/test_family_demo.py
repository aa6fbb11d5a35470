"""The demo's families kept up to date (earlyhelp/services/demo_families.py), made through the use cases."""

from datetime import datetime

import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.domain import nhs_number
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, Person
from earlyhelp.models.families import FamilyChange
from earlyhelp.services.demo_families import demo_nhs_numbers, seed_family_changes
from tests.factories import make_episode, make_household, make_user


def test_the_demo_numbers_are_fictional_and_pass_the_modulus_11_check():
    numbers = [number for number, _ in zip(demo_nhs_numbers(), range(200), strict=False)]
    assert numbers[:2] == ["9990000018", "9990000026"]
    assert all(number.startswith("999") and nhs_number.is_valid(number) for number in numbers)
    assert len(set(numbers)) == 200


def test_the_demo_practitioners_families_get_a_baby_a_leaver_adults_elsewhere_and_identities(app):
    practitioner = make_user(email="practitioner@northshire.example", name="Robin Practitioner")
    households = [make_household(children=2) for _ in range(4)]
    for family in households:
        make_episode(family, lead=practitioner)
    with time_machine.travel(datetime(2026, 11, 10, 10, 0, tzinfo=LONDON), tick=False):
        seed_family_changes([practitioner], random_seed=7)
    db.session.expire_all()
    people = db.session.scalars(select(Person).where(Person.family_id.in_([f.id for f in households]))).all()
    babies = [p for p in people if p.first_name == "Ivy"]
    assert len(babies) == 1 and babies[0].lives_here and babies[0].nhs_number_status == "unverified"
    assert [p.left_reason for p in people if p.has_left] == [
        "Moved out after the couple separated; he now lives with his brother in Testtown."
    ]
    assert sorted(p.relationship_to_child for p in people if not p.in_household) == ["Father", "Grandmother"]
    children = [p for p in people if p.is_child]
    assert all(p.sex in ("female", "male") and p.ethnicity for p in children)
    numbers = [p.nhs_number for p in children if p.nhs_number]
    assert len(numbers) == len(children) - 1 and all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)
    [missing] = [p for p in children if p.nhs_number_status == "not_recorded"]
    assert missing.nhs_number_missing_reason.startswith("Not yet registered with a GP")
    phones = [p.phone for p in people if not p.is_child and p.phone]
    assert phones and all(phone.startswith("07700 900") for phone in phones)
    # Each change went through the use cases: kept in the history and audited, as the practitioner's.
    assert db.session.scalar(select(FamilyChange).where(FamilyChange.changed_by_id != practitioner.id)) is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "leave")).one().user_id == practitioner.id
