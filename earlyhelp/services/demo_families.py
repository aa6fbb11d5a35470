"""Demo families kept up to date: every change made through the use cases, so that each has its history,
its timeline line and its audit event, as if a practitioner had made it.

- each child of the demo practitioner's families has a sex, an ethnicity (2021 census) and an NHS number
  (fictional: the 999 range is never issued, and each passes the modulus 11 check), most verified, one
  not recorded with the reason; each adult in them has a phone number from Ofcom's drama range
  (07700 900000 to 07700 900999, never a real line);
- one family has moved house, and has a new baby born this month;
- in one, an adult has left the household (kept on the record, shown as "Left the household on ...");
- two have a significant adult outside the household: a grandmother who cares, a father living elsewhere.

Called by earlyhelp/services/demo.py: `seed_family_changes(accounts, random_seed=...)`, after the other
histories (it uses the demo practitioner's open episodes, leaving out a restricted family).
"""

import random
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.ethnicity import CENSUS_2021
from earlyhelp.domain.nhs_number import NhsNumberStatus, check_digit
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, User
from earlyhelp.services import families

# Weighted roughly as the children of an English county: most White British, every group present.
ETHNICITY_WEIGHTS = {"white_british": 12, "white_other": 2, "asian_pakistani": 2, "mixed_white_black_caribbean": 2}


def demo_nhs_numbers():
    """Fictional NHS numbers, each passing the modulus 11 check: 999 000 0018, 999 000 0026, ..."""
    for serial in range(1, 1_000_000):
        first_nine = f"999{serial:06d}"
        digit = check_digit(first_nine)
        if digit is not None:
            yield first_nine + str(digit)


def demo_phone_numbers():
    """07700 900000 to 07700 900999: Ofcom keeps these for drama, so none is anyone's number."""
    for serial in range(1000):
        yield f"07700 900{serial:03d}"


def seed_family_changes(accounts: list[User], *, random_seed: int | None = None) -> None:
    rng = random.Random(random_seed)  # noqa: S311 (demo data: repeatable, not secret)
    practitioner = next(a for a in accounts if a.email.startswith("practitioner@"))
    held = db.session.scalars(
        select(Family)
        .join(Episode, Episode.family_id == Family.id)
        .where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None), Family.restricted.is_(False))
        .order_by(Family.id)
        .distinct()
    ).all()
    if not held:
        return
    numbers, phones = demo_nhs_numbers(), demo_phone_numbers()
    codes = [e.code for e in CENSUS_2021]
    weights = [ETHNICITY_WEIGHTS.get(code, 1) for code in codes]
    not_recorded_given = False
    ethnicity_of = {}
    for family in held:
        ethnicity = ethnicity_of[family.id] = rng.choices(codes, weights)[0]
        for person in list(family.household):
            if person.is_child:
                if not not_recorded_given and family is not held[0]:
                    nhs = {
                        "nhs_number_status": NhsNumberStatus.NOT_RECORDED,
                        "nhs_number_missing_reason": (
                            "Not yet registered with a GP: the family moved to Northshire last month."
                        ),
                    }
                    not_recorded_given = True
                else:
                    status = NhsNumberStatus.VERIFIED if rng.random() < 0.8 else NhsNumberStatus.UNVERIFIED
                    nhs = {"nhs_number": next(numbers), "nhs_number_status": status}
                changes = {"sex": rng.choice(["female", "male"]), "ethnicity": ethnicity, **nhs}
            else:
                changes = {"phone": next(phones)}
            families.update_person(person, changes, expected_version=person.version, actor=practitioner)

    today = clock.today()
    _new_baby(held[0], practitioner, ethnicity=ethnicity_of[held[0].id], nhs=next(numbers), today=today)
    if len(held) > 1:
        _someone_left(held[1], practitioner, today=today, phone=next(phones))
    if len(held) > 2:
        _adult_elsewhere(
            held[2],
            practitioner,
            "Grandmother",
            "Cares for the children after school every weekday",
            phone=next(phones),
            first_name="Maureen",
        )
    if len(held) > 3:
        _adult_elsewhere(
            held[3],
            practitioner,
            "Father",
            "Lives in Testtown; sees the children every other weekend",
            phone=next(phones),
            first_name="Gareth",
        )


def _new_baby(family: Family, practitioner: User, *, ethnicity: str, nhs: str, today) -> None:
    """The family moved house last week, and has a baby born this month."""
    families.update_family_details(
        family,
        expected_version=family.version,
        changes={"address": "Flat 3, 18 Orchard Rise, Northshire", "postcode": "NE99 7ZZ"},
        actor=practitioner,
    )
    surname = family.household[0].last_name
    families.add_person(
        family,
        families.MemberInput(
            "Ivy",
            surname,
            today - timedelta(days=9),
            "Daughter",
            True,
            sex="female",
            ethnicity=ethnicity,
            nhs_number=nhs,
            nhs_number_status=NhsNumberStatus.UNVERIFIED,
        ),
        actor=practitioner,
    )


def _someone_left(family: Family, practitioner: User, *, today, phone: str) -> None:
    """An adult moved out three weeks ago (told to the practitioner today, so recorded late with why); if
    the household has only one adult, a new partner moves in and then leaves."""
    adults = [person for person in family.household if not person.is_child]
    if len(adults) < 2:
        families.add_person(
            family,
            families.MemberInput(
                "Dean",
                "Fairweather",
                None,
                "Mum's partner",
                False,
                joined_on=today - timedelta(weeks=12),
                phone=phone,
            ),
            actor=practitioner,
            late_reason="Mum told us at the home visit today that Dean moved in over the summer.",
        )
        adults = [person for person in family.household if not person.is_child]
    leaving = adults[-1]
    families.record_leaving(
        leaving,
        left_on=today - timedelta(weeks=3),
        reason="Moved out after the couple separated; he now lives with his brother in Testtown.",
        expected_version=leaving.version,
        late_reason="Mum told us at the home visit today; she had not felt able to say before.",
        actor=practitioner,
    )


def _adult_elsewhere(
    family: Family, practitioner: User, relationship: str, involvement: str, *, phone: str, first_name: str
) -> None:
    surname = family.children[0].last_name if family.children else family.name.split(" / ")[0]
    families.add_person(
        family,
        families.MemberInput(
            first_name, surname, None, relationship, False, in_household=False, involvement=involvement, phone=phone
        ),
        actor=practitioner,
    )
