"""Every flow and workload measure keeps the contract (earlyhelp/services/measures.py): each figure, trend,
breakdown and list runs for every kind of viewer and every filter, and the list's count equals the figure."""

from datetime import date

import pytest
from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import Service, Team
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import measures, measures_flow
from earlyhelp.services.measures import Filters, Period
from tests.factories_access import quick_user

FLOW = [measure for measure in measures.MEASURES.values() if measure.rows.__module__ == measures_flow.__name__]
PERIOD = Period(date(2027, 7, 1), date(2027, 9, 30))


def test_every_flow_measure_has_a_definition_saying_whose_it_is():
    assert len(FLOW) >= 17
    for measure in FLOW:
        assert measure.definition.endswith(".") and ("Team" in measure.definition), measure.key
        assert measure.counted_words and measure.total_words, measure.key


@pytest.mark.parametrize("measure", FLOW, ids=lambda measure: measure.key)
def test_a_measure_runs_for_every_viewer_and_filter_and_its_list_counts_the_figure(app, measure):
    team = db.session.scalar(select(Team).where(Team.name == "Early help team"))
    service_id = db.session.scalar(select(Service.id).where(Service.code == "early_help"))
    viewers = [
        quick_user("head_of_service", team_name=None),
        quick_user("team_manager", team_name="Early help team"),
        quick_user("practitioner", team_name="Early help team"),
    ]
    for viewer in viewers:
        scope = scope_for(viewer)
        for filters in (
            Filters(PERIOD),
            Filters(PERIOD, team_id=team.id),
            Filters(PERIOD, worker_id=viewer.id),
            Filters(PERIOD, service_id=service_id),
        ):
            figure = measures.figure(measure, scope, filters)
            assert measures.count_behind(measure, scope, filters) == figure.counted
            assert measures.count_behind(measure, scope, filters, which=measures.Rows.ALL) == figure.total
            assert [month for month, _ in measures.by_month(measure, scope, filters)] == PERIOD.months()
            assert sum(f.total for _, f in measures.by_breakdown(measure, scope, filters)) == figure.total
            assert len(measures.rows_behind(measure, scope, filters, which=measures.Rows.ALL, limit=5)) <= 5
