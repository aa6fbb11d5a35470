"""Each family plan page loads what it shows in a fixed number of SQL statements, however many versions,
children or next steps the plan has: the same count with 5 as with 50."""

import pytest

from earlyhelp import clock
from earlyhelp.services import family_plans as service
from tests.factories import make_episode, make_household, make_user
from tests.factories_family_plans import issue_as_stored, make_steps, make_versions
from tests.helpers import statements_of as statements


def signed_in_lead(client, *, children: int):
    lead = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=children)
    make_episode(family, lead=lead)
    client.sign_in(lead)
    return lead, family


def a_draft_with(client, rows: int):
    """A draft with `rows` children and `rows` next steps."""
    lead, family = signed_in_lead(client, children=rows)
    plan = service.start_draft(family, actor=lead, today=clock.today())
    make_steps(plan, rows, owner=make_user("practitioner", name="Kit Colleague"))
    return lead, plan


def test_the_plan_overview_runs_as_many_statements_for_50_versions_as_for_5(client):
    counts = {}
    for rows in (5, 50):
        lead, family = signed_in_lead(client, children=1)
        make_versions(family, rows, lead=lead, draft_last=True)
        counts[rows] = statements(client, "family_plans.overview", family_id=family.id)
    assert counts[5] == counts[50], counts


@pytest.mark.parametrize("endpoint", ["family_plans.edit", "family_plans.issue"])
def test_the_edit_and_issue_pages_run_as_many_statements_for_50_children_and_next_steps_as_for_5(client, endpoint):
    counts = {}
    for rows in (5, 50):
        _, plan = a_draft_with(client, rows)
        counts[rows] = statements(client, endpoint, plan_id=plan.id)
    assert counts[5] == counts[50], counts


def test_the_changes_page_runs_as_many_statements_for_50_children_and_next_steps_as_for_5(client):
    counts = {}
    for rows in (5, 50):
        lead, first = a_draft_with(client, rows)
        issue_as_stored(first, by=lead)
        second = service.start_draft(first.family, actor=lead, today=clock.today())
        make_steps(second, rows, owner=lead)
        drafted = statements(client, "family_plans.changes", plan_id=second.id)
        issue_as_stored(second, by=make_user("practitioner", name="Kit Colleague"))
        counts[rows] = (drafted, statements(client, "family_plans.changes", plan_id=second.id))
    assert counts[5] == counts[50], counts
