"""What My work shows: whose work, their next steps by urgency, the steps of family members and partners in
the families they lead (theirs to follow up), their families, the requests waiting for them, supervision due,
and for a team manager of the front door the decisions waiting for their sign-off. Loaded in a fixed number of
statements, however many people, families, steps and requests it covers (tests/views/test_work_queries.py
counts them)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, Referral, ReferralStatus, Transfer, User
from earlyhelp.models.referrals import OPEN_STATUSES
from earlyhelp.policy import at_front_door, is_team_manager, not_restricted_for
from earlyhelp.services import next_steps, referrals, supervision, transfers

SUPERVISIONS_SHOWN = 10  # My work's "Supervision due": the soonest, with a link to them all


@dataclass(frozen=True)
class MyWork:
    who: str  # "me", "team", or a team member's id
    people: list[User]
    team: list[User]  # for a manager's "Show the work of" choice; empty for everyone else
    work: next_steps.WorkList
    episodes: list[Episode]  # the first of the open families these people lead, longest held first
    episode_count: int  # how many there are in all
    to_decide: list[Transfer]
    to_approve: list[Transfer]
    supervisions: supervision.DueList  # the soonest SUPERVISIONS_SHOWN, and how many are due
    # Open steps owned by a family member or a partner in the families these people lead, by urgency.
    family_steps: next_steps.WorkList = field(default_factory=lambda: next_steps.WorkList([], [], []))
    referrals: dict = field(default_factory=dict)  # waiting and overdue, for the front door and managers
    to_sign_off: list[Referral] = field(default_factory=list)  # for a team manager of the front door

    @property
    def whose(self) -> str:
        return whose_words(self.who, self.people)


def whose_words(who: str, people: list[User]) -> str:
    """ "Your", "Your team's" or the team member's: whose work is shown."""
    if who == "me":
        return "Your"
    return "Your team's" if who == "team" else f"{people[0].name}'s"


def _team(viewer: User) -> list[User]:
    return db.session.scalars(select(User).where(User.team_id == viewer.team_id, User.active).order_by(User.name)).all()


def whose_work(viewer: User, who: str) -> tuple[str, list[User], list[User]] | None:
    """Mine; or, for a manager, one member of my team or my whole team. None: nobody in my team by that id."""
    if not is_team_manager(viewer):
        return "me", [viewer], []
    team = _team(viewer)
    if who in ("", "me"):
        return "me", [viewer], team
    if who == "team":
        return "team", team, team
    member = next((person for person in team if str(person.id) == who), None)
    return (who, [member], team) if member else None


def _requests(name: str, people: list[User], viewer: User) -> list[Transfer]:
    """A transfer queue for several people at once: one statement, each request once, oldest change first.

    A request is listed when it is in any of these people's queues and its family is not restricted from the
    viewer (whose page it is: a manager sees what they may open). People who share a queue (a team's members
    all see what is sent to the team) give its condition once, so the statement does not grow with the team.
    """
    conditions = []
    for person in people:
        condition = transfers.in_queue(name, person)
        if not any(condition.compare(kept) for kept in conditions):
            conditions.append(condition)
    if not conditions:
        return []
    return db.session.scalars(
        select(Transfer)
        .where(or_(*conditions), not_restricted_for(viewer, Transfer.family_id))
        .options(joinedload(Transfer.family))
        .order_by(Transfer.state_changed_at, Transfer.id)
    ).all()


def _referral_counts(viewer: User, today: date) -> dict:
    """Waiting for a decision (a decision waiting for sign-off among them: its clock is still running)."""
    waiting = and_(Referral.status.in_(OPEN_STATUSES), not_restricted_for(viewer, Referral.family_id))
    pending = Referral.status == ReferralStatus.PENDING_SIGN_OFF
    row = db.session.execute(
        select(
            func.count(Referral.id),
            func.coalesce(func.sum(case((Referral.decision_due_on < today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
        ).where(waiting)
    ).one()
    return {"waiting": row[0], "overdue": row[1], "pending_sign_off": row[2]}


def open_episodes_led_by(lead_ids: list[int], viewer: User):
    """The open families these people lead (each with its household), longest held first."""
    return (
        select(Episode)
        .where(Episode.lead_id.in_(lead_ids), Episode.ended_on.is_(None), not_restricted_for(viewer, Episode.family_id))
        .options(selectinload(Episode.family).selectinload(Family.members))
        .order_by(Episode.started_on, Episode.id)
    )


def my_work(viewer: User, who: str, today: date) -> MyWork | None:
    chosen = whose_work(viewer, who)
    if chosen is None:
        return None
    who, people, team = chosen
    ids = [person.id for person in people]
    # The first few, and how many there are in all (a window over them all, counted before the limit).
    led = open_episodes_led_by(ids, viewer).add_columns(func.count().over())
    rows = db.session.execute(led.limit(next_steps.WORK_LIST_ROWS)).all()
    episodes, episode_count = [episode for episode, _ in rows], (rows[0][1] if rows else 0)
    return MyWork(
        who=who,
        people=people,
        team=team,
        work=next_steps.work_list(ids, today, viewer=viewer, rows=next_steps.WORK_LIST_ROWS),
        family_steps=next_steps.family_and_partner_list(ids, today, viewer=viewer, rows=next_steps.WORK_LIST_ROWS),
        episodes=episodes,
        episode_count=episode_count,
        # Requests and supervisions for whoever's work is shown: a manager sees a member's, or the team's.
        to_decide=_requests("decide", people, viewer),
        to_approve=_requests("approve", people, viewer),
        supervisions=supervision.due_for(people, today, viewer=viewer, rows=SUPERVISIONS_SHOWN),
        referrals=_referral_counts(viewer, today) if at_front_door(viewer) else {},
        to_sign_off=referrals.waiting_for_sign_off(viewer) if who == "me" else [],
    )
