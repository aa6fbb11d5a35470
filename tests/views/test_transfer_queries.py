"""Each step-up and step-down page loads what it shows in a fixed number of statements, however much there is.

Every test builds its page with 5 rows and with 50 (requests in a list; children, history and next steps on a
record) and counts only the page request. All names are fictional.
"""

from functools import partial

import pytest

from earlyhelp.domain.transfers import Direction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Person
from tests.factories import make_episode, make_household, make_user
from tests.factories_transfers import many_requests, quick_request, with_history
from tests.helpers import TestClient, statements_of

FEW, MANY = 5, 50
# Only the page request is counted: the tests make their own first request where one is needed.
statements = partial(statements_of, warm_up=False)


@pytest.fixture
def people(app):
    return {
        "lead": make_user("practitioner", team_name="Early help team", name="Robin Quillfeather"),
        "manager": make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite"),
        "worker": make_user("social_worker", team_name="Social care team", name="Kit Marrowby"),
    }


def signed_in(app, user) -> TestClient:
    client = TestClient(app)
    client.sign_in(user)
    return client


def growing_list(make, client, queue):
    """The list's statements with FEW requests in it, then with MANY."""
    make(FEW)
    client.get("transfers.queues", queue=queue)  # the first request of a session is not the page's own cost
    few = statements(client, "transfers.queues", queue=queue)
    make(MANY - FEW)
    return few, statements(client, "transfers.queues", queue=queue)


def test_the_list_to_decide_runs_as_many_statements_for_50_requests_as_for_5(app, people):
    client = signed_in(app, people["worker"])

    def make(count):
        many_requests(count, requester=people["lead"], state=TransferState.SENT)

    few, many = growing_list(make, client, "decide")
    assert few == many


def test_the_list_to_approve_runs_as_many_statements_for_50_requests_as_for_5(app, people):
    client = signed_in(app, people["manager"])

    def make(count):
        many_requests(count, requester=people["lead"], state=TransferState.AWAITING_APPROVAL)

    few, many = growing_list(make, client, "approve")
    assert few == many


def test_my_requests_run_as_many_statements_for_50_requests_as_for_5(app, people):
    client = signed_in(app, people["lead"])
    states = [TransferState.DRAFT, TransferState.SENT, TransferState.ACCEPTED, TransferState.DECLINED]

    def make(count):
        for number in range(count):
            quick_request(
                requester=people["lead"],
                state=states[number % len(states)],
                receiving_lead=people["worker"],
                commit=False,
            )
        db.session.commit()

    few, many = growing_list(make, client, "mine")
    assert few == many


def test_the_list_awaiting_handover_runs_as_many_statements_for_50_requests_as_for_5(app, people):
    client = signed_in(app, people["worker"])

    def make(count):
        many_requests(count, requester=people["lead"], state=TransferState.ACCEPTED, receiving_lead=people["worker"])

    few, many = growing_list(make, client, "handover")
    assert few == many


def test_the_second_page_of_a_list_runs_as_many_statements_as_the_first(app, people):
    many_requests(MANY, requester=people["lead"], state=TransferState.SENT)
    client = signed_in(app, people["worker"])
    client.get("transfers.queues")
    assert statements(client, "transfers.queues", page=1) == statements(client, "transfers.queues", page=2)


def a_request_with(size: int, people) -> dict:
    """An accepted step-up with `size` children, `size` events in its history and `size` next steps."""
    transfer = quick_request(
        requester=people["lead"], state=TransferState.ACCEPTED, receiving_lead=people["worker"], children=size
    )
    with_history(transfer, events=size, steps=size, owner=people["worker"])
    return {"transfer_id": transfer.id}


def test_a_request_page_runs_as_many_statements_with_50_children_events_and_steps_as_with_5(app, people):
    few, many = a_request_with(FEW, people), a_request_with(MANY, people)
    client = signed_in(app, people["worker"])
    client.get("transfers.show", **few)
    assert statements(client, "transfers.show", **few) == statements(client, "transfers.show", **many)


def test_a_step_down_page_runs_as_many_statements_with_50_children_events_and_steps_as_with_5(app, people):
    sizes = []
    for size in (FEW, MANY):
        transfer = quick_request(
            requester=people["worker"],
            state=TransferState.SENT,
            direction=Direction.STEP_DOWN,
            receiving_team="Early help team",
            children=size,
        )
        with_history(transfer, events=size, steps=size, owner=people["lead"])
        sizes.append({"transfer_id": transfer.id})
    client = signed_in(app, people["lead"])
    client.get("transfers.show", **sizes[0])
    assert statements(client, "transfers.show", **sizes[0]) == statements(client, "transfers.show", **sizes[1])


def test_the_handover_plan_page_runs_as_many_statements_with_50_next_steps_as_with_5(app, people):
    few, many = a_request_with(FEW, people), a_request_with(MANY, people)
    client = signed_in(app, people["worker"])
    client.get("transfers.edit_plan", **few)
    assert statements(client, "transfers.edit_plan", **few) == statements(client, "transfers.edit_plan", **many)


def household_of(size: int, *, service_code: str, lead) -> dict:
    family = make_household(children=size)
    for number in range(size):  # and as many adults: the page lists only the children
        family.members.append(Person(first_name=f"Adult{number}", last_name="Testfamily", relationship_to_child="Aunt"))
    db.session.commit()
    return {"episode_id": make_episode(family, service_code=service_code, lead=lead).id}


@pytest.mark.parametrize(
    ("endpoint", "service_code", "who"),
    [("transfers.new_step_up", "early_help", "lead"), ("transfers.new_step_down", "social_care", "worker")],
)
def test_a_new_request_page_runs_as_many_statements_for_50_children_as_for_5(app, people, endpoint, service_code, who):
    few = household_of(FEW, service_code=service_code, lead=people[who])
    many = household_of(MANY, service_code=service_code, lead=people[who])
    for number in range(MANY):  # more people to choose from as the step-down's lead and task owners
        make_user("practitioner", team_name="Early help team", name=f"Practitioner {number}")
    client = signed_in(app, people[who])
    client.get(endpoint, **few)
    assert statements(client, endpoint, **few) == statements(client, endpoint, **many)
