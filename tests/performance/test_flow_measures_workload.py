"""Caseloads against the ceiling, family plans issued, and case notes and plan reviews written down late, with
exact figures from known data: period edges, the London day and the August bank holiday (Monday 30 August 2027).
All names are fictional."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models.case_notes import CaseNoteType
from earlyhelp.performance.scope import scope_for
from earlyhelp.services import family_plans, measures
from earlyhelp.services.case_notes import NoteInput, add_case_note
from earlyhelp.services.family_plans import ReviewInput
from earlyhelp.services.measures import Figure, Filters, Period
from earlyhelp.services.measures_flow import caseload_ceiling
from tests.factories import make_episode, make_household, make_user
from tests.factories_access import ensure_team
from tests.factories_family_plans import CLEAR, issue_as_stored

AUGUST = Period(date(2027, 8, 1), date(2027, 8, 31))
SEPTEMBER = Period(date(2027, 9, 1), date(2027, 9, 30))
ASKED_AT = datetime(2027, 10, 1, 9, 0, tzinfo=LONDON)

CASELOADS = measures.MEASURES["caseloads"]
CHILDREN = measures.MEASURES["caseload_children"]
PLANS_ISSUED = measures.MEASURES["family_plans_issued"]
NOTES_LATE = measures.MEASURES["case_notes_recorded_late"]
REVIEWS_LATE = measures.MEASURES["plan_reviews_recorded_late"]


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def at(*args):
    return time_machine.travel(london(*args), tick=False)


def head():
    return scope_for(make_user("head_of_service", team_name=None))


def counts(measure, scope, filters) -> tuple[int, int]:
    figure = measures.figure(measure, scope, filters)
    return figure.counted, figure.total


@pytest.fixture
def people(app):
    north = ensure_team("North early help", "early_help")
    return {
        "pip": make_user("practitioner", team_name="Early help team", name="Pip Practitioner"),
        "nia": make_user("practitioner", team_name=north.name, name="Nia North"),
        "north": north,
    }


@pytest.fixture
def ceiling_of_two(app):
    before = app.config.get("CASELOAD_CEILING")
    app.config["CASELOAD_CEILING"] = 2
    yield 2
    if before is None:
        app.config.pop("CASELOAD_CEILING")
    else:
        app.config["CASELOAD_CEILING"] = before


# Caseloads


@pytest.fixture
def caseloads(people):
    """Pip leads three open families (1, 2 and 3 children), Nia one (2 children); an ended episode and an
    open one with no lead count for nobody."""
    pip, nia = people["pip"], people["nia"]
    families = {
        "one": make_episode(make_household(children=1), lead=pip),
        "two": make_episode(make_household(children=2), lead=pip),
        "three": make_episode(make_household(children=3), lead=pip),
        "north": make_episode(make_household(children=2), lead=nia),
    }
    make_episode(make_household(children=4), lead=pip, ended_on=date(2027, 7, 1))
    make_episode(make_household(children=4), team_id=pip.team_id)
    db.session.commit()
    return families


def test_the_caseload_ceiling_is_the_setting_or_20(app, ceiling_of_two):
    from earlyhelp.config import Config

    assert caseload_ceiling() == 2
    assert Config.CASELOAD_CEILING == 20


def test_caseloads_count_open_families_per_lead_and_those_over_the_ceiling(caseloads, ceiling_of_two):
    scope = head()
    filters = Filters(AUGUST)
    assert counts(CASELOADS, scope, filters) == (3, 4)
    assert [
        (label, figure.counted, figure.total) for label, figure in measures.by_breakdown(CASELOADS, scope, filters)
    ] == [
        ("Early help team", 3, 3),  # a head of service compares teams: each team's workers' caseloads
        ("North early help", 0, 1),
    ]
    rows = measures.rows_behind(CASELOADS, scope, filters, which=measures.Rows.ALL)
    assert sorted((row.record_id, row.on, row.detail) for row in rows) == sorted(
        [
            (caseloads["one"].id, date(2027, 8, 31), "1 child"),
            (caseloads["two"].id, date(2027, 8, 31), "2 children"),
            (caseloads["three"].id, date(2027, 8, 31), "3 children"),
            (caseloads["north"].id, date(2027, 8, 31), "2 children"),
        ]
    )
    assert measures.count_behind(CASELOADS, scope, filters) == 3


def test_children_in_open_families_by_lead(caseloads):
    scope = head()
    assert measures.figure(CHILDREN, scope, Filters(AUGUST)) == Figure(8, 8)
    assert measures.by_breakdown(CHILDREN, scope, Filters(AUGUST)) == [
        ("Early help team", Figure(6, 6)),
        ("North early help", Figure(2, 2)),
    ]
    pips_team = Filters(AUGUST, team_id=caseloads["one"].lead.team_id)
    assert measures.by_breakdown(CHILDREN, scope, pips_team) == [("Pip Practitioner", Figure(6, 6))]


def test_caseloads_are_the_leads_own_and_their_teams(caseloads, people, ceiling_of_two):
    filters = Filters(AUGUST)
    assert counts(CASELOADS, scope_for(people["pip"]), filters) == (3, 3)
    assert counts(CASELOADS, scope_for(people["nia"]), filters) == (0, 1)
    north_manager = make_user("team_manager", team_name=people["north"].name)
    assert counts(CASELOADS, scope_for(north_manager), filters) == (0, 1)
    assert measures.figure(CHILDREN, scope_for(north_manager), filters) == Figure(2, 2)
    assert counts(CASELOADS, head(), Filters(AUGUST, team_id=people["north"].id)) == (0, 1)


def test_a_restricted_family_is_in_no_caseload_for_those_not_named_on_it(caseloads, ceiling_of_two):
    caseloads["three"].family.restricted = True
    db.session.commit()
    scope = head()
    # Pip's visible caseload is two families: at the ceiling, not over it.
    assert counts(CASELOADS, scope, Filters(AUGUST)) == (0, 3)
    assert measures.figure(CHILDREN, scope, Filters(AUGUST)) == Figure(5, 5)


# Family plans issued


def _issued(family, lead, moment):
    with at(*moment):
        plan = family_plans.start_draft(family, actor=lead, today=date(*moment[:3]))
        family_plans.save_draft(plan, changes=dict(CLEAR), child_words={}, actor=lead)
        issue_as_stored(plan, by=lead)
    return plan


@pytest.fixture
def plans(people):
    pip, nia = people["pip"], people["nia"]
    family = make_household(children=1)
    make_episode(family, lead=pip)
    north_family = make_household(children=1)
    make_episode(north_family, lead=nia)
    return {
        # 23:30 on 31 July in London is 22:30 UTC: July, not August.
        "july": _issued(family, pip, (2027, 7, 31, 23, 30)),
        # 00:30 on 1 August in London is 23:30 on 31 July in UTC: August.
        "first_of_august": _issued(family, pip, (2027, 8, 1, 0, 30)),
        "north": _issued(north_family, nia, (2027, 8, 31, 23, 30)),
        "september": _issued(family, pip, (2027, 9, 1, 9, 0)),
    }


def test_plans_issued_count_by_the_london_day_and_break_down_first_plans_and_new_versions(plans):
    scope = head()
    assert measures.figure(PLANS_ISSUED, scope, Filters(AUGUST)) == Figure(2, 2)
    assert measures.by_breakdown(PLANS_ISSUED, scope, Filters(AUGUST)) == [
        ("First plan", Figure(1, 1)),
        ("New version", Figure(1, 1)),
    ]
    rows = measures.rows_behind(PLANS_ISSUED, scope, Filters(AUGUST))
    assert [(row.record_id, row.on, row.detail) for row in rows] == [
        (plans["north"].id, date(2027, 8, 31), "Version 1"),
        (plans["first_of_august"].id, date(2027, 8, 1), "Version 2"),
    ]
    assert measures.figure(PLANS_ISSUED, scope, Filters(SEPTEMBER)) == Figure(1, 1)


def test_plans_issued_are_the_issuers_and_their_teams(plans, people):
    assert measures.figure(PLANS_ISSUED, scope_for(people["pip"]), Filters(AUGUST)) == Figure(1, 1)
    north_manager = make_user("team_manager", team_name=people["north"].name)
    assert measures.figure(PLANS_ISSUED, scope_for(north_manager), Filters(AUGUST)) == Figure(1, 1)
    plans["north"].family.restricted = True
    db.session.commit()
    assert measures.figure(PLANS_ISSUED, head(), Filters(AUGUST)) == Figure(1, 1)


# Written down late


def _note(family, author, happened, written, reason=""):
    visit = db.session.scalar(select(CaseNoteType.id).where(CaseNoteType.code == "visit"))
    with at(*written):
        note = add_case_note(
            family,
            NoteInput(
                happened_at=london(*happened),
                type_id=visit,
                who_was_involved="Mum",
                text="Talked about mornings.",
                significant=False,
                whole_family=True,
                late_recording_reason=reason,
            ),
            actor=author,
        )
        db.session.commit()
    return note


@pytest.fixture
def notes(people):
    pip, nia = people["pip"], people["nia"]
    family = make_household(children=1)
    make_episode(family, lead=pip)
    north_family = make_household(children=1)
    make_episode(north_family, lead=nia)
    return {
        # Friday 27 August, written down Tuesday 31 August: one working day after, the bank holiday not
        # counted, so not late (4 calendar days).
        "over_bank_holiday": _note(family, pip, (2027, 8, 27, 15, 0), (2027, 8, 31, 10, 0)),
        # Monday 2 August, written down Thursday 5 August: three working days, late.
        "late": _note(family, pip, (2027, 8, 2, 11, 0), (2027, 8, 5, 10, 0), reason="Off sick for two days."),
        # 23:30 on 31 August in London: August; written down the next morning.
        "late_evening": _note(north_family, nia, (2027, 8, 31, 23, 30), (2027, 9, 1, 9, 0)),
        # 00:30 on 1 September in London is 23:30 on 31 August in UTC: September.
        "after_midnight": _note(north_family, nia, (2027, 9, 1, 0, 30), (2027, 9, 1, 9, 0)),
    }


def test_case_notes_written_down_late_by_the_day_they_happened_and_the_bank_holiday_not_counted(notes, people):
    scope = head()
    figure = measures.figure(NOTES_LATE, scope, Filters(AUGUST))
    assert (figure.counted, figure.total, figure.percentage) == (1, 3, 33)
    assert figure.average_days == pytest.approx((4 + 3 + 1) / 3)
    late = measures.rows_behind(NOTES_LATE, scope, Filters(AUGUST))
    assert [(row.record_id, row.on, row.days, row.detail) for row in late] == [
        (notes["late"].id, date(2027, 8, 2), 3, "Off sick for two days.")
    ]
    assert counts(NOTES_LATE, scope, Filters(SEPTEMBER)) == (0, 1)
    assert counts(NOTES_LATE, scope_for(people["pip"]), Filters(AUGUST)) == (1, 2)
    assert counts(NOTES_LATE, scope_for(people["nia"]), Filters(AUGUST)) == (0, 1)
    notes["late"].family.restricted = True
    db.session.commit()
    assert counts(NOTES_LATE, head(), Filters(AUGUST)) == (0, 1)


def test_plan_reviews_written_down_late(plans, people):
    pip = people["pip"]
    plan = plans["september"]
    with at(2027, 9, 20, 10, 0):
        family_plans.record_review(
            plan,
            ReviewInput(
                held_on=date(2027, 9, 14), attended="Mum, Pip", outcome="continue", note="", late_reason="Annual leave."
            ),
            actor=pip,
            now=london(2027, 9, 20, 10, 0),
        )
        db.session.commit()
    with at(2027, 9, 28, 16, 0):
        family_plans.record_review(
            plan,
            ReviewInput(held_on=date(2027, 9, 28), attended="Mum, Pip", outcome="continue", note=""),
            actor=pip,
            now=london(2027, 9, 28, 16, 0),
        )
        db.session.commit()
    with time_machine.travel(ASKED_AT, tick=False):
        figure = measures.figure(REVIEWS_LATE, head(), Filters(SEPTEMBER))
        assert (figure.counted, figure.total, figure.average_days) == (1, 2, 3.0)
        late = measures.rows_behind(REVIEWS_LATE, head(), Filters(SEPTEMBER))
        assert [(row.on, row.days, row.detail, row.breakdown) for row in late] == [
            (date(2027, 9, 14), 6, "Annual leave.", "Pip Practitioner")
        ]
        assert counts(REVIEWS_LATE, scope_for(people["nia"]), Filters(SEPTEMBER)) == (0, 0)
        assert counts(REVIEWS_LATE, head(), Filters(AUGUST)) == (0, 0)


REVIEWS_OVERDUE = measures.MEASURES["plan_reviews_overdue"]


def test_plans_overdue_for_review_are_the_latest_issued_versions_past_their_review_date_today(plans, people):
    # Reviews due 6 weeks after each version was started: North's on 12 October, Pip's family's version 3 on
    # 13 October; versions 1 and 2 were replaced by version 3.
    with at(2027, 10, 13, 9, 0):
        rows = measures.rows_behind(REVIEWS_OVERDUE, head(), Filters(SEPTEMBER))
        assert [(row.record_id, row.on, row.days, row.breakdown) for row in rows] == [
            (plans["north"].id, date(2027, 9, 30), 1, "North early help")
        ]
    with at(2027, 10, 20, 9, 0):
        assert measures.figure(REVIEWS_OVERDUE, head(), Filters(SEPTEMBER)) == Figure(2, 2, 7.5)
        assert measures.figure(REVIEWS_OVERDUE, scope_for(people["pip"]), Filters(SEPTEMBER)) == Figure(1, 1, 7.0)
        family_plans.record_review(
            plans["september"],
            ReviewInput(held_on=date(2027, 10, 20), attended="Mum, Pip", outcome="continue", note=""),
            actor=people["pip"],
            now=london(2027, 10, 20, 9, 0),
        )
        db.session.commit()
        assert measures.figure(REVIEWS_OVERDUE, head(), Filters(SEPTEMBER)) == Figure(1, 1, 8.0)
        plans["north"].family.restricted = True
        db.session.commit()
        assert measures.figure(REVIEWS_OVERDUE, head(), Filters(SEPTEMBER)) == Figure(0, 0)


REVIEWS_ON_TIME = measures.MEASURES["plan_reviews_on_time"]


def _review(plan, actor, held_on, *, next_review_on="usual", late_reason=""):
    with at(held_on.year, held_on.month, held_on.day, 16, 0):
        family_plans.record_review(
            plan,
            ReviewInput(
                held_on=held_on,
                attended="Mum, Pip",
                outcome="continue",
                note="",
                late_reason=late_reason,
                next_review_on=next_review_on,
            ),
            actor=actor,
            now=london(held_on.year, held_on.month, held_on.day, 16, 0),
        )
        db.session.commit()


def test_plan_reviews_on_time_compare_the_meeting_with_the_review_date_the_plan_had_then(plans, people):
    pip = people["pip"]
    plan = plans["september"]  # version 3, started 1 September: its first review date is 13 October
    _review(plan, pip, date(2027, 10, 12), next_review_on=date(2027, 11, 9))
    _review(plan, pip, date(2027, 11, 10))  # a day after the date the last review set
    filters = Filters(Period(date(2027, 10, 1), date(2027, 11, 30)))
    with time_machine.travel(ASKED_AT, tick=False):
        figure = measures.figure(REVIEWS_ON_TIME, head(), filters)
        assert (figure.counted, figure.total, figure.average_days) == (1, 2, 0.0)  # 1 day early, 1 day late
        rows = measures.rows_behind(REVIEWS_ON_TIME, head(), filters, which=measures.Rows.ALL)
        assert [(row.on, row.counted, row.days) for row in rows] == [
            (date(2027, 11, 10), False, 1),
            (date(2027, 10, 12), True, -1),
        ]
        assert counts(REVIEWS_ON_TIME, scope_for(people["nia"]), filters) == (0, 0)
        plan.family.restricted = True
        db.session.commit()
        assert counts(REVIEWS_ON_TIME, head(), filters) == (0, 0)


FAMILY_COPIES = measures.MEASURES["family_copies_in_time"]


def test_family_copies_are_on_time_within_15_working_days_of_agreement_with_the_bank_holiday_not_counted(people):
    pip = people["pip"]
    family = make_household(children=1)
    make_episode(family, lead=pip)
    with at(2027, 8, 2, 10, 0):
        plan = family_plans.start_draft(family, actor=pip, today=date(2027, 8, 2))
        family_plans.save_draft(plan, changes=dict(CLEAR) | {"agreed_on": date(2027, 8, 2)}, child_words={}, actor=pip)
    # 15 working days after Monday 2 August 2027 is Monday 23 August; issued Tuesday 31 August: 8 days late.
    with at(2027, 8, 31, 10, 0):
        issue_as_stored(plan, by=pip)
    db.session.commit()
    assert plan.family_copy_due_on == date(2027, 8, 23)
    other = make_household(children=1)
    make_episode(other, lead=pip)
    on_time = _issued(other, pip, (2027, 8, 20, 9, 0))  # no agreement date: 15 working days from the draft
    assert on_time.family_copy_due_on == date(2027, 9, 13)  # the bank holiday on 30 August not counted
    with time_machine.travel(ASKED_AT, tick=False):
        figure = measures.figure(FAMILY_COPIES, head(), Filters(AUGUST))
        assert (figure.counted, figure.total) == (1, 2)
        rows = measures.rows_behind(FAMILY_COPIES, head(), Filters(AUGUST), which=measures.Rows.ALL)
        assert [(row.record_id, row.counted, row.days) for row in rows] == [
            (plan.id, False, 8),
            (on_time.id, True, -24),
        ]
        assert counts(FAMILY_COPIES, scope_for(people["nia"]), Filters(AUGUST)) == (0, 0)
