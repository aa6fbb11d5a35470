"""Fictional demo data. Names, addresses and postcodes come from Faker (en_GB): none is a real person.

Each capability adds its part here, so that whoever signs in as a demo role meets every part of the
product in a realistic state.
"""

import math
import random
from datetime import time, timedelta

from faker import Faker
from sqlalchemy import exists, select, update

from earlyhelp import clock
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.extensions import db
from earlyhelp.models import Family, NextStep, Person, Role, Service, Setting, Team, TimelineEntry, User
from earlyhelp.services import demo_history, demo_referrals
from earlyhelp.services.accounts import create_user
from earlyhelp.services.demo_case_notes import seed_case_notes
from earlyhelp.services.demo_decisions import seed_decisions
from earlyhelp.services.demo_families import seed_family_changes
from earlyhelp.services.demo_family_plans import seed_family_plans
from earlyhelp.services.demo_letters import seed_letters
from earlyhelp.services.demo_referrals import EARLY_HELP_KINDS, FRONT_DOOR_MANAGER, SOCIAL_CARE_KINDS
from earlyhelp.services.demo_requests import seed_requests
from earlyhelp.services.demo_steps import seed_request_steps
from earlyhelp.services.demo_supervision import seed_supervision

MARKER = "demo_data"
DEMO_DOMAIN = "northshire.example"  # .example is reserved: these addresses can never reach anyone

DEMO_TEAMS = [("Early help north", "early_help"), ("Early help south", "early_help")]
# The first migration makes one team per service; its "Early help team" becomes the demo's north team, so the team
# list shows no third early help team that nobody is in.
FIRST_EARLY_HELP_TEAM = "Early help team"
# Issue 13: someone on their first day, whose account has a temporary password (they choose their own when they
# first sign in: the shared demo password is the temporary one), and someone who signs in with a code from an
# authenticator app. The key is printed in the README so anyone trying the demo can add it to their app; an
# account of the real service never has a key anyone else knows.
NEW_STARTER = ("new.starter", "Nico Newstarter", "practitioner", "Early help north")
WITH_SIGN_IN_CODE = ("sign.in.code", "Kit Codeholder", "front_door", "Front door")
DEMO_SIGN_IN_CODE_KEY = "DEMOCODEDEMOCODEDEMOCODEDEMOCODE"

# (email local part, name, role code, team name)
DEMO_ACCOUNTS = [
    ("practitioner", "Robin Practitioner", "practitioner", "Early help north"),
    ("social.worker", "Sam Socialworker", "social_worker", "Social care team"),
    ("front.door", "Frankie Frontdoor", "front_door", "Front door"),
    ("team.manager", "Morgan Manager", "team_manager", "Early help north"),
    ("admin", "Ash Administrator", "administrator", None),
    # A second manager, so that step-downs from social care have someone to approve them.
    ("social.care.manager", "Casey Carelead", "team_manager", "Social care team"),
    # Oversight across teams: every family that is not restricted, who has looked, restrictions.
    ("head.of.service", "Harper Headofservice", "head_of_service", None),
    # A practitioner in another team: finds the north team's families only as "known to", and may break the glass.
    ("practitioner.south", "Jamie Southgate", "practitioner", "Early help south"),
    # The front door's manager: signs off a decision that needs it (no further action at level 3 or 4).
    FRONT_DOOR_MANAGER,
    # Last, so the first account of each role above stays the one the demo's stories are about.
    NEW_STARTER,
    WITH_SIGN_IN_CODE,
]

# A council gives a worker 15 to 25 open families; the demo aims at this many, and adds practitioners and
# social workers (with a manager for each further team) until nobody holds more.
CASELOAD = 20

CHILD_RELATIONSHIPS = ["Son", "Daughter", "Stepson", "Stepdaughter", "Grandson", "Granddaughter"]
ADULT_RELATIONSHIPS = ["Mother", "Father", "Stepfather", "Grandmother", "Carer"]
LANGUAGES = ["English"] * 8 + ["English, Polish", "English, Urdu", "Romanian", "Arabic, English", "Somali"]


def is_loaded() -> bool:
    return db.session.get(Setting, MARKER) is not None


def accounts() -> list[User]:
    """The accounts the README names, one for each role (not the colleagues added to spread caseloads)."""
    emails = [f"{local}@{DEMO_DOMAIN}" for local, *_ in DEMO_ACCOUNTS]
    return db.session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id)).all()


def database_is_empty() -> bool:
    return not db.session.scalar(select(exists().where(User.id.isnot(None)))) and not db.session.scalar(
        select(exists().where(Family.id.isnot(None)))
    )


