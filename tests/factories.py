"""Plain factory functions with keyword overrides. All names are fictional."""

import itertools
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Family, Person, Role, Team, User
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.supervision import record_supervision

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def role(code: str) -> Role:
    return db.session.scalar(select(Role).where(Role.code == code))


def team(name: str = "Early help team") -> Team:
    return db.session.scalar(select(Team).where(Team.name == name))


def make_user(role_code: str = "practitioner", *, team_name: str | None = "Early help team", **overrides) -> User:
    number = next(_sequence)
    user = User(
        email=overrides.pop("email", f"person{number}@test.example"),
        name=overrides.pop("name", f"Test Person {number}"),
        role=role(role_code),
        team=team(team_name) if team_name else None,
        **overrides,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_family(**overrides) -> Family:
    number = next(_sequence)
    family = Family(
        reference=overrides.pop("reference", f"TST-{number:06d}"),
        address=overrides.pop("address", f"{number} Example Road, Testtown"),
        postcode=overrides.pop("postcode", "ZZ99 1AA"),
        **overrides,
    )
    family.members.append(Person(first_name="Alex", last_name=f"Testfamily{number}", relationship_to_child="Mother"))
    db.session.add(family)
    db.session.commit()
    return family


def make_household(children: int = 2, **overrides) -> Family:
    """A family with one parent and `children` children, all fictional."""
    from datetime import date, timedelta

    family = make_family(**overrides)
    surname = family.members[0].last_name
    for number in range(children):
        family.members.append(
            Person(
                first_name=["Ash", "Bo", "Cal", "Dee"][number % 4],
                last_name=surname,
                is_child=True,
                # Born one a year from 2015; a household of more than ten (statement-count tests) goes back a
                # month each from 2014, so that nobody is born in the future.
                date_of_birth=date(2015 + number, 3, 1)
                if number < 10
                else date(2014, 1, 1) - timedelta(days=30 * number),
                relationship_to_child="Son",
            )
        )
    db.session.commit()
    return family


def reference(model, **where):
    return db.session.scalar(select(model).filter_by(**where))


def make_referral(family: Family, *, actor: User, received_at=None, agency_name="School", level_number=2, **fields):
    """A complete referral recorded through the service, every child included."""
    from earlyhelp.clock import now as utcnow
    from earlyhelp.models import Agency, LevelOfNeed
    from earlyhelp.services.referrals import ChildInput, record_referral

    values = {
        "received_at": received_at or utcnow(),
        "agency_id": reference(Agency, name=agency_name).id,
        "referrer_name": "Pat Teacher",
        "referrer_role": "Designated safeguarding lead",
        "referrer_phone": "01632 960000",
        "referrer_email": "",
        "level_id": reference(LevelOfNeed, number=level_number).id,
        "worries": "Attendance has dropped to 60% and the children arrive hungry.",
        "what_has_been_tried": "Two meetings with mum; breakfast club offered.",
        "if_nothing_changes": "The children will fall further behind and stay hungry.",
        "immediate_danger": False,
        "family_knows": "yes",
        "family_agrees": "yes",
        "family_agreement_note": "",
    } | fields
    children = [
        ChildInput(person_id=c.id, included=True, impact="Tired and hungry in class", reason_not_included="")
        for c in family.children
    ]
    # Written down as it arrived, unless a test says when it was written down (recorded_at).
    recorded_at = values.pop("recorded_at", None) or min(values["received_at"], utcnow())
    referral = record_referral(family, fields=values, children=children, actor=actor, now=recorded_at)
    db.session.commit()
    return referral


def known_to(family: Family, user: User, *, service_code: str | None = None):
    """Give `user` a working relationship with `family`: an open episode held by their team (no lead), of
    their team's service unless `service_code` is given. Returns the episode."""
    return make_episode(family, service_code=service_code or user.team.service.code, team_id=user.team_id)


def make_episode(family: Family, *, service_code: str = "early_help", lead: User | None = None, **overrides):
    from datetime import date

    from earlyhelp.models import Episode, Service

    service = reference(Service, code=service_code)
    episode = Episode(
        family_id=family.id,
        service=service,
        lead=lead,
        team_id=overrides.pop("team_id", lead.team_id if lead else None),
        started_on=overrides.pop("started_on", date(2025, 9, 1)),
        **overrides,
    )
    db.session.add(episode)
    db.session.commit()
    return episode


def make_transfer(
    episode,
    *,
    actor: User,
    direction: str = "step_up",
    receiving_team: str = "Social care team",
    family_agrees: bool = True,
    outcomes=None,
    **fields,
):
    """A draft step-up (or step-down) through the service, every child included with their views.

    The family was told yesterday by the requester; they agree (or, with `family_agrees=False`, said no, in
    their words). A step-down answers its checklist yes and has one outcome for the whole family, unless
    `outcomes` (a list of earlyhelp.domain.outcomes.ProposedOutcome) says otherwise."""
    import uuid

    from earlyhelp.domain.outcomes import ProposedOutcome
    from earlyhelp.domain.transfers import Direction
    from earlyhelp.models import LevelOfNeed
    from earlyhelp.services.transfers import ChildChoice, start

    values = {
        "worries": "Mum's drinking has increased and the children are left alone at night.",
        "level_id": reference(LevelOfNeed, number=3).id,
        "receiving_team_id": team(receiving_team).id,
        "told_family": "yes",
        "told_on": clock.today() - timedelta(days=1),
        "told_by": actor.name,
        "family_agreement": "yes" if family_agrees else "no",
        "family_words": "" if family_agrees else "Mum said: we do not want anyone else involved.",
        "not_to_share": "",
    }
    if direction == "step_up":
        values |= {
            "what_has_changed": "Police were called twice this week.",
            "immediate_danger": False,
            "override_reason": "" if family_agrees else "Asking would put the children at risk.",
        }
    else:
        values |= {
            "why_now": "The child protection plan has ended and things are steadier.",
            "threshold_reviewed": True,
            "clear_outcomes": True,
            "outstanding_tasks_listed": True,
        }
        if outcomes is None:
            outcomes = [
                ProposedOutcome(
                    person_id=None,
                    what_different="The children get to school on time at least 9 days in 10.",
                    by_when=clock.today() + timedelta(weeks=12),
                )
            ]
    family = db.session.get(Family, episode.family_id)
    transfer = start(
        episode,
        direction=Direction(direction),
        submission_key=fields.pop("submission_key", uuid.uuid4().hex),
        fields=values | fields,
        children=[
            ChildChoice(person_id=c.id, included=True, child_words="I want things to be calmer.")
            for c in family.children
        ],
        outstanding=[],
        outcomes=outcomes or [],
        actor=actor,
    )
    db.session.commit()
    return transfer


def make_next_step(
    owner: User,
    *,
    by: User | None = None,
    what="Phone Oakfield School about attendance",
    due_on=None,
    added_on=None,
    family: Family | None = None,
    source_type="supervision",
    source_id=None,
):
    """A next step for `owner`, added through the service (by `by`, or the owner): in a new family held by the
    owner's team if none is given (an owner must be someone who may see the family)."""
    if family is None:
        family = make_household(children=1)
        known_to(family, owner)
    return add_next_step(
        family.id,
        NextStepInput(what=what, owner_kind="user", owner_user_id=owner.id, due_on=due_on or clock.today()),
        source_type=source_type,
        source_id=source_id,
        actor=by or owner,
        today=added_on or clock.today(),
    )


def make_supervision(
    supervisor: User, worker: User, family: Family | None = None, *, held_on, next_on, steps=(), written_on=None
):
    """A supervision record, case (with a family) or general, held on `held_on` and written up on `written_on`."""
    return record_supervision(
        kind="case" if family else "general",
        family=family,
        supervisor=supervisor,
        practitioner=worker,
        held_on=held_on,
        discussion="Attendance, and whether the plan is working.",
        decisions=[("Keep working with the family", "Attendance is improving")],
        steps=list(steps),
        next_supervision_on=next_on,
        today=written_on or held_on,
    )
