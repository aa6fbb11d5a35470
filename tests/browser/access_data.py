"""The family and people for the access-by-working-relationship journey, made in the live server's database.

A family held by Early help north (lead Robin Practitioner, whose manager is Morgan Manager) with a referral,
a draft family plan, a next step and a draft step-up; and a practitioner in Early help south who has no
working relationship with it. Names are fictional and distinctive, so a page that shows them showed the family.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, User
from earlyhelp.services import family_plans
from tests.factories import PASSWORD, make_episode, make_next_step, make_referral, make_transfer, make_user

SURNAME = "Thistlewaite-Orme"
PARENT = "Ottoline"
CHILDREN = ("Perpetua", "Leofric")
ADDRESS = "7 Quillon Lane, Northtown"
OUTSIDER_NAME = "Jory Southcombe"
OUTSIDER_EMAIL = "jory.southcombe@northshire.example"
OUTSIDER_PASSWORD = PASSWORD
MANAGER_EMAIL = "team.manager@northshire.example"


@dataclass(frozen=True)
class HeldFamily:
    family_id: int
    reference: str
    plan_id: int
    referral_id: int
    transfer_id: int
    lead_name: str


def a_family_held_by_the_north_team(app) -> HeldFamily:
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == "practitioner@northshire.example"))
        family = Family(reference="ACCESS-7301", address=ADDRESS, postcode="ZZ99 7QL")
        family.members.append(Person(first_name=PARENT, last_name=SURNAME, relationship_to_child="Mother"))
        for number, name in enumerate(CHILDREN):
            family.members.append(
                Person(
                    first_name=name,
                    last_name=SURNAME,
                    is_child=True,
                    date_of_birth=date(2016 + number, 5, 1),
                    relationship_to_child="Daughter" if number == 0 else "Son",
                )
            )
        db.session.add(family)
        db.session.commit()
        episode = make_episode(family, lead=lead)
        referral = make_referral(family, actor=lead)
        make_next_step(lead, family=family, what="Phone Quillon Primary about attendance")
        plan = family_plans.start_draft(family, actor=lead, today=clock.today())
        db.session.commit()
        transfer = make_transfer(episode, actor=lead)
        make_user("practitioner", team_name="Early help south", name=OUTSIDER_NAME, email=OUTSIDER_EMAIL)
        return HeldFamily(family.id, family.reference, plan.id, referral.id, transfer.id, lead.name)