def seed(*, password: str, family_count: int, random_seed: int | None = None, history: bool = True) -> list[User]:
    """Fill an empty database. Returns the README accounts; colleagues are added to share the caseloads."""
    rng = random.Random(random_seed)
    fake = Faker("en_GB")
    fake.seed_instance(random_seed)
    teams = _teams()
    roles = {r.code: r for r in db.session.scalars(select(Role))}
    accounts = [
        create_user(
            email=f"{local}@{DEMO_DOMAIN}",
            name=name,
            password=password,
            role=roles[role],
            team=teams.get(team),
            temporary=local == NEW_STARTER[0],
        )
        for local, name, role, team in DEMO_ACCOUNTS
    ]
    code_holder = next(a for a in accounts if a.email.startswith(WITH_SIGN_IN_CODE[0] + "@"))
    code_holder.totp_secret = DEMO_SIGN_IN_CODE_KEY
    by_role = {account.role.code: account for account in reversed(accounts)}
    practitioners, social_workers = _colleagues(
        family_count, by_role, fake, password=password, roles=roles, teams=teams
    )
    families = []
    for number in range(1, family_count + 1):
        family = _family(number, fake, rng)
        db.session.add(family)
        families.append(family)
        if number % 1000 == 0:
            db.session.flush()
    db.session.flush()
    demo_referrals.front_door_history(families, by_role, practitioners, social_workers, rng)
    db.session.flush()
    _transfer_history(accounts)
    seed_decisions(accounts)
    seed_request_steps(accounts)
    seed_requests(accounts)
    seed_letters(accounts)
    _supervision_history(accounts)
    seed_supervision(accounts)
    _family_plan_history(accounts)
    seed_family_plans(accounts)
    _access_history(accounts)
    demo_referrals.seed_referral_history(accounts, password=password)
    # 18 months of past work (performance data), before its past is marked as written down when it happened.
    if history:
        demo_history.history(accounts, rng=rng)
    _recorded_as_it_happened()
    # Recorded now or late on purpose, each with its reason where it is late.
    seed_case_notes(accounts)
    seed_family_changes(accounts, random_seed=random_seed)
    db.session.add(Setting(key=MARKER, value=f"loaded {clock.now().isoformat()}"))
    db.session.commit()
    return accounts


def _recorded_as_it_happened() -> None:
    """The demo's months of history are written in one go today. In the story they tell, each thing was
    written down as it happened, so the timeline says so. What follows this is recorded late on purpose,
    with its reason, as the demo shows."""
    db.session.execute(
        update(TimelineEntry)
        .where(TimelineEntry.late_recording_reason == "")
        .values(recorded_at=TimelineEntry.at, recorded_late=False)
    )
    # A next step the demo wrote today with a due date already passed was, in its story, set before it was due
    # (two weeks before, or on the day it was done or closed if that was sooner): so "overdue at the end of last
    # month" on the performance page counts it, as it would have then.
    for step in db.session.scalars(select(NextStep).where(NextStep.due_on < clock.today())):
        if clock.local_date(step.created_at) > step.due_on - timedelta(days=14):
            set_on = min(day for day in (step.due_on - timedelta(days=14), step.status_on) if day is not None)
            step.created_at = min(step.created_at, clock.at_london(set_on, time(9, 0)))


def _colleagues(family_count, by_role, fake, *, password, roles, teams) -> tuple[list[User], list[User]]:
    """Enough practitioners and social workers that each leads about CASELOAD open families.

    Early help practitioners fill the north team, then a south team with its own manager; the README's
    practitioner and social worker come first, so they hold a caseload like anyone else's.
    """
    early_help = sum(1 for index in range(family_count) if index % 10 in EARLY_HELP_KINDS)
    social_care = sum(1 for index in range(family_count) if index % 10 in SOCIAL_CARE_KINDS)
    practitioners, social_workers = [by_role["practitioner"]], [by_role["social_worker"]]
    per_team = 8
    for number in range(2, math.ceil(early_help / CASELOAD) + 1):
        team = teams["Early help north"] if number <= per_team else teams["Early help south"]
        if number == per_team + 1:
            _demo_colleague("team.manager.south", fake, "team_manager", teams["Early help south"], password, roles)
        practitioners.append(_demo_colleague(f"practitioner.{number}", fake, "practitioner", team, password, roles))
    for number in range(2, math.ceil(social_care / CASELOAD) + 1):
        social_workers.append(
            _demo_colleague(
                f"social.worker.{number}", fake, "social_worker", by_role["social_worker"].team, password, roles
            )
        )
    return practitioners, social_workers


