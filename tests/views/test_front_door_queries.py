"""Each list and record page of the front door and families loads what it shows in a fixed number of queries.

Every test builds 5 rows, counts the SQL statements of one page request, builds up to 50, and counts again:
the two counts are the same. Time stands still in each test, so that nothing that happens once a minute (a
session's last-seen time) lands in one count and not the other.
"""

from datetime import datetime, timedelta
from functools import partial

import pytest
import time_machine

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import (
    DecisionOutcome,
    Episode,
    LevelOfNeed,
    NextStep,
    NextStepStatus,
    OwnerKind,
    Person,
    Service,
    TimelineEntry,
)
from earlyhelp.services.referrals import decide_referral, rate_clarity, record_feedback
from tests.factories import make_family, make_household, make_referral, make_user, reference
from tests.helpers import counting_statements, statements_of
from tests.services.test_referrals import referral_received

# A Tuesday morning, well inside the working day.
FROZEN = datetime(2026, 11, 10, 10, 0, tzinfo=LONDON)
SIZES = (5, 50)
# Only the page request is counted: the tests make their own first request where one is needed.
statements = partial(statements_of, warm_up=False)


@pytest.fixture(autouse=True)
def still_time():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def officer(client):
    officer = make_user("front_door", team_name="Front door")
    client.sign_in(officer)
    return officer


def counts_as_rows_grow(client, add_rows, endpoint: str, **values) -> list[int]:
    counts, made = [], 0
    for size in SIZES:
        add_rows(size - made)
        made = size
        counts.append(statements(client, endpoint, **values))
    return counts


def decided(referral, actor, *, lead=None):
    outcome = reference(DecisionOutcome, code="early_help" if lead else "no_further_action")
    decide_referral(
        referral.id,
        outcome=outcome,
        decided_level=reference(LevelOfNeed, number=2),
        rationale="Needs can be met by a coordinated plan.",
        decided_at=clock.now(),
        late_reason="",
        lead=lead,
        actor=actor,
    )
    return referral


def test_the_queue_of_referrals_awaiting_a_decision_costs_the_same_with_5_or_50(client, officer):
    def add(count):
        for number in range(count):
            referral_received(
                make_household(children=2),
                actor=officer,
                agency_name=["School", "Police", "Health visitor"][number % 3],
                received_at=clock.now() - timedelta(hours=number),
            )

    small, large = counts_as_rows_grow(client, add, "referrals.queue")
    assert small == large


def test_the_queue_of_decided_referrals_costs_the_same_with_5_or_50(client, officer):
    lead = make_user("practitioner")

    def add(count):
        for number in range(count):
            referral = make_referral(
                make_household(children=1), actor=officer, received_at=clock.now() - timedelta(hours=1)
            )
            decided(referral, officer, lead=lead if number % 2 else None)

    small, large = counts_as_rows_grow(client, add, "referrals.queue", status="decided")
    assert small == large


def test_a_referral_page_costs_the_same_with_5_or_50_children(client, officer):
    counts = []
    for size in SIZES:
        referral = decided(make_referral(make_household(children=size), actor=officer), officer)
        record_feedback(referral, method="phone", at=clock.now(), actor=officer)
        rate_clarity(referral, clarity="partly", note="", actor=officer)
        counts.append(statements(client, "referrals.show", referral_id=referral.id))
    assert counts[0] == counts[1]


def test_the_decide_page_costs_the_same_with_5_or_50_leads_and_social_workers(client, officer):
    referral_id = make_referral(make_household(children=1), actor=officer).id

    def add(count):
        for _ in range(count):
            make_user("practitioner", team_name="Early help team")
            make_user("social_worker", team_name="Social care team")

    small, large = counts_as_rows_grow(client, add, "referrals.decide", referral_id=referral_id)
    assert small == large


def test_the_quality_page_costs_the_same_with_5_or_50_rated_referrals(client, officer):
    agencies = ["School", "Police", "Health visitor", "Housing", "GP"]

    def add(count):
        for number in range(count):
            referral = referral_received(
                make_household(children=1),
                actor=officer,
                agency_name=agencies[number % len(agencies)],
                received_at=clock.now() - timedelta(days=number * 3),
            )
            rate_clarity(referral, clarity=["yes", "partly", "no"][number % 3], note="", actor=officer)

    small, large = counts_as_rows_grow(client, add, "referrals.quality")
    assert small == large


