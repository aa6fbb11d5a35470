"""Plain factory functions with keyword overrides. All names are fictional."""

import itertools

from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, Role, Team, User

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def role(code: str) -> Role:
    return db.session.scalar(select(Role).where(Role.code == code))


def team(name: str = "Early help team") -> Team:
    return db.session.scalar(select(Team).where(Team.name == name))


def make_user(role_code: str = "practitioner", *, team_name: str | None = "Early help team", **overrides) -> User:
    number = next(_sequence)
    user = User(
        email=overrides.pop("email", f"person{number}@test.example"),
        name=overrides.pop("name", f"Test Person {number}"),
        role=role(role_code),
        team=team(team_name) if team_name else None,
        **overrides,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_family(**overrides) -> Family:
    number = next(_sequence)
    family = Family(
        reference=overrides.pop("reference", f"TST-{number:06d}"),
        address=overrides.pop("address", f"{number} Example Road, Testtown"),
        postcode=overrides.pop("postcode", "ZZ99 1AA"),
        **overrides,
    )
    family.members.append(Person(first_name="Alex", last_name=f"Testfamily{number}", relationship_to_child="Mother"))
    db.session.add(family)
    db.session.commit()
    return family