def _demo_colleague(local: str, fake: Faker, role_code: str, team: Team, password: str, roles) -> User:
    return create_user(
        email=f"{local}@{DEMO_DOMAIN}",
        name=f"{fake.first_name()} {fake.last_name()}",
        password=password,
        role=roles[role_code],
        team=team,
    )


def _transfer_history(accounts: list[User]) -> None:
    """Step-ups and step-downs at every stage, made through the same services people use."""
    import uuid

    from earlyhelp.domain.outcomes import ProposedOutcome
    from earlyhelp.domain.transfers import Direction, TransferAction
    from earlyhelp.models import Episode, LevelOfNeed
    from earlyhelp.services import transfers
    from earlyhelp.services.next_steps import NextStepInput

    people = {a.email.split("@")[0]: a for a in accounts}
    practitioner, social_worker = people["practitioner"], people["social.worker"]
    eh_manager, sc_manager = people["team.manager"], people["social.care.manager"]
    level = db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 3))
    now, today = clock.now(), clock.today()
    # (direction, episode lead, actions after submit, whether the plan is filled in)
    journeys = {
        "early_help": [
            ("awaiting_approval", []),
            ("sent", [TransferAction.APPROVE]),
            ("accepted", [TransferAction.APPROVE, TransferAction.ACCEPT]),
            ("declined", [TransferAction.APPROVE, TransferAction.DECLINE]),
            ("handover_complete", [TransferAction.APPROVE, TransferAction.ACCEPT, TransferAction.COMPLETE_HANDOVER]),
        ],
        "social_care": [
            ("sent", [TransferAction.APPROVE]),
            ("accepted", [TransferAction.APPROVE, TransferAction.ACCEPT]),
        ],
    }
    for service_code, stages in journeys.items():
        step_up = service_code == "early_help"
        requester = practitioner if step_up else social_worker
        # The requester's own families, so that a step-up or step-down moves nobody else's caseload.
        episodes = db.session.scalars(
            select(Episode)
            .join(Service)
            .where(Service.code == service_code, Episode.ended_on.is_(None), Episode.lead_id == requester.id)
            .order_by(Episode.id)
        ).all()
        for episode, (_, actions) in zip(episodes, stages, strict=False):
            manager, receiver = (eh_manager, social_worker) if step_up else (sc_manager, practitioner)
            # The receiving team's manager decides and names the lead (earlyhelp.domain.transfers).
            decider = sc_manager if step_up else eh_manager
            receiving_team = receiver.team
            episode.lead, episode.team_id = requester, requester.team_id
            transfer = transfers.start(
                episode,
                direction=Direction.STEP_UP if step_up else Direction.STEP_DOWN,
                submission_key=uuid.uuid4().hex,
                fields={
                    "worries": "Dad has moved back in and the police have been called twice this month."
                    if step_up
                    else "Things are steadier, but the children still miss school when mum is unwell.",
                    "what_has_changed": "Two police call-outs to the home in a fortnight." if step_up else "",
                    "why_now": "" if step_up else "The child protection plan ended; the family want to keep support.",
                    "level_id": level.id,
                    "receiving_team_id": receiving_team.id,
                    "told_family": "yes",
                    "told_on": today - timedelta(days=4),
                    "told_by": requester.name,
                    "family_agreement": "yes",
                    "family_words": "Mum said: we want the help, we just want it to be the same people."
                    if step_up
                    else "Mum said: yes, we would like early help to keep going with us.",
                    "immediate_danger": False,
                }
                | (
                    {}
                    if step_up
                    else {
                        "threshold_reviewed": True,
                        "threshold_reviewed_note": "Reviewed at the child in need review: level 2 now.",
                        "clear_outcomes": True,
                        "clear_outcomes_note": "",
                        "outstanding_tasks_listed": True,
                        "outstanding_tasks_listed_note": "",
                    }
                ),
                outcomes=[]
                if step_up
                else [
                    ProposedOutcome(
                        person_id=None,
                        what_different="The children go to school at least 9 days in 10",
                        by_when=today + timedelta(weeks=12),
                    )
                ],
                children=[
                    transfers.ChildChoice(c.id, True, child_words="I want everyone to stop shouting.")
                    for c in episode.family.children
                ],
                outstanding=[]
                if step_up
                else [
                    NextStepInput(
                        what="Check school attendance each week",
                        owner_kind="user",
                        owner_user_id=practitioner.id,
                        due_on=add_working_days(today, 7),
                    )
                ],
                actor=requester,
                now=now - timedelta(days=3),
            )
            transfers.act(transfer.id, TransferAction.SUBMIT, actor=requester, now=now - timedelta(days=3))
            for action in actions:
                if action is TransferAction.COMPLETE_HANDOVER:
                    transfers.save_handover_plan(
                        transfer,
                        expected_version=transfer.handover_plan.version,
                        actor=receiver,
                        changes={
                            "meeting_on": today - timedelta(days=1),
                            "meeting_held": True,
                            "meeting_place": "Family home",
                            "attendees": f"{requester.name}, {receiver.name}, mum",
                            "contingency": "If the police are called again, social care visits the same day.",
                            "family_message": "Thank you for meeting us. Your new worker will visit next week.",
                        },
                    )
                transfers.act(
                    transfer.id,
                    action,
                    actor={
                        TransferAction.APPROVE: manager,
                        TransferAction.ACCEPT: decider,
                        TransferAction.DECLINE: decider,
                    }.get(action, receiver),
                    lead=receiver if action is TransferAction.ACCEPT else None,
                    reason="Early help can meet these needs with a family plan."
                    if action is TransferAction.DECLINE
                    else "",
                    now=now - timedelta(days=2 if action is TransferAction.APPROVE else 1),
                )


