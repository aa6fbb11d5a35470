"""Every list answers any page number a person might type, or a link might carry, without an error."""

import pytest

from tests.factories import known_to, make_family, make_user

LISTS = [
    ("referrals.queue", {}, "page"),
    ("transfers.queues", {"queue": "approve"}, "page"),
    ("families.search", {"q": "Testfamily"}, "page"),
    ("supervision.index", {}, "page"),
    ("main.notifications_list", {}, "page"),
]
TYPED = ["0", "-5", "abc", "2.5", "99999999999999999999", "1e9", ""]


@pytest.mark.parametrize("endpoint, args, page_arg", LISTS, ids=[endpoint for endpoint, _, _ in LISTS])
def test_a_list_answers_every_page_number_with_a_page(client, endpoint, args, page_arg):
    client.sign_in(make_user("team_manager", team_name="Front door"))
    for typed in TYPED:
        response = client.get(endpoint, **args, **{page_arg: typed})
        assert response.status_code == 200, (typed, response.status_code)
        assert "Traceback" not in response.text


def test_the_timeline_answers_every_page_number_with_a_page(client):
    family = make_family()
    manager = make_user("team_manager", team_name="Front door")
    known_to(family, manager)  # their team works with the family
    client.sign_in(manager)
    for typed in TYPED:
        assert client.get("families.show", family_id=family.id, timeline_page=typed).status_code == 200, typed
