"""Next steps against the real database: what, who and by when, closing with reasons, new dates with history,
and the work list that puts overdue first. All names are fictional."""

from datetime import date, time

import pytest
import time_machine
from sqlalchemy import func, inspect, select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, NextStep, NextStepChange, NextStepStatus, User
from earlyhelp.policy import may_view_family
from earlyhelp.services import next_steps
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from tests.factories import known_to, make_household, make_user

MONDAY = date(2026, 1, 5)
TUESDAY, WEDNESDAY, SUNDAY, NEXT_MONDAY = date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 11), date(2026, 1, 12)


@pytest.fixture(autouse=True)
def _on_monday():
    """The steps here are set on MONDAY and done after it: the clock stands on Monday morning."""
    with time_machine.travel(clock.at_london(MONDAY, time(9, 0)), tick=True):
        yield


def lead(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def step_for(owner, *, what="Phone Oakfield School about attendance", due_on=TUESDAY, **overrides) -> NextStepInput:
    return NextStepInput(
        what=what, owner_kind="user", owner_user_id=owner.id if owner else None, due_on=due_on, **overrides
    )


def add(family, step, *, actor, today=MONDAY, source_type="supervision", source_id=None) -> NextStep:
    """Adds the step, its owner (someone in a team) working with the family first, as an owner must."""
    owner = db.session.get(User, step.owner_user_id) if step.owner_user_id else None
    if owner is not None and owner.team_id is not None and not may_view_family(owner, family.id):
        known_to(family, owner)
    return add_next_step(family.id, step, source_type=source_type, source_id=source_id, actor=actor, today=today)


def steps_of(family) -> list[NextStep]:
    return db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all()


def changes_of(step) -> list[tuple]:
    return [(c.kind, c.from_due_on, c.to_due_on, c.reason, c.actor_id) for c in next_steps.history(step)]


# Adding a next step


def test_a_next_step_is_saved_with_what_who_by_when_and_where_it_came_from(app):
    robin = lead()
    family = make_household(children=1)
    step = add(
        family,
        step_for(robin, what="  Visit the family with the interpreter  ", family_facing=True),
        actor=robin,
        source_type="handover_plan",
        source_id=42,
    )
    saved = db.session.get(NextStep, step.id)
    assert (saved.what, saved.owner, saved.owner_user_id, saved.due_on) == (
        "Visit the family with the interpreter",
        "Robin Quillfeather",
        robin.id,
        TUESDAY,
    )
    assert (saved.status, saved.source_type, saved.source_id, saved.family_facing) == (
        "open",
        "handover_plan",
        42,
        True,
    )
    assert saved.created_by_id == robin.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "next_step"))
    assert (event.action, event.record_id, event.family_id, event.user_id) == (
        "create",
        str(step.id),
        family.id,
        robin.id,
    )


def test_a_next_step_can_be_due_today(app):
    robin = lead()
    family = make_household(children=1)
    assert add(family, step_for(robin, due_on=MONDAY), actor=robin, today=MONDAY).due_on == MONDAY


def test_a_family_member_or_a_partner_is_named_and_shown_with_their_agency(app):
    robin = lead()
    family = make_household(children=1)
    mum = add(
        family,
        NextStepInput(
            what="Take Ash to the dentist", owner_kind="family_member", owner_name=" Alex Testfamily ", due_on=TUESDAY
        ),
        actor=robin,
    )
    nurse = add(
        family,
        NextStepInput(
            what="Weigh the baby",
            owner_kind="partner",
            owner_name="Jamie Visitor",
            owner_agency="Health visiting",
            owner_user_id=robin.id,
            due_on=TUESDAY,
        ),
        actor=robin,
    )
    assert (mum.owner, mum.owner_user_id) == ("Alex Testfamily", None)
    assert (nurse.owner, nurse.owner_user_id) == ("Jamie Visitor (Health visiting)", None)