def _supervision_history(accounts: list[User]) -> None:
    """Supervision held weeks ago (so some is due or overdue), with next steps overdue, due and later."""
    from earlyhelp.models import Episode
    from earlyhelp.services.next_steps import NextStepInput
    from earlyhelp.services.notifications import raise_overdue
    from earlyhelp.services.supervision import record_supervision

    people = {a.email.split("@")[0]: a for a in accounts}
    manager, practitioner = people["team.manager"], people["practitioner"]
    today = clock.today()
    record_supervision(
        kind="general",
        family=None,
        supervisor=manager,
        practitioner=practitioner,
        held_on=today - timedelta(weeks=5),
        discussion="Workload, training and wellbeing.",
        decisions=[("Robin takes no new families this month", "Caseload is at the agreed maximum")],
        steps=[],
        next_supervision_on=today - timedelta(weeks=1),
        today=today - timedelta(weeks=5),
    )
    episodes = db.session.scalars(
        select(Episode).where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None)).order_by(Episode.id)
    ).all()
    for number, episode in enumerate(episodes[:3]):
        held = today - timedelta(weeks=3 - number)
        record_supervision(
            kind="case",
            family=episode.family,
            supervisor=manager,
            practitioner=practitioner,
            held_on=held,
            discussion="School attendance, the children's views, and whether the plan is working.",
            decisions=[("Keep the family in early help", "Things are improving and the family are engaged")],
            steps=[
                NextStepInput(
                    what="Visit the family at home",
                    owner_kind="user",
                    owner_user_id=practitioner.id,
                    due_on=held + timedelta(days=7),
                ),
                NextStepInput(
                    what="Ask the school for attendance figures",
                    owner_kind="user",
                    owner_user_id=practitioner.id,
                    due_on=held + timedelta(days=20 + 3 * number),
                ),
                NextStepInput(
                    what="Mum to book the GP appointment",
                    owner_kind="family_member",
                    owner_name="Mum",
                    due_on=held + timedelta(days=28),
                    family_facing=True,
                ),
            ],
            next_supervision_on=held + timedelta(weeks=4),
            today=held,
        )
    raise_overdue(today)


