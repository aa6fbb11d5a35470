"""Pages whose statements do not grow with the data: each list and record page of next steps, supervision, My work
and notifications runs as many SQL statements with 50 rows as with 5. All names are fictional.

Each test builds 5 rows, counts the statements of one page request, builds up to 50, and counts again. Only the
page request is counted (its sign-in check, its queries, and the audit event written after it).
"""

from datetime import timedelta

import pytest

from earlyhelp.clock import today
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.notifications import notify
from tests.factories import (
    known_to,
    make_episode,
    make_household,
    make_next_step,
    make_supervision,
    make_transfer,
    make_user,
)
from tests.helpers import soup_of, steps_in_my_work
from tests.helpers import statements_of as statements

HTMX = {"HX-Request": "true"}


def the_same_with_5_and_50(client, endpoint, grow, shown=None, **values):
    """Grow to 5 rows and count; grow to 50 and count again. `shown(page)` says how many rows the page shows."""
    counts, sizes = [], []
    made = 0
    for size in (5, 50):
        grow(made, size)
        made = size
        counts.append(statements(client, endpoint, **values))
        if shown is not None:
            sizes.append(shown(soup_of(client.get(endpoint, **values))))
    assert counts[0] == counts[1], f"{counts[0]} statements with 5 rows, {counts[1]} with 50"
    return sizes


def manager(name="Morgan Thistlewhite"):
    return make_user("team_manager", team_name="Early help team", name=name)


