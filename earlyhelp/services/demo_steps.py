"""Demo data for the life of a request's actions and for family and partner steps (issue 12, parts 2 and 7).

Fictional throughout. Called from demo.seed after the transfer history (demo._transfer_history), before the
timeline is marked as recorded as it happened:

    from earlyhelp.services.demo_steps import seed_request_steps
    seed_request_steps(accounts)

- Four of the practitioner's early help families have steps owned by a family member or a partner, some
  overdue: they are on the practitioner's My work under "Steps for families and partners". The fourth has
  twelve, more than the family page shows, so its page links to all of them.
- A step-down from one of the social worker's families was declined by early help: its three outstanding
  tasks went back to the social worker (on their My work, each saying who it was proposed for), ready to be
  carried across by a follow-up request.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.outcomes import ProposedOutcome
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Episode, LevelOfNeed, NextStep, Service, Transfer, User
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.next_steps import NextStepInput

# (what, owner kind, owner name, agency, due in days from today: negative is overdue)
FAMILY_AND_PARTNER_STEPS = [
    [
        ("Send the weekly attendance figures", "partner", "Jo Fairweather", "Oakfield Primary School", -4),
        ("Book a GP appointment about sleep", "family_member", "Mum", "", 3),
    ],
    [
        ("Refer to the Family Hub parenting course", "partner", "Dev Ashworth", "Northshire Family Hub", -9),
        ("Walk the children to school on Mondays and Fridays", "family_member", "Grandad", "", 12),
        ("Check the housing repair was done", "partner", "Priya Latchford", "Northshire Homes", 1),
    ],
    [
        ("Start the school nurse drop-ins", "partner", "Alex Penrose", "School nursing service", -1),
        ("Keep the bedtime chart going", "family_member", "Dad", "", 20),
    ],
    # A family with a long plan: more open steps than the family page shows, so it links to all of them.
    [
        ("Send the weekly attendance figures", "partner", "Sam Oduya", "Brookside Academy", -6),
        ("Arrange the speech and language assessment", "partner", "Lee Hartnell", "Children's therapy service", -2),
        ("Apply for the free school meals", "family_member", "Mum", "", 2),
        ("Book the dentist for both children", "family_member", "Mum", "", 5),
        ("Look into the debt advice appointment", "partner", "Chris Vale", "Northshire Citizens Advice", 6),
        ("Check the damp repair was booked", "partner", "Priya Latchford", "Northshire Homes", 7),
        ("Walk to the bus stop together on Tuesdays", "family_member", "Aunt", "", 9),
        ("Start the young carers group", "partner", "Robin Greaves", "Northshire Young Carers", 10),
        ("Send the health visitor's report", "partner", "Kim Ashby", "Health visiting service", 13),
        ("Keep the morning routine chart going", "family_member", "Dad", "", 14),
        ("Arrange the after-school club place", "partner", "Sam Oduya", "Brookside Academy", 18),
        ("Review the bedtime routine together", "family_member", "Mum", "", 21),
    ],
]

DECLINED_TASKS = [
    ("Finish the school attendance plan with Oakfield Primary", "user", 8),
    ("Chase the health visitor about the two-year check", "user", 5),
    ("Book the young carers assessment", "partner", 12),
]


def _people(accounts: list[User]) -> dict[str, User]:
    return {account.email.split("@")[0]: account for account in accounts}


def _episodes_without_requests(lead: User, service_code: str) -> list[Episode]:
    moved = select(Transfer.from_episode_id)
    return db.session.scalars(
        select(Episode)
        .join(Service)
        .where(
            Service.code == service_code,
            Episode.lead_id == lead.id,
            Episode.ended_on.is_(None),
            Episode.id.not_in(moved),
        )
        .order_by(Episode.id)
    ).all()


def _written_before(step: NextStep, days: int) -> None:
    """A step due in the past was written before it fell due (the demo writes everything today)."""
    step.created_at = clock.now() - timedelta(days=days)


def _family_and_partner_steps(practitioner: User) -> None:
    today = clock.today()
    families = _episodes_without_requests(practitioner, "early_help")
    for episode, steps in zip(families, FAMILY_AND_PARTNER_STEPS, strict=False):
        for what, kind, name, agency, due_in in steps:
            due_on = today + timedelta(days=due_in)
            step = next_steps.add_next_step(
                episode.family_id,
                NextStepInput(what=what, owner_kind=kind, owner_name=name, owner_agency=agency, due_on=due_on),
                source_type="family_plan",
                source_id=None,
                actor=practitioner,
                today=min(today, due_on),
            )
            _written_before(step, 21)


def _declined_step_down(social_worker: User, sc_manager: User, practitioner: User, eh_manager: User) -> None:
    candidates = _episodes_without_requests(social_worker, "social_care")
    if not candidates:
        return
    episode = candidates[0]
    now, today = clock.now(), clock.today()
    outstanding = [
        NextStepInput(
            what=what,
            owner_kind=kind,
            owner_user_id=practitioner.id if kind == "user" else None,
            owner_name="" if kind == "user" else "Lou Hartley",
            owner_agency="" if kind == "user" else "Northshire Young Carers",
            due_on=add_working_days(today, days),
        )
        for what, kind, days in DECLINED_TASKS
    ]
    transfer = transfers.start(
        episode,
        direction=Direction.STEP_DOWN,
        submission_key=uuid.uuid4().hex,
        fields={
            "worries": "Attendance drops whenever mum is in hospital; the eldest is caring for the younger two.",
            "why_now": "The child in need plan has ended; the family want help with school and caring.",
            "level_id": db.session.scalar(select(LevelOfNeed.id).where(LevelOfNeed.number == 2)),
            "receiving_team_id": practitioner.team_id,
            "told_family": "yes",
            "told_on": today - timedelta(days=6),
            "told_by": social_worker.name,
            "family_agreement": "yes",
            "immediate_danger": False,
            "threshold_reviewed": True,
            "clear_outcomes": True,
            "outstanding_tasks_listed": True,
        },
        children=[
            transfers.ChildChoice(c.id, True, child_words="I want to go to school every day.")
            for c in episode.family.children
        ],
        outstanding=outstanding,
        outcomes=[
            ProposedOutcome(
                person_id=None,
                what_different="The children are in school at least 9 days in 10, and the eldest has a young "
                "carers break each week.",
                by_when=today + timedelta(weeks=12),
            )
        ],
        actor=social_worker,
        now=now - timedelta(days=4),
    )
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=social_worker, now=now - timedelta(days=4))
    transfers.act(transfer.id, TransferAction.APPROVE, actor=sc_manager, now=now - timedelta(days=3))
    transfers.act(
        transfer.id,
        TransferAction.DECLINE,
        actor=eh_manager,
        reason="The young carers service should assess first; early help can then support school attendance.",
        advice="Ask for a young carers assessment, then send the request again.",
        now=now - timedelta(days=2),
    )


def seed_request_steps(accounts: list[User]) -> None:
    """Family and partner steps on the practitioner's caseload, and a declined step-down whose tasks went back
    to the social worker. Made through the same services people use."""
    people = _people(accounts)
    practitioner, social_worker = people["practitioner"], people["social.worker"]
    _family_and_partner_steps(practitioner)
    _declined_step_down(social_worker, people["social.care.manager"], practitioner, people["team.manager"])
    db.session.flush()