REFUSALS = {
    "no what": ({"what": "   "}, "Enter what needs to happen", "what"),
    "no owner": ({"owner": None}, "Select who will do it", "owner_user"),
    "an unknown owner": ({"owner": "unknown"}, "Select who will do it", "owner_user"),
    "an owner who has left": ({"owner": "inactive"}, "Select who will do it", "owner_user"),
    "no kind of owner": ({"owner_kind": ""}, "Select who will do it", "owner_kind"),
    "a family member without a name": (
        {"owner_kind": "family_member", "owner_name": "  "},
        "Enter the name of the person who will do it",
        "owner_name",
    ),
    "a partner without a name": (
        {"owner_kind": "partner", "owner_name": "", "owner_agency": "Oakfield School"},
        "Enter the name of the person who will do it",
        "owner_name",
    ),
    "no due date": ({"due_on": None}, "Enter the date it needs to be done by", "due_on"),
    "a due date in the past": (
        {"due_on": date(2026, 1, 4)},
        "The date it needs to be done by must be today or in the future",
        "due_on",
    ),
}


@pytest.mark.parametrize(("change", "message", "field"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_next_step_missing_something_is_refused_saying_what_and_where(app, change, message, field):
    robin = lead()
    family = make_household(children=1)
    change = dict(change)
    owner = change.pop("owner", robin)
    if owner == "unknown":
        owner_id = 987654
    elif owner == "inactive":
        owner_id = make_user("practitioner", name="Former Pennyworth", active=False).id
    else:
        owner_id = owner.id if owner else None
    step = NextStepInput(
        **{"what": "Phone the school", "owner_kind": "user", "owner_user_id": owner_id, "due_on": TUESDAY} | change
    )
    with pytest.raises(Refused) as refused:
        add_next_step(family.id, step, source_type="supervision", source_id=None, actor=robin, today=MONDAY)
    assert (str(refused.value), refused.value.field) == (message, field)
    assert steps_of(family) == []
    refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.outcome == "refused"))
    assert (refusal.action, refusal.record_type, refusal.user_id) == ("create", "next_step", robin.id)


# Closing a next step


def test_marking_a_step_done_records_when_and_who_in_its_history(app):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin), actor=robin)
    next_steps.complete(step, actor=robin, on=TUESDAY)
    assert (step.status, step.status_on) == (NextStepStatus.DONE, TUESDAY)
    assert changes_of(step) == [("done", TUESDAY, None, "", robin.id)]
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "next_step", AuditEvent.action == "done")
    ).record_id == str(step.id)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (NextStepStatus.NOT_DONE, "Explain why the step was not done"),
        (NextStepStatus.CANCELLED, "Explain why the step is no longer needed"),
    ],
)
def test_a_step_not_done_or_cancelled_needs_a_reason(app, status, message):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin), actor=robin)
    with pytest.raises(Refused) as refused:
        next_steps.close_undone(step, status, reason="  ", actor=robin, on=TUESDAY)
    assert (str(refused.value), refused.value.field) == (message, "reason")
    assert db.session.get(NextStep, step.id).status == "open"
    assert changes_of(step) == []

    next_steps.close_undone(step, status, reason=" The family moved to another area ", actor=robin, on=TUESDAY)
    saved = db.session.get(NextStep, step.id)
    assert (saved.status, saved.status_on, saved.status_reason) == (status, TUESDAY, "The family moved to another area")
    assert changes_of(step) == [(str(status), TUESDAY, None, "The family moved to another area", robin.id)]


# New dates