def test_a_family_search_costs_the_same_with_5_or_50_families_found(client, officer):
    def add(count):
        for _ in range(count):
            family = make_family(postcode="ZQ9 9QQ")
            family.members.append(Person(first_name="Kit", last_name="Searchling", relationship_to_child="Son"))
            db.session.commit()

    small, large = counts_as_rows_grow(client, add, "families.search", postcode="ZQ9")
    assert small == large


def test_a_family_page_costs_the_same_with_5_or_50_of_everything(client, officer):
    family = make_household(children=1)
    family_id = family.id
    practitioner = make_user("practitioner")
    services = {service.code: service for service in db.session.scalars(db.select(Service))}
    for code, lead in (("early_help", practitioner), ("social_care", None)):
        db.session.add(
            Episode(family_id=family_id, service_id=services[code].id, lead_id=lead and lead.id, started_on=FROZEN)
        )
    db.session.commit()

    def add(count):
        for number in range(count):
            db.session.add(
                Person(
                    family_id=family_id,
                    first_name=f"Child{number}",
                    last_name="Manyfold",
                    is_child=True,
                    relationship_to_child="Daughter",
                )
            )
            db.session.add(
                NextStep(
                    family_id=family_id,
                    what=f"Step {number}",
                    owner_kind=OwnerKind.USER if number % 2 else OwnerKind.FAMILY_MEMBER,
                    owner_user_id=practitioner.id if number % 2 else None,
                    owner_name="" if number % 2 else "Mum",
                    due_on=clock.today() + timedelta(days=number),
                    status=NextStepStatus.OPEN,
                    source_type="family_plan",
                )
            )
            db.session.add(
                TimelineEntry(
                    family_id=family_id,
                    summary=f"Event {number}",
                    record_type="test",
                    actor_id=practitioner.id if number % 2 else officer.id,
                    at=clock.now() - timedelta(minutes=number),
                )
            )
            db.session.commit()
            make_referral(db.session.get(type(family), family_id), actor=officer)

    small, large = counts_as_rows_grow(client, add, "families.show", family_id=family_id)
    assert small == large


def test_a_person_edit_page_costs_the_same_in_a_household_of_5_or_50(client, officer):
    family = make_household(children=1)
    make_referral(family, actor=officer)  # a referral waiting: the front door's working relationship
    family_id, person_id = family.id, family.children[0].id

    def add(count):
        for number in range(count):
            db.session.add(
                Person(family_id=family_id, first_name=f"P{number}", last_name="Wide", relationship_to_child="Aunt")
            )
        db.session.commit()

    small, large = counts_as_rows_grow(client, add, "families.edit_person", family_id=family_id, person_id=person_id)
    assert small == large


def test_the_new_family_page_with_possible_matches_costs_the_same_with_5_or_50_people_like_them(client, officer):
    born = FROZEN.date().replace(year=2016)
    form = {
        "address": "12 Imaginary Lane, Testtown",
        "postcode": "ZZ99 9ZZ",
        "languages": "English",
        "interpreter_needed": "no",
        "members-0-first_name": "Quill",
        "members-0-last_name": "Matchworth",
        "members-0-date_of_birth": [str(born.day), str(born.month), str(born.year)],
        "members-0-relationship_to_child": "Son",
        "members-0-is_child": "yes",
    }

    def add(count):
        for _ in range(count):
            family = make_family()
            family.members.append(
                Person(
                    first_name="Quill",
                    last_name="Matchworth",
                    date_of_birth=born,
                    is_child=True,
                    relationship_to_child="Son",
                )
            )
        db.session.commit()

    counts, made = [], 0
    for size in SIZES:
        add(size - made)
        made = size
        token = client.csrf_token("families.new")
        with counting_statements() as count:
            response = client.post("families.new", form | {"csrf_token": token})
        assert "Possible matches" in response.text
        counts.append(count())
    assert counts[0] == counts[1]


# Putting referrals right, and decisions waiting for sign-off (issue 11, parts 3 and 4).


def _amended(referral, actor, times: int, start: int = 0):
    from earlyhelp.services.referrals import ChildInput, amend_referral

    for number in range(times):
        referral = db.session.get(type(referral), referral.id)
        fields = {
            name: getattr(referral, name)
            for name in [
                "received_at",
                "agency_id",
                "referrer_name",
                "referrer_role",
                "referrer_phone",
                "referrer_email",
                "level_id",
                "worries",
                "what_has_been_tried",
                "if_nothing_changes",
                "immediate_danger",
                "family_knows",
                "family_agrees",
                "family_agreement_note",
            ]
        } | {"referrer_phone": f"01632 961{start + number:03d}"}
        children = [ChildInput(c.person_id, c.included, c.impact, c.reason_not_included) for c in referral.children]
        amend_referral(
            referral.id,
            fields=fields,
            children=children,
            reason="The referrer gave a new phone number.",
            version=referral.version,
            actor=actor,
        )


