"""Supervision records against the real database: clear actions or nothing saved, and who is due when.
All names are fictional."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, NextStep, Supervision, SupervisionDecision, TimelineEntry
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.supervision import default_next_date, due_for, due_for_team, record_supervision
from tests.factories import make_episode, make_household, make_user

TODAY = date(2026, 3, 4)  # a Wednesday


def manager(name="Morgan Thistlewhite", team_name="Early help team"):
    return make_user("team_manager", team_name=team_name, name=name)


def practitioner(name="Robin Quillfeather", team_name="Early help team", **overrides):
    return make_user("practitioner", team_name=team_name, name=name, **overrides)


def supervise(
    supervisor,
    worker,
    *,
    held_on,
    next_on=None,
    family=None,
    kind=None,
    decisions=(("Keep working with the family", "Attendance is improving"),),
    steps=(),
    today=None,
):
    record = record_supervision(
        kind=kind or ("case" if family else "general"),
        family=family,
        supervisor=supervisor,
        practitioner=worker,
        held_on=held_on,
        discussion="  Attendance, and whether the plan is working.  ",
        decisions=list(decisions),
        steps=steps,
        next_supervision_on=next_on or held_on + timedelta(weeks=4),
        today=today or held_on,
    )
    return record


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# Recording


def test_a_supervision_with_no_decision_and_no_next_step_is_refused_and_nothing_is_saved(app):
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    with pytest.raises(Refused, match=r"^Record at least one decision or one next step$") as refused:
        supervise(morgan, robin, held_on=TODAY, family=family, decisions=[])
    assert refused.value.field == "decisions"
    assert count(Supervision) == 0


def test_case_supervision_needs_a_family(app):
    morgan, robin = manager(), practitioner()
    with pytest.raises(Refused, match=r"^Select the family this case supervision is about$") as refused:
        supervise(morgan, robin, held_on=TODAY, kind="case", family=None)
    assert refused.value.field == "family"
    assert count(Supervision) == 0


def test_next_steps_from_general_supervision_need_a_family(app):
    morgan, robin = manager(), practitioner()
    step = NextStepInput(what="Book training", owner_kind="user", owner_user_id=robin.id, due_on=TODAY)
    with pytest.raises(Refused, match=r"^Next steps from general supervision need a family"):
        supervise(morgan, robin, held_on=TODAY, kind="general", decisions=[], steps=[step])
    assert (count(Supervision), count(NextStep)) == (0, 0)


def test_a_case_supervision_keeps_its_decisions_and_makes_tracked_next_steps(app):
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    make_episode(family, lead=robin)  # Robin leads: both may own its next steps
    steps = [
        NextStepInput(
            what="Phone Oakfield School", owner_kind="user", owner_user_id=robin.id, due_on=TODAY + timedelta(days=7)
        ),
        NextStepInput(what="Ask for a CAMHS consultation", owner_kind="user", owner_user_id=morgan.id, due_on=TODAY),
    ]
    record = supervise(
        morgan,
        robin,
        held_on=TODAY,
        family=family,
        decisions=[(" Stay in early help ", " Things are improving "), ("Add a TAF meeting", "School asked for one")],
        steps=steps,
    )
    saved = db.session.get(Supervision, record.id)
    assert (saved.kind, saved.family_id, saved.discussion) == (
        "case",
        family.id,
        "Attendance, and whether the plan is working.",
    )
    assert [(d.decision, d.rationale) for d in saved.decisions] == [
        ("Stay in early help", "Things are improving"),
        ("Add a TAF meeting", "School asked for one"),
    ]
    made = db.session.scalars(select(NextStep).where(NextStep.source_id == record.id).order_by(NextStep.id)).all()
    assert [(s.what, s.owner_user_id, s.source_type, s.family_id, s.created_by_id) for s in made] == [
        ("Phone Oakfield School", robin.id, "supervision", family.id, morgan.id),
        ("Ask for a CAMHS consultation", morgan.id, "supervision", family.id, morgan.id),
    ]
    timeline = db.session.scalar(select(TimelineEntry).where(TimelineEntry.family_id == family.id))
    assert timeline.summary == "Case supervision: Robin Quillfeather with Morgan Thistlewhite"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "supervision", AuditEvent.action == "create")
    )
    assert (event.record_id, event.family_id, event.user_id) == (str(record.id), family.id, morgan.id)


def test_a_refused_next_step_leaves_no_supervision_behind(app):
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    late = NextStepInput(what="Phone", owner_kind="user", owner_user_id=robin.id, due_on=TODAY - timedelta(days=1))
    with pytest.raises(Refused) as refused:
        supervise(morgan, robin, held_on=TODAY, family=family, steps={2: late})
    assert (refused.value.message, refused.value.field) == (
        "Next step 3: the date it needs to be done by must be today or in the future",
        "steps",
    ), "the refusal says which row it is about"
    assert (count(Supervision), count(SupervisionDecision), count(NextStep)) == (0, 0, 0)


def test_the_next_supervision_is_four_weeks_on_by_default_and_the_interval_is_a_setting(app, monkeypatch):
    assert default_next_date(date(2026, 1, 30)) == date(2026, 2, 27)
    monkeypatch.setitem(app.config, "SUPERVISION_INTERVAL_WEEKS", 6)
    assert default_next_date(date(2026, 1, 30)) == date(2026, 3, 13)


# Who is due


def test_the_team_list_shows_each_practitioner_overdue_never_due_soon_or_up_to_date(app):
    morgan = manager()
    overdue = practitioner("Ash Overdue-Example")
    # Never supervised: due the usual interval after their account was opened.
    practitioner("Bo Never-Example", created_at=clock.at_london(date(2026, 1, 1), time(9)))
    soon = practitioner("Cal Soon-Example")
    fine = practitioner("Dee Fine-Example")
    practitioner("Eli Former-Example", active=False)
    practitioner("Fen Elsewhere-Example", team_name="Social care team")
    supervise(morgan, overdue, held_on=date(2026, 1, 7), next_on=date(2026, 2, 4))
    supervise(morgan, overdue, held_on=date(2026, 1, 28), next_on=date(2026, 2, 25))
    supervise(morgan, soon, held_on=date(2026, 2, 11), next_on=date(2026, 3, 11))
    supervise(morgan, fine, held_on=date(2026, 3, 2), next_on=date(2026, 3, 30))

    people, _ = due_for_team(morgan, TODAY)
    assert [(person.name, due.state, due.last_held, due.next_due) for person, due in people] == [
        ("Bo Never-Example", "overdue", None, date(2026, 1, 29)),
        ("Ash Overdue-Example", "overdue", date(2026, 1, 28), date(2026, 2, 25)),
        ("Cal Soon-Example", "due_soon", date(2026, 2, 11), date(2026, 3, 11)),
        ("Dee Fine-Example", "ok", date(2026, 3, 2), date(2026, 3, 30)),
    ]
    assert morgan.name not in [person.name for person, _ in people]


def test_the_team_list_shows_each_family_a_practitioner_leads_with_its_case_supervision_clock(app):
    morgan, robin, kit = manager(), practitioner(), practitioner("Kit Marrowby")
    overdue, never, fine, ended = (make_household(children=1) for _ in range(4))
    elsewhere = make_household(children=1)
    make_episode(overdue, lead=robin)
    make_episode(never, lead=kit, started_on=date(2026, 2, 16))
    make_episode(fine, lead=robin)
    make_episode(ended, lead=robin, ended_on=date(2026, 2, 1))
    make_episode(elsewhere, service_code="social_care", lead=practitioner("Jo Brackenfold", "Social care team"))
    supervise(morgan, robin, held_on=date(2026, 1, 5), next_on=date(2026, 2, 2), family=overdue)
    supervise(morgan, robin, held_on=date(2026, 3, 2), next_on=date(2026, 3, 30), family=fine)
    # A general supervision is no family's case supervision.
    supervise(morgan, kit, held_on=date(2026, 3, 3), next_on=date(2026, 3, 31))

    _, families = due_for_team(morgan, TODAY)
    assert [(family.id, lead.name, due.state, due.next_due) for family, lead, due in families] == [
        (overdue.id, "Robin Quillfeather", "overdue", date(2026, 2, 2)),
        # No case supervision yet: due the usual interval after the episode began.
        (never.id, "Kit Marrowby", "ok", date(2026, 3, 16)),
        (fine.id, "Robin Quillfeather", "ok", date(2026, 3, 30)),
    ]


def test_my_supervisions_due_are_those_whose_next_date_comes_within_a_week(app):
    morgan, robin, kit, ash = manager(), practitioner(), practitioner("Kit Marrowby"), practitioner("Ash Example")
    overdue = supervise(morgan, robin, held_on=date(2026, 1, 7), next_on=date(2026, 2, 4))
    soon = supervise(morgan, kit, held_on=date(2026, 2, 11), next_on=date(2026, 3, 11))
    supervise(morgan, ash, held_on=date(2026, 3, 2), next_on=date(2026, 3, 30))
    # Ash's older supervision has been followed by a newer one: it is no longer due.
    supervise(morgan, ash, held_on=date(2026, 1, 5), next_on=date(2026, 2, 2))

    def due(person):
        return [(d.label, d.last, d.next_due) for d in due_for([person], TODAY, viewer=person).shown]

    assert due(morgan) == [
        ("Robin Quillfeather", overdue, date(2026, 2, 4)),
        ("Kit Marrowby", soon, date(2026, 3, 11)),
    ], "a manager's are the team's"
    assert due(robin) == [("Robin Quillfeather", overdue, date(2026, 2, 4))]
    assert due(ash) == []


def test_an_overdue_case_supervision_is_still_due_after_a_later_one_about_another_family(app):
    morgan, robin = manager(), practitioner()
    first, second = make_household(children=1), make_household(children=1)
    make_episode(first, lead=robin)
    make_episode(second, lead=robin)
    overdue = supervise(morgan, robin, held_on=date(2026, 1, 7), next_on=date(2026, 2, 4), family=first)
    supervise(morgan, robin, held_on=date(2026, 2, 25), next_on=date(2026, 3, 25), family=second)

    _, families = due_for_team(morgan, TODAY)
    assert [due.state for family, _, due in families if family.id == first.id] == ["overdue"]
    assert [(d.family.id, d.last, d.next_due) for d in due_for([robin], TODAY, viewer=robin).shown if d.family] == [
        (first.id, overdue, date(2026, 2, 4))
    ]


def test_the_first_few_due_are_the_soonest_of_them_all_and_the_count_is_of_them_all(app):
    """My work shows the soonest few: the same ones, in the same order, as the whole list, however the dates tie."""
    morgan, robin, kit = manager(), practitioner(), practitioner("Kit Marrowby")
    supervise(morgan, kit, held_on=date(2026, 1, 5), next_on=date(2026, 2, 2))  # Kit overdue
    for index in range(9):
        family = make_household(children=1)
        # Never supervised: due 4 weeks after the episode began, three families to each day (a tie by name).
        make_episode(family, lead=robin if index % 2 else kit, started_on=date(2026, 1, 5) + timedelta(days=index // 3))
    supervise(morgan, robin, held_on=date(2026, 3, 2), next_on=date(2026, 3, 30))  # Robin not due

    everything = due_for([morgan], TODAY, viewer=morgan)
    assert everything.count == len(everything.shown) == 10
    for rows in (1, 2, 3, 4, 5, 9):
        first = due_for([morgan], TODAY, viewer=morgan, rows=rows)
        assert first.count == 10
        assert [(due.label, due.next_due) for due in first.shown] == [
            (due.label, due.next_due) for due in everything.shown[:rows]
        ]
    assert [due.next_due for due in everything.shown] == sorted(due.next_due for due in everything.shown)


def test_a_family_opened_again_starts_its_case_supervision_clock_afresh(app):
    """A case supervision from before the family was closed does not make its new episode overdue on its first day."""
    morgan, robin, kit = manager(), practitioner(), practitioner("Kit Marrowby")
    family = make_household(children=1)
    make_episode(family, lead=kit, started_on=date(2025, 9, 1), ended_on=date(2025, 11, 28))
    supervise(morgan, kit, held_on=date(2025, 10, 6), next_on=date(2025, 11, 3), family=family)
    make_episode(family, lead=robin, started_on=date(2026, 2, 5))

    [case] = [due for due in due_for([robin], TODAY, viewer=robin).shown if due.family]
    assert (case.last, case.next_due) == (None, date(2026, 3, 5)), "4 weeks after the new episode began"
    assert case.hint.startswith("No case supervision recorded yet: due 4 weeks after the episode began")
    _, families = due_for_team(morgan, TODAY)
    assert [(due.last, due.next_due) for fam, _, due in families if fam.id == family.id] == [(None, date(2026, 3, 5))]

    # Supervised in this episode, its clock runs from that supervision.
    latest = supervise(morgan, robin, held_on=date(2026, 3, 2), next_on=date(2026, 3, 9), family=family)
    [case] = [due for due in due_for([robin], TODAY, viewer=robin).shown if due.family]
    assert (case.last, case.next_due) == (latest, date(2026, 3, 9))