def test_a_new_date_needs_a_reason_and_a_date_that_has_not_passed(app):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin, due_on=WEDNESDAY), actor=robin)
    attempts = [
        ({"due_on": SUNDAY, "reason": " "}, "Explain why the date is changing", "reason"),
        (
            {"due_on": SUNDAY, "reason": "n/a"},
            "Explain why the date is changing in a sentence of at least 10 characters: say what happened or what was"
            " decided, not \u201cn/a\u201d",
            "reason",
        ),
        ({"due_on": None, "reason": "The family are away"}, "Enter the new date it needs to be done by", "due_on"),
        ({"due_on": MONDAY, "reason": "The family are away"}, "The new date must be today or in the future", "due_on"),
    ]
    for change, message, field in attempts:
        with pytest.raises(Refused) as refused:
            next_steps.reschedule(step, actor=robin, today=TUESDAY, **change)
        assert (str(refused.value), refused.value.field) == (message, field)
    assert db.session.get(NextStep, step.id).due_on == WEDNESDAY
    assert changes_of(step) == []


def test_each_new_date_keeps_the_one_before_it_in_the_history(app):
    robin = lead()
    morgan = make_user("team_manager", name="Morgan Thistlewhite")
    family = make_household(children=1)
    step = add(family, step_for(robin, due_on=TUESDAY), actor=robin)
    next_steps.reschedule(step, due_on=SUNDAY, reason="The school is closed", actor=robin, today=MONDAY)
    next_steps.reschedule(step, due_on=NEXT_MONDAY, reason=" Agreed in supervision ", actor=morgan, today=WEDNESDAY)
    assert db.session.get(NextStep, step.id).due_on == NEXT_MONDAY
    assert changes_of(step) == [
        ("rescheduled", TUESDAY, SUNDAY, "The school is closed", robin.id),
        ("rescheduled", SUNDAY, NEXT_MONDAY, "Agreed in supervision", morgan.id),
    ]
    assert db.session.scalar(select(func.count(NextStepChange.id)).where(NextStepChange.next_step_id == step.id)) == 2


def test_a_new_date_may_be_today(app):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin, due_on=SUNDAY), actor=robin)
    next_steps.reschedule(
        step, due_on=WEDNESDAY, reason="Sooner, after the school called", actor=robin, today=WEDNESDAY
    )
    assert step.due_on == WEDNESDAY


@pytest.mark.parametrize(
    ("close", "word"),
    [
        (lambda step, robin: next_steps.complete(step, actor=robin, on=TUESDAY), "done"),
        (
            lambda step, robin: next_steps.close_undone(
                step, NextStepStatus.NOT_DONE, reason="Nobody answered", actor=robin, on=TUESDAY
            ),
            "not done",
        ),
        (
            lambda step, robin: next_steps.close_undone(
                step, NextStepStatus.CANCELLED, reason="No longer needed", actor=robin, on=TUESDAY
            ),
            "cancelled",
        ),
    ],
    ids=["done", "not done", "cancelled"],
)
def test_a_closed_step_cannot_be_done_closed_or_given_a_new_date(app, close, word):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin), actor=robin)
    close(step, robin)
    attempts = [
        lambda: next_steps.complete(step, actor=robin, on=WEDNESDAY),
        lambda: next_steps.close_undone(
            step, NextStepStatus.CANCELLED, reason="Asked to cancel it again", actor=robin, on=WEDNESDAY
        ),
        lambda: next_steps.reschedule(
            step, due_on=SUNDAY, reason="The family asked for later", actor=robin, today=WEDNESDAY
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Refused, match=f"^This next step is already {word}: {robin.name} recorded it on "):
            attempt()
    assert len(changes_of(step)) == 1
    assert db.session.get(NextStep, step.id).due_on == TUESDAY


# Overdue is worked out, never stored


def test_overdue_is_worked_out_from_the_due_date_and_never_stored(app):
    columns = {column["name"] for column in inspect(db.session.connection()).get_columns("next_step")}
    assert not [name for name in columns if "overdue" in name]
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin, due_on=TUESDAY), actor=robin)
    assert [step.is_overdue(day) for day in (MONDAY, TUESDAY, WEDNESDAY)] == [False, False, True]
    next_steps.complete(step, actor=robin, on=WEDNESDAY)
    assert step.is_overdue(WEDNESDAY) is False


