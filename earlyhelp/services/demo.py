"""Fictional demo data. Names, addresses and postcodes come from Faker (en_GB): none is a real person.

Each capability adds its part here, so that whoever signs in as a demo role meets every part of the
product in a realistic state.
"""

import random
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import exists, select

from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, Role, Service, Setting, Team, User
from earlyhelp.models.base import utcnow
from earlyhelp.services.accounts import create_user

MARKER = "demo_data"
DEMO_DOMAIN = "northshire.example"  # .example is reserved: these addresses can never reach anyone

DEMO_TEAMS = [("Early help north", "early_help"), ("Early help south", "early_help")]

# (email local part, name, role code, team name)
DEMO_ACCOUNTS = [
    ("practitioner", "Robin Practitioner", "practitioner", "Early help north"),
    ("social.worker", "Sam Socialworker", "social_worker", "Social care team"),
    ("front.door", "Frankie Frontdoor", "front_door", "Front door"),
    ("team.manager", "Morgan Manager", "team_manager", "Early help north"),
    ("admin", "Ash Administrator", "administrator", None),
]

CHILD_RELATIONSHIPS = ["Son", "Daughter", "Stepson", "Stepdaughter", "Grandson", "Granddaughter"]
ADULT_RELATIONSHIPS = ["Mother", "Father", "Stepfather", "Grandmother", "Carer"]
LANGUAGES = ["English"] * 8 + ["English, Polish", "English, Urdu", "Romanian", "Arabic, English", "Somali"]


def is_loaded() -> bool:
    return db.session.get(Setting, MARKER) is not None


def accounts() -> list[User]:
    return db.session.scalars(select(User).where(User.email.endswith("@" + DEMO_DOMAIN)).order_by(User.id)).all()


def database_is_empty() -> bool:
    return not db.session.scalar(select(exists().where(User.id.isnot(None)))) and not db.session.scalar(
        select(exists().where(Family.id.isnot(None)))
    )


def seed(*, password: str, family_count: int, random_seed: int | None = None) -> list[User]:
    rng = random.Random(random_seed)
    fake = Faker("en_GB")
    fake.seed_instance(random_seed)
    teams = _teams()
    roles = {r.code: r for r in db.session.scalars(select(Role))}
    accounts = [
        create_user(
            email=f"{local}@{DEMO_DOMAIN}", name=name, password=password, role=roles[role], team=teams.get(team)
        )
        for local, name, role, team in DEMO_ACCOUNTS
    ]
    for number in range(1, family_count + 1):
        db.session.add(_family(number, fake, rng))
        if number % 1000 == 0:
            db.session.flush()
    db.session.add(Setting(key=MARKER, value=f"loaded {utcnow().isoformat()}"))
    db.session.commit()
    return accounts


def _teams() -> dict[str, Team]:
    services = {s.code: s for s in db.session.scalars(select(Service))}
    for name, service_code in DEMO_TEAMS:
        db.session.add(Team(name=name, service=services[service_code]))
    db.session.flush()
    return {t.name: t for t in db.session.scalars(select(Team))}


def _family(number: int, fake: Faker, rng: random.Random) -> Family:
    today = date.today()
    surname = fake.last_name()
    family = Family(
        reference=f"FAM-{number:06d}",
        address=f"{fake.building_number()} {fake.street_name()}, {fake.city()}",
        postcode=fake.postcode(),
        languages=rng.choice(LANGUAGES),
        interpreter_needed=rng.random() < 0.08,
        culture_and_identity="",
    )
    for _ in range(rng.choice([1, 1, 2])):
        family.members.append(
            Person(
                first_name=fake.first_name(),
                last_name=surname if rng.random() < 0.8 else fake.last_name(),
                date_of_birth=today - timedelta(days=rng.randint(20 * 365, 55 * 365)),
                relationship_to_child=rng.choice(ADULT_RELATIONSHIPS),
                is_child=False,
            )
        )
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        family.members.append(
            Person(
                first_name=fake.first_name(),
                last_name=surname,
                date_of_birth=today - timedelta(days=rng.randint(30, 17 * 365)),
                relationship_to_child=rng.choice(CHILD_RELATIONSHIPS),
                is_child=True,
                school_or_setting=f"{fake.city()} {rng.choice(['Primary School', 'Academy', 'Nursery'])}",
            )
        )
    return family
