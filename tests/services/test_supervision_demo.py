"""The demo's supervision (earlyhelp.services.demo_supervision): overdue, due soon and up to date for several
practitioners, the same on every page, and a supervision action rescheduled with its reason. Fictional names."""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepChange
from earlyhelp.services.demo_supervision import seed_supervision
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.supervision import actions_history, due_for, due_for_team
from tests.factories import make_episode, make_household, make_supervision, make_user


def test_the_demo_shows_supervision_overdue_due_soon_and_up_to_date_and_a_rescheduled_action(app):
    morgan = make_user("team_manager", team_name="Early help team", email="team.manager@demo.example", name="Morgan")
    robin = make_user("practitioner", team_name="Early help team", email="practitioner@demo.example", name="Robin")
    others = [make_user("practitioner", team_name="Early help team", name=f"Colleague {n}") for n in range(4)]
    family = make_household(children=1)
    make_episode(family, lead=robin)
    held = today() - timedelta(weeks=1)
    steps = [
        NextStepInput(
            what="Visit the family at home", owner_kind="user", owner_user_id=robin.id, due_on=held + timedelta(days=7)
        ),
        NextStepInput(
            what="Ask the school for attendance figures",
            owner_kind="user",
            owner_user_id=robin.id,
            due_on=held + timedelta(days=20),
        ),
    ]
    record = make_supervision(morgan, robin, family, held_on=held, next_on=held + timedelta(weeks=4), steps=steps)

    seed_supervision([morgan, robin])

    people, _ = due_for_team(morgan, today())
    states = {person.name: due.state for person, due in people}
    assert [states[person.name] for person in others] == ["overdue", "due_soon", "overdue", "ok"]
    # The older supervision typed up last does not decide when Colleague 2 is due.
    assert dict((p.name, d.next_due) for p, d in people)["Colleague 2"] == today() - timedelta(weeks=1)
    due_on_my_work = {due.label: due.next_due for due in due_for([morgan], today(), viewer=morgan).shown}
    assert due_on_my_work == {
        name: due.next_due for name, due in ((p.name, d) for p, d in people) if name in due_on_my_work
    }
    assert set(due_on_my_work) >= {"Colleague 0", "Colleague 1", "Colleague 2"}

    actions = db.session.scalars(select(NextStep).where(NextStep.source_id == record.id).order_by(NextStep.id)).all()
    kinds = sorted(c.kind for c in db.session.scalars(select(NextStepChange)))
    assert kinds == ["not_done", "rescheduled"]
    lines = [(c.what_happened, c.reason) for c in actions_history(actions)]
    assert (
        "\u201cAsk the school for attendance figures\u201d rescheduled",
        "The school's attendance officer is on leave until then",
    ) in lines
