"""One family with every kind of record, and the people to sign in as, for the tests that walk the url_map
asking who may open what (tests/test_outsider_matrix.py, tests/test_architecture.py). All names are fictional.

The family's names and the text in its records are distinctive, so a test can say that none of it reached a
page it should not have.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import DecisionOutcome, Episode, FamilyPlan, HeldPost, LevelOfNeed, NextStep, Service, Team, User
from earlyhelp.models.case_notes import CaseNoteType
from earlyhelp.services import family_plans as plan_service
from earlyhelp.services.case_notes import NoteInput, add_case_note
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.referrals import decide_referral
from tests.factories import (
    _sequence,
    make_episode,
    make_household,
    make_referral,
    make_supervision,
    make_transfer,
    make_user,
    role,
    team,
)
from tests.factories_family_plans import issue_as_stored

SURNAME = "Quorndale-Vexley"
CHILDREN = ("Thessaly", "Oriwen")
REFERENCE = "OUTSIDE-4417"
# Words written into every record: a page that shows any of them showed the record.
SECRET = "Wobblestone"


@dataclass
class FamilyRecords:
    """The ids of every record of the family, by the name a URL gives them."""

    family_id: int
    person_id: int
    referral_id: int
    episode_id: int  # early help, held by "Early help team", led by `lead`
    social_care_episode_id: int  # for step-down routes, held by "Social care team"
    transfer_id: int  # a draft step-up from the early help episode
    handover_step_id: int  # a next step in its handover plan
    supervision_step_id: int  # the action of the case supervision
    plan_step_id: int  # a next step in the family plan
    draft_plan_id: int
    issued_plan_id: int
    supervision_id: int
    note_id: int  # a significant case note about the first child, holding the family's secret
    lead_id: int
    manager_id: int
    social_worker_id: int
    officer_id: int
    held_token: str  # what the lead typed when their session ended (/kept/<token>)
    secrets: tuple[str, ...] = field(default=())


def ensure_team(name: str, service_code: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        service = db.session.scalar(select(Service).where(Service.code == service_code))
        team = Team(name=name, service_id=service.id)
        db.session.add(team)
        db.session.commit()
    return team


def make_family_with_everything() -> FamilyRecords:
    """A household of a parent and two children, with a decided referral, an open early help episode (and a
    social care one), a draft step-up with a handover plan and a next step, two issued versions of the family
    plan and a draft of the next, a case supervision with an action, and a significant case note."""
    today = clock.today()
    officer = quick_user("front_door", team_name="Front door")
    lead = quick_user("practitioner", team_name="Early help team")
    manager = quick_user("team_manager", team_name="Early help team")
    social_worker = quick_user("social_worker", team_name="Social care team")

    family = make_household(children=2, reference=REFERENCE, address=f"7 {SECRET} Lane, Testtown")
    for person in family.members:
        person.last_name = SURNAME
    for child, name in zip(family.children, CHILDREN, strict=True):
        child.first_name = name
    db.session.commit()

    # Decided, so that it is no longer a front door relationship: front door staff see every family with a
    # referral awaiting a decision (earlyhelp/policy.py), whoever they are.
    referral = make_referral(family, actor=officer, worries=f"{SECRET}: attendance has dropped to 60%.")
    decide_referral(
        referral.id,
        outcome=db.session.scalar(select(DecisionOutcome).where(DecisionOutcome.code == "information_and_advice")),
        decided_level=db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 2)),
        rationale=f"{SECRET}: advice is enough for now.",
        decided_at=clock.now(),
        late_reason="",
        lead=None,
        actor=officer,
    )
    db.session.commit()

    episode = make_episode(family, lead=lead)
    social_care = make_episode(family, service_code="social_care", lead=social_worker)
    transfer = make_transfer(episode, actor=lead, worries=f"{SECRET}: the children are left alone at night.")
    handover_step = add_next_step(
        family.id,
        NextStepInput(
            what=f"{SECRET}: ring the school", owner_kind="user", owner_user_id=lead.id, due_on=today + timedelta(7)
        ),
        source_type="handover_plan",
        source_id=transfer.handover_plan.id,
        actor=lead,
        today=today,
    )

    # Two issued versions (a comparison needs one before it) and a draft of the third.
    for words in ("mornings are chaotic", "mornings are calmer"):
        issued = plan_service.start_draft(family, actor=lead, today=today)
        plan_service.save_draft(issued, changes={"worries": f"{SECRET}: {words}."}, child_words={}, actor=lead)
        issue_as_stored(issued, by=lead)
    draft = plan_service.start_draft(family, actor=lead, today=today)
    db.session.commit()
    plan_step = NextStep(
        family_id=family.id,
        what=f"{SECRET}: walk to school together",
        owner_kind="user",
        owner_user_id=lead.id,
        due_on=today + timedelta(days=14),
        source_type="family_plan",
        source_id=draft.id,
        created_by_id=lead.id,
    )
    db.session.add(plan_step)
    db.session.commit()

    supervision = make_supervision(
        manager,
        lead,
        family,
        held_on=today,
        next_on=today + timedelta(weeks=4),
        steps=[
            NextStepInput(
                what=f"{SECRET}: book a review", owner_kind="user", owner_user_id=lead.id, due_on=today + timedelta(3)
            )
        ],
    )
    db.session.commit()
    supervision_step = db.session.scalar(
        select(NextStep).where(NextStep.source_type == "supervision", NextStep.source_id == supervision.id)
    )
    note = add_case_note(
        family,
        NoteInput(
            happened_at=clock.now() - timedelta(hours=1),
            type_id=db.session.scalar(select(CaseNoteType.id).where(CaseNoteType.code == "visit")),
            who_was_involved=f"Mum and {CHILDREN[0]}",
            text=f"{SECRET}: {CHILDREN[0]} showed me the bruise on his arm.",
            significant=True,
            child_ids=(family.children[0].id,),
        ),
        actor=lead,
    )
    held = HeldPost(user_id=lead.id, path=f"/families/{family.id}/case-notes/new", fields='[["text", "kept"]]')
    db.session.add(held)
    db.session.commit()
    assert db.session.get(FamilyPlan, issued.id).is_issued and not db.session.get(FamilyPlan, draft.id).is_issued
    assert db.session.get(Episode, episode.id).team_id == db.session.scalar(
        select(Team.id).where(Team.name == "Early help team")
    )
    return FamilyRecords(
        family_id=family.id,
        person_id=family.children[0].id,
        referral_id=referral.id,
        episode_id=episode.id,
        social_care_episode_id=social_care.id,
        transfer_id=transfer.id,
        handover_step_id=handover_step.id,
        supervision_step_id=supervision_step.id,
        plan_step_id=plan_step.id,
        draft_plan_id=draft.id,
        issued_plan_id=issued.id,
        supervision_id=supervision.id,
        note_id=note.id,
        lead_id=lead.id,
        manager_id=manager.id,
        social_worker_id=social_worker.id,
        officer_id=officer.id,
        held_token=held.token,
        secrets=(REFERENCE, SURNAME, *CHILDREN, SECRET),
    )


_hashes: dict[str, str] = {}


def quick_user(role_code: str, *, team_name: str | None) -> User:
    """A person with the usual test password, without working out its hash again (a third of a second)."""
    if "hash" not in _hashes:
        user = make_user(role_code, team_name=team_name)
        _hashes["hash"] = user.password_hash
        return user
    number = next(_sequence)
    user = User(
        email=f"access{number}@test.example",
        name=f"Access Person {number}",
        role=role(role_code),
        team=team(team_name) if team_name else None,
        password_hash=_hashes["hash"],
    )
    db.session.add(user)
    db.session.commit()
    return user


def values_for(records: FamilyRecords, endpoint: str, rule: str, step_kind: str = "handover_step_id") -> dict:
    """What to fill each argument of a route's URL with: the family's matching record."""
    return {
        "family_id": records.family_id,
        "person_id": records.person_id,
        "referral_id": records.referral_id,
        "episode_id": records.social_care_episode_id if "step-down" in rule else records.episode_id,
        "transfer_id": records.transfer_id,
        "step_id": getattr(records, step_kind),
        "plan_id": (
            records.issued_plan_id  # documents and comparisons exist only for issued versions
            if endpoint in ("family_plans.download", "family_plans.changes")
            else records.draft_plan_id
        ),
        "kind": "family",
        "supervision_id": records.supervision_id,
        "note_id": records.note_id,
        "user_id": records.lead_id,
        "token": records.held_token,
        "key": "feedback_given",  # a measure with a breakdown, so every /performance/<key> route answers
    }


# Whom a route is for, with a working relationship to the family: the first of these its policy allows.
PREFERRED_ROLES = ("practitioner", "social_worker", "front_door", "team_manager", "head_of_service")


def insider_for(app, rule, records: FamilyRecords, *, head_of_service_id: int, administrator_id: int) -> int:
    """The id of the person to open a route as: of a role its policy is for (the first of PREFERRED_ROLES),
    who works with the family, and whom the route's record check lets in when there is one (a manager's
    page is opened by the manager). Never an administrator, unless the route is only for administrators."""
    view = app.view_functions[rule.endpoint]
    by_role = {
        "practitioner": records.lead_id,  # leads the early help episode
        "social_worker": records.social_worker_id,  # leads the social care episode
        "front_door": records.officer_id,  # recorded and decided the referral
        "team_manager": records.manager_id,  # manages the team holding the episode
        "head_of_service": head_of_service_id,
    }
    allowed = {str(code) for code in view.access_policy.roles}
    if not allowed:
        return records.lead_id
    candidates = [by_role[code] for code in PREFERRED_ROLES if code in allowed]
    if not candidates:
        return administrator_id
    scope = getattr(view, "record_scope", None)
    if scope is None:
        return candidates[0]
    target = db.session.get(scope.model, values_for(records, rule.endpoint, rule.rule)[scope.argument])
    for person in candidates:
        if scope.check(db.session.get(User, person), target, scope.reading_is):
            return person
    return candidates[0]
