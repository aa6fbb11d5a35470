"""Demo supervision (issue 12, part 9), for demo.seed to call after its own supervision history.

What it shows, the same on every page (services.supervision.due_from): practitioners in Morgan's team who are
overdue, due soon and up to date for supervision, one of them with an older supervision written up after a
newer one (the newer still decides when they are due); and a supervision action Robin rescheduled, with the
reason, and one closed as not done, which Morgan reads on the supervision record's page.
"""

from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepStatus, Supervision, User
from earlyhelp.policy import is_team_manager
from earlyhelp.services import next_steps
from earlyhelp.services.supervision import record_supervision


def _general(manager: User, worker: User, *, held_weeks_ago: int, next_weeks_after: int, recorded_weeks_ago=None):
    today = clock.today()
    held = today - timedelta(weeks=held_weeks_ago)
    return record_supervision(
        kind="general",
        family=None,
        supervisor=manager,
        practitioner=worker,
        held_on=held,
        discussion="Caseload, training and wellbeing.",
        decisions=[("Keep the current caseload", "It is within the agreed maximum")],
        steps=[],
        next_supervision_on=held + timedelta(weeks=next_weeks_after),
        today=today - timedelta(weeks=recorded_weeks_ago if recorded_weeks_ago is not None else held_weeks_ago),
        late_reason=""
        if recorded_weeks_ago is None
        else "The notes were on paper and were typed up when the practitioner came back from leave",
    )


def seed_supervision(accounts: list[User]) -> None:
    """Due and overdue supervision for several of the north team, and a rescheduled supervision action.

    Call after demo._supervision_history (which records Robin's supervisions and their actions).
    """
    people = {account.email.split("@")[0]: account for account in accounts}
    manager, robin = people["team.manager"], people["practitioner"]
    colleagues = db.session.scalars(
        select(User)
        .where(User.team_id == manager.team_id, User.active, User.id.notin_([manager.id, robin.id]))
        .order_by(User.id)
    ).all()
    colleagues = [person for person in colleagues if not is_team_manager(person)]
    # Overdue: last seen six weeks ago, due two weeks ago.
    if len(colleagues) > 0:
        _general(manager, colleagues[0], held_weeks_ago=6, next_weeks_after=4)
    # Due soon: seen a little over three weeks ago, due in a few days.
    if len(colleagues) > 1:
        _general(manager, colleagues[1], held_weeks_ago=3, next_weeks_after=4)
    # Overdue, with an older supervision typed up after the newer one: the newer one still says when.
    if len(colleagues) > 2:
        _general(manager, colleagues[2], held_weeks_ago=5, next_weeks_after=4)
        _general(manager, colleagues[2], held_weeks_ago=9, next_weeks_after=12, recorded_weeks_ago=0)
    # Up to date: seen last week, next agreed at six weeks because of leave.
    if len(colleagues) > 3:
        _general(manager, colleagues[3], held_weeks_ago=1, next_weeks_after=6)
    _rescheduled_action(manager, robin)


def _rescheduled_action(manager: User, robin: User) -> None:
    """Robin moves an action from their latest case supervision, and closes another as not done."""
    record = db.session.scalar(
        select(Supervision)
        .where(Supervision.practitioner_id == robin.id, Supervision.kind == "case")
        .order_by(Supervision.held_on.desc(), Supervision.id.desc())
        .limit(1)
    )
    if record is None:
        return
    actions = db.session.scalars(
        select(NextStep)
        .where(
            NextStep.source_type == "supervision",
            NextStep.source_id == record.id,
            NextStep.status == NextStepStatus.OPEN,
            NextStep.owner_user_id == robin.id,
        )
        .order_by(NextStep.due_on, NextStep.id)
    ).all()
    today = clock.today()
    if actions:
        moved = actions[-1]
        next_steps.reschedule(
            moved,
            due_on=max(moved.due_on, today) + timedelta(days=14),
            reason="The school's attendance officer is on leave until then",
            actor=robin,
            today=today,
        )
    if len(actions) > 1:
        next_steps.close_undone(
            actions[0],
            NextStepStatus.NOT_DONE,
            reason="The family cancelled the visit; a new one is booked through the family plan",
            actor=robin,
            on=today,
        )