def test_a_referral_page_costs_the_same_with_5_or_50_changes_and_linked_referrals(client, officer):
    family = make_household(children=1)
    referral = make_referral(family, actor=officer)
    made = 0
    counts = []
    for size in SIZES:
        _amended(referral, officer, size - made, start=made)
        for _ in range(size - made):
            other = make_referral(family, actor=officer)
            db.session.get(type(other), other.id).linked_to_id = referral.id
        db.session.commit()
        made = size
        counts.append(statements(client, "referrals.show", referral_id=referral.id))
    assert counts[0] == counts[1]


def test_the_amend_page_costs_the_same_with_5_or_50_children(client, officer):
    counts = []
    for size in SIZES:
        referral = make_referral(make_household(children=size), actor=officer)
        counts.append(statements(client, "referrals.amend", referral_id=referral.id))
    assert counts[0] == counts[1]


def test_the_duplicate_page_costs_the_same_with_5_or_50_other_referrals(client, officer):
    family = make_household(children=1)
    referral = make_referral(family, actor=officer)

    def add(count):
        for number in range(count):
            make_referral(family, actor=officer, agency_name=["School", "Police", "GP"][number % 3])

    small, large = counts_as_rows_grow(client, add, "referrals.mark_duplicate", referral_id=referral.id)
    assert small == large


def test_the_new_referral_page_costs_the_same_with_5_or_50_recent_referrals(client, officer):
    family = make_household(children=1)
    lead = make_user("practitioner")
    db.session.add(
        Episode(
            family_id=family.id,
            service_id=db.session.scalar(db.select(Service.id).where(Service.code == "early_help")),
            lead_id=lead.id,
            team_id=lead.team_id,
            started_on=FROZEN.date(),
        )
    )
    db.session.commit()

    def add(count):
        for number in range(count):
            make_referral(family, actor=officer, agency_name=["School", "Police", "GP"][number % 3])

    small, large = counts_as_rows_grow(client, add, "referrals.new", family_id=family.id)
    assert small == large


def _pending(officer, count):
    for _ in range(count):
        referral = make_referral(make_household(children=1), actor=officer)
        decide_referral(
            referral.id,
            outcome=reference(DecisionOutcome, code="no_further_action"),
            decided_level=reference(LevelOfNeed, number=3),
            rationale="Universal services can meet these needs.",
            decided_at=clock.now(),
            late_reason="",
            lead=None,
            actor=officer,
        )


def test_the_queue_of_decisions_waiting_for_sign_off_costs_the_same_with_5_or_50(client, officer):
    small, large = counts_as_rows_grow(
        client, lambda count: _pending(officer, count), "referrals.queue", status="pending_sign_off"
    )
    assert small == large


def test_the_queue_of_withdrawn_referrals_costs_the_same_with_5_or_50(client, officer):
    from earlyhelp.services.referrals import withdraw_referral

    def add(count):
        for _ in range(count):
            referral = make_referral(make_household(children=1), actor=officer)
            withdraw_referral(referral.id, reason="The school referred the wrong family.", actor=officer)

    small, large = counts_as_rows_grow(client, add, "referrals.queue", status="withdrawn")
    assert small == large


def test_a_front_door_managers_my_work_costs_the_same_with_5_or_50_decisions_to_sign_off(app, officer):
    from tests.helpers import TestClient

    manager = TestClient(app)
    manager.sign_in(make_user("team_manager", team_name="Front door"))
    small, large = counts_as_rows_grow(manager, lambda count: _pending(officer, count), "main.home")
    assert small == large


def test_the_sign_off_page_costs_the_same_with_5_or_50_children(app, officer):
    from tests.helpers import TestClient

    manager = TestClient(app)
    manager.sign_in(make_user("team_manager", team_name="Front door"))
    counts = []
    for size in SIZES:
        referral = make_referral(make_household(children=size), actor=officer)
        decide_referral(
            referral.id,
            outcome=reference(DecisionOutcome, code="information_and_advice"),
            decided_level=reference(LevelOfNeed, number=4),
            rationale="Advice and a review will meet these needs.",
            decided_at=clock.now(),
            late_reason="",
            lead=None,
            actor=officer,
        )
        counts.append(statements(manager, "referrals.sign_off", referral_id=referral.id))
    assert counts[0] == counts[1]