def test_a_step_shows_overdue_while_it_is_open_and_past_its_date_and_its_own_status_otherwise(app):
    robin = lead()
    family = make_household(children=1)
    step = add(family, step_for(robin, due_on=TUESDAY), actor=robin)
    shown = [step.status_shown(day) for day in (TUESDAY, WEDNESDAY)]
    assert [(status.label, status.colour) for status in shown] == [("Open", "blue"), ("Overdue", "red")]
    next_steps.close_undone(step, NextStepStatus.NOT_DONE, reason="Nobody answered", actor=robin, on=WEDNESDAY)
    assert (step.status_shown(WEDNESDAY).label, step.status_shown(WEDNESDAY).colour) == ("Not done", "grey")


def test_the_work_list_puts_overdue_first_then_this_week_to_sunday_then_later(app):
    robin, kit = lead(), lead("Kit Marrowby")
    family = make_household(children=1)
    later = add(family, step_for(robin, what="Review the plan", due_on=NEXT_MONDAY), actor=robin)
    sunday = add(family, step_for(robin, what="Send the letter", due_on=SUNDAY), actor=robin)
    today = add(family, step_for(robin, what="Phone the school", due_on=WEDNESDAY), actor=robin)
    overdue = add(family, step_for(robin, what="Visit at home", due_on=TUESDAY), actor=robin)
    older = add(family, step_for(robin, what="Book the meeting room", due_on=MONDAY), actor=robin)
    add(family, step_for(kit, what="Someone else's step", due_on=TUESDAY), actor=robin)
    add(
        family,
        NextStepInput(what="Take Ash to the dentist", owner_kind="family_member", owner_name="Alex", due_on=TUESDAY),
        actor=robin,
    )
    finished = add(family, step_for(robin, what="Already done", due_on=TUESDAY), actor=robin)
    next_steps.complete(finished, actor=robin, on=TUESDAY)

    work = next_steps.work_list([robin.id], WEDNESDAY, viewer=robin)
    assert [s.id for s in work.overdue] == [older.id, overdue.id]
    assert [s.id for s in work.this_week] == [today.id, sunday.id]
    assert [s.id for s in work.later] == [later.id]
    assert work.count == 5

    on_sunday = next_steps.work_list([robin.id], SUNDAY, viewer=robin)
    assert [s.id for s in on_sunday.this_week] == [sunday.id]
    assert [s.id for s in on_sunday.later] == [later.id]

    both = next_steps.work_list([robin.id, kit.id], WEDNESDAY, viewer=robin)
    assert [s.what for s in both.overdue] == ["Book the meeting room", "Visit at home", "Someone else's step"]


# Who may own a next step


def test_a_next_step_is_refused_for_an_owner_who_cannot_see_the_family(app):
    robin = lead()
    stranger = make_user("social_worker", team_name="Social care team", name="Sam Farawayson")
    family = make_household(children=1)
    known_to(family, robin)
    step = step_for(stranger)
    with pytest.raises(Refused) as refused:
        add_next_step(family.id, step, source_type="supervision", source_id=None, actor=robin, today=MONDAY)
    assert (str(refused.value), refused.value.field) == (
        "Sam Farawayson cannot see this family's record: choose someone who works with the family",
        "owner_user",
    )
    assert steps_of(family) == []


def test_an_administrator_never_owns_a_next_step(app):
    robin = lead()
    admin = make_user("administrator", team_name=None, name="Ada Sysworth")
    family = make_household(children=1)
    known_to(family, robin)
    with pytest.raises(Refused) as refused:
        add_next_step(family.id, step_for(admin), source_type="supervision", source_id=None, actor=robin, today=MONDAY)
    assert refused.value.field == "owner_user"
    assert "Ada Sysworth cannot see this family's record" in str(refused.value)
