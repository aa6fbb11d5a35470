"""One record per create form under real concurrency (issue 13, part 6): the same form (the same one-time key)
posted by two threads at the same moment, each with its own connection (tests/test_races.py shows how). On
PostgreSQL the two transactions overlap and the unique key decides; on SQLite writers queue. Either way there
is one record, both posts land in the same place, and neither sees a 500. All names are fictional."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Family, NextStep, Person, TimelineEntry
from tests.factories import make_episode, make_household, make_user
from tests.helpers import app_on_fresh_database
from tests.test_races import at_once, poster, statuses


@pytest.fixture(scope="module")
def race_app():
    with app_on_fresh_database("races_creates") as app:
        yield app


def count(app, model, *where) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def both_land_in_one_place(results) -> None:
    assert statuses(results) == [302, 302], "never a 500, never a refusal of the same form"
    assert results[0].headers["Location"] == results[1].headers["Location"], "both go to the one record"


def test_the_same_new_family_form_posted_twice_at_once_records_one_family(race_app):
    from tests.views.test_families import new_family_form

    with race_app.app_context():
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        db.session.commit()
        robin_id = robin.id
        db.session.remove()
    address = f"{uuid.uuid4().hex[:6]} Imaginary Lane, Testtown"
    data = new_family_form(address=address) | {"submission_key": uuid.uuid4().hex}
    results = at_once(race_app, [poster(race_app, robin_id, "families.new", data) for _ in range(2)])

    both_land_in_one_place(results)
    assert count(race_app, Family, Family.address == address) == 1
    with race_app.app_context():
        family_id = db.session.scalar(select(Family.id).where(Family.address == address))
        db.session.remove()
    assert count(race_app, Person, Person.family_id == family_id) == 2
    assert count(race_app, TimelineEntry, TimelineEntry.family_id == family_id) == 1


def step_alone(**overrides) -> dict:
    """The add-a-step questions posted on their own (the plan left as it is), with a one-time key."""
    due = clock.today() + timedelta(days=7)
    return {
        "what": "Book a dentist appointment for the children",
        "owner_kind": "family_member",
        "owner_user": "",
        "owner_name": "Alex Testfamily",
        "owner_agency": "",
        "due_in": "date",
        "due_on": [str(due.day), str(due.month), str(due.year)],
        "submit_step": "Add next step",
        "submission_key": uuid.uuid4().hex,
    } | overrides


def test_the_same_next_step_posted_twice_at_once_to_a_family_plan_adds_one_step(race_app):
    from earlyhelp.services import family_plans

    with race_app.app_context():
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        family = make_household(children=1)
        make_episode(family, lead=robin)
        plan = family_plans.start_draft(family, actor=robin, today=clock.today())
        db.session.commit()
        ids = robin.id, plan.id
        db.session.remove()
    data = step_alone()
    results = at_once(
        race_app, [poster(race_app, ids[0], "family_plans.add_step", data, plan_id=ids[1]) for _ in range(2)]
    )

    both_land_in_one_place(results)
    assert count(race_app, NextStep, NextStep.source_type == "family_plan", NextStep.source_id == ids[1]) == 1


def test_the_same_next_step_posted_twice_at_once_to_a_handover_plan_adds_one_step(race_app):
    from tests.views.test_transfers import accepted_step_up

    with race_app.app_context():
        _, transfer, _, receiver = accepted_step_up()
        db.session.commit()
        ids = receiver.id, transfer.id, transfer.handover_plan.id
        db.session.remove()
    data = step_alone(what="Ring the school about mornings")
    results = at_once(
        race_app, [poster(race_app, ids[0], "transfers.add_next_step", data, transfer_id=ids[1]) for _ in range(2)]
    )

    both_land_in_one_place(results)
    assert count(race_app, NextStep, NextStep.source_type == "handover_plan", NextStep.source_id == ids[2]) == 1


def test_the_same_restriction_posted_twice_at_once_names_each_person_once(race_app):
    from earlyhelp.models import RestrictedAccess

    with race_app.app_context():
        manager = make_user("team_manager", name="Morgan Manager")
        robin = make_user("practitioner", name="Robin Named")
        family = make_household()
        make_episode(family, lead=make_user("practitioner", name="Sam Unnamed"))
        db.session.commit()
        ids = manager.id, robin.id, family.id
        db.session.remove()
    data = {"reason": "A member of staff's sister: only the team manager and Robin may see it.", "named": [str(ids[1])]}
    results = at_once(
        race_app, [poster(race_app, ids[0], "restrictions.edit", data, family_id=ids[2]) for _ in range(2)]
    )

    both_land_in_one_place(results)
    with race_app.app_context():
        named = db.session.scalars(select(RestrictedAccess.user_id).where(RestrictedAccess.family_id == ids[2])).all()
        db.session.remove()
    assert sorted(named) == sorted(ids[:2]), "each person named once"
    restricted = TimelineEntry.summary.in_(["Record restricted", "Restriction changed"])
    assert count(race_app, TimelineEntry, TimelineEntry.family_id == ids[2], restricted) == 1