def practitioner(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def a_step(family, owner, number, *, by=None, source_type="supervision", source_id=None):
    """A next step; some overdue, some due this week, some later."""
    return make_next_step(
        owner,
        by=by,
        what=f"Next step {number}",
        due_on=today() + timedelta(days=number % 21 - 7),
        added_on=today() - timedelta(days=30),
        family=family,
        source_type=source_type,
        source_id=source_id,
    )


def a_supervision(supervisor, worker, family=None, *, weeks_ago=5, steps=()):
    held = today() - timedelta(weeks=weeks_ago)
    written = today() - timedelta(days=30) if steps else held
    return make_supervision(
        supervisor, worker, family, held_on=held, next_on=held + timedelta(weeks=4), steps=steps, written_on=written
    )


def a_family_led_by(lead, number, *, supervisor=None):
    """A family the lead works with: one open next step for them, and (with a supervisor) a case supervision.
    Returns the family and the lead's episode with it."""
    family = make_household(children=1)
    episode = make_episode(family, lead=lead)
    a_step(family, lead, number)
    if supervisor is not None:
        a_supervision(supervisor, lead, family, weeks_ago=4 + number % 3)
    return family, episode


def rows_of_my_work(page) -> int:
    return steps_in_my_work(page)


# My work


def rows_and_requests(page) -> tuple[int, int]:
    """The rows of My work, and the requests waiting for the person signed in."""
    return rows_of_my_work(page), len(page.select("#requests-for-me li"))


def test_my_work_for_a_practitioner_runs_the_same_statements_for_5_families_as_for_50(client):
    robin, morgan = practitioner(), manager()

    def grow(made, size):
        for number in range(made, size):
            a_family_led_by(robin, number, supervisor=morgan)

    client.sign_in(robin)
    assert the_same_with_5_and_50(client, "main.home", grow, rows_of_my_work) == [5, 50]


def test_my_work_for_a_manager_viewing_a_member_runs_the_same_statements_for_5_requests_as_for_50(client):
    """A social care manager looks at a social worker's work: the families they lead, and the step-ups their team
    must decide."""
    jo = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    sol = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    robin, morgan = practitioner(), manager()

    def grow(made, size):
        for number in range(made, size):
            a_family_led_by(sol, number, supervisor=jo)
            _, episode = a_family_led_by(robin, number)
            transfer = make_transfer(episode, actor=robin)
            transfers.act(transfer.id, TransferAction.SUBMIT, actor=robin)
            transfers.act(transfer.id, TransferAction.APPROVE, actor=morgan)

    client.sign_in(jo)
    sizes = the_same_with_5_and_50(
        client,
        "main.home",
        grow,
        rows_and_requests,
        who=sol.id,
    )
    assert sizes == [(5, 5), (50, 50)]


def test_my_work_for_the_whole_team_runs_the_same_statements_for_5_members_as_for_50(client):
    morgan = manager()

    def grow(made, size):
        for number in range(made, size):
            member = practitioner(f"Member {number} Example")
            family, episode = a_family_led_by(member, number, supervisor=morgan)
            a_step(family, member, number + 1, by=morgan)
            transfers.act(make_transfer(episode, actor=member).id, TransferAction.SUBMIT, actor=member)

    client.sign_in(morgan)
    sizes = the_same_with_5_and_50(
        client,
        "main.home",
        grow,
        rows_and_requests,
        who="team",
    )
    assert sizes == [(10, 5), (100, 50)], "every member's steps, and every request waiting for the manager's approval"


def test_my_work_with_htmx_runs_the_same_statements_for_5_families_as_for_50(client):
    robin, morgan = practitioner(), manager()

    def grow(made, size):
        for number in range(made, size):
            a_family_led_by(robin, number, supervisor=morgan)

    client.sign_in(morgan)
    the_same_with_5_and_50(client, "main.home", grow, headers=HTMX, who=robin.id)


# Supervision


def test_the_supervision_page_for_a_manager_runs_the_same_statements_for_5_members_as_for_50(client):
    morgan = manager()

    def grow(made, size):
        for number in range(made, size):
            member = practitioner(f"Member {number} Example")
            a_family_led_by(member, number, supervisor=morgan)
            a_supervision(morgan, member, weeks_ago=number % 6)

    client.sign_in(morgan)
    sizes = the_same_with_5_and_50(
        client, "supervision.index", grow, lambda page: len(page.select("#people-due tbody tr, #families-due tbody tr"))
    )
    assert sizes == [10, 100]


def test_the_record_a_supervision_form_runs_the_same_statements_for_5_members_as_for_50(client):
    morgan = manager()

    def grow(made, size):
        for number in range(made, size):
            member = practitioner(f"Member {number} Example")
            family = make_household(children=1)
            make_episode(family, lead=member)

    client.sign_in(morgan)
    sizes = the_same_with_5_and_50(client, "supervision.new", grow, lambda page: len(page.select("#family option")) - 1)
    assert sizes == [5, 50]


def test_a_supervision_record_runs_the_same_statements_for_5_next_steps_as_for_50(client):
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    make_episode(family, lead=robin)
    record = a_supervision(morgan, robin, family, weeks_ago=1)

    def grow(made, size):
        for number in range(made, size):
            a_step(family, robin if number % 2 else morgan, number, by=morgan, source_id=record.id)

    client.sign_in(robin)
    sizes = the_same_with_5_and_50(
        client,
        "supervision.show",
        grow,
        lambda page: len(page.select("main table")[-1].select("tbody tr")),
        supervision_id=record.id,
    )
    assert sizes == [5, 50]


# Notifications


def test_notifications_run_the_same_statements_for_5_notices_as_for_50(client):
    robin = practitioner()

    def grow(made, size):
        for number in range(made, size):
            notify(robin, kind="test", message=f"Notice {number}", link="/", dedupe_key=f"test:{robin.id}:{number}")
        db.session.commit()  # notify() is part of a bigger use case; here it stands alone

    client.sign_in(robin)
    sizes = the_same_with_5_and_50(
        client, "main.notifications_list", grow, lambda page: len(page.select("#notifications li"))
    )
    assert sizes == [5, 25], "a page at a time"


# A next step's own pages


@pytest.mark.parametrize("endpoint", ["next_steps.reschedule", "next_steps.close"])
def test_a_next_steps_change_date_and_close_pages_run_the_same_statements_for_5_changes_as_for_50(client, endpoint):
    robin = practitioner()
    family = make_household(children=1)
    known_to(family, robin)
    step = a_step(family, robin, 30)

    def grow(made, size):
        for number in range(made, size):
            next_steps.reschedule(
                step,
                due_on=today() + timedelta(days=number + 1),
                reason=f"The family asked, change {number}",
                actor=robin,
                today=today(),
            )

    client.sign_in(robin)
    sizes = the_same_with_5_and_50(
        client, endpoint, grow, lambda page: len(page.select("#next-step-history li")), step_id=step.id
    )
    assert sizes == [5, 50]