def _family_plan_history(accounts: list[User]) -> None:
    """Issued family plans (with their PDFs): one due for review, one with a second version being written."""
    from earlyhelp.models import Episode
    from earlyhelp.services import family_plans
    from earlyhelp.services.next_steps import NextStepInput, add_next_step

    practitioner = next(a for a in accounts if a.email.startswith("practitioner@"))
    today = clock.today()
    episodes = db.session.scalars(
        select(Episode).where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None)).order_by(Episode.id)
    ).all()
    for number, episode in enumerate(episodes[:2]):
        family = episode.family
        plan = family_plans.start_draft(family, actor=practitioner, today=today - timedelta(weeks=7))
        plan.worries = "We are worried that the children often miss school and that mornings are very hard."
        plan.working_well = "Mum gets the younger children to school most days. Gran helps on Fridays."
        plan.needs_to_happen = "Everyone gets to school on time. Mum gets help with her own health."
        plan.goals = "We want calmer mornings, and for the children to see their friends."
        plan.contingency = f"If things get worse, call {practitioner.name} the same day on 01632 960111."
        plan.lead_contact = "01632 960111, Monday to Friday, 9am to 5pm"
        plan.agreed_by, plan.agreed_on, plan.signed_paper_copy = "Mum", today - timedelta(weeks=7), True
        for child in plan.children_words:
            child.child_words = child.child_words or "I like my teacher. I want to play football after school."
        add_next_step(
            family.id,
            NextStepInput(
                "Set two alarms for school mornings",
                "family_member",
                add_working_days(today, 5),
                owner_name="Mum",
                family_facing=True,
            ),
            source_type="family_plan",
            source_id=plan.id,
            actor=practitioner,
            today=today,
        )
        add_next_step(
            family.id,
            NextStepInput(
                "Ask the school nurse to see Mum", "user", add_working_days(today, 8), owner_user_id=practitioner.id
            ),
            source_type="family_plan",
            source_id=plan.id,
            actor=practitioner,
            today=today,
        )
        # The first plan was issued seven weeks ago and its review is now overdue; the second is due in a few weeks.
        plan.review_on = today - timedelta(days=3) if number == 0 else today + timedelta(weeks=3)
        issued_at = clock.at_london(today - timedelta(weeks=7), time(10, 0)) if number == 0 else None
        family_plans.issue(plan, actor=practitioner, confirmed=True, now=issued_at)
        if number == 1:
            draft = family_plans.start_draft(family, actor=practitioner, today=today)
            draft.working_well = "Mum now gets all the children to school. Gran helps on Fridays."


def _access_history(accounts: list[User]) -> None:
    """One restricted family (its lead and manager named), and a practitioner from another team who broke
    the glass to open a family this morning: what the manager's "who has looked" page is for."""
    from earlyhelp.models import Episode
    from earlyhelp.services.break_glass import break_glass
    from earlyhelp.services.restrictions import restrict_family

    people = {a.email.split("@")[0]: a for a in accounts}
    manager = people["team.manager"]
    held = db.session.scalars(
        select(Episode)
        .where(Episode.team_id == manager.team_id, Episode.lead_id.is_not(None), Episode.ended_on.is_(None))
        .order_by(Episode.id)
    ).all()
    if len(held) < 2:
        return
    restricted, opened = held[-1], held[-2]
    restrict_family(
        restricted.family,
        reason="A member of staff is related to this family: only the people named may see the record.",
        named=[manager, restricted.lead],
        actor=manager,
    )
    break_glass(
        opened.family,
        reason="Out-of-hours call from the police about the children: finding out who the lead worker is.",
        actor=people["practitioner.south"],
    )


def _teams() -> dict[str, Team]:
    services = {s.code: s for s in db.session.scalars(select(Service))}
    existing = {t.name: t for t in db.session.scalars(select(Team))}
    first = existing.get(FIRST_EARLY_HELP_TEAM)
    if first is not None and DEMO_TEAMS[0][0] not in existing:
        first.name = DEMO_TEAMS[0][0]
        existing[first.name] = first
    for name, service_code in DEMO_TEAMS:
        if name not in existing:
            db.session.add(Team(name=name, service=services[service_code]))
    db.session.flush()
    return {t.name: t for t in db.session.scalars(select(Team))}


def _family(number: int, fake: Faker, rng: random.Random) -> Family:
    today = clock.today()
    surname = fake.last_name()
    family = Family(
        reference=f"FAM-{number:06d}",
        address=f"{fake.building_number()} {fake.street_name()}, {fake.city()}",
        postcode=fake.postcode(),
        languages=rng.choice(LANGUAGES),
        interpreter_needed=rng.random() < 0.08,
        culture_and_identity="",
    )
    for _ in range(rng.choice([1, 1, 2])):
        family.members.append(
            Person(
                first_name=fake.first_name(),
                last_name=surname if rng.random() < 0.8 else fake.last_name(),
                date_of_birth=today - timedelta(days=rng.randint(20 * 365, 55 * 365)),
                relationship_to_child=rng.choice(ADULT_RELATIONSHIPS),
                is_child=False,
            )
        )
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        family.members.append(
            Person(
                first_name=fake.first_name(),
                last_name=surname,
                date_of_birth=today - timedelta(days=rng.randint(30, 17 * 365)),
                relationship_to_child=rng.choice(CHILD_RELATIONSHIPS),
                is_child=True,
                school_or_setting=f"{fake.city()} {rng.choice(['Primary School', 'Academy', 'Nursery'])}",
            )
        )
    return family
