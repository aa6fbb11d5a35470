"""Allocation is never silent: whoever becomes a family's lead is told, and has a first next step.

A lead is given by a front door decision, by accepting a step-up or step-down, or by a team manager
reallocating. Each goes through `allocate`, which tells the new lead (unless they gave it to themself)
and adds "First contact with the family", due within FIRST_CONTACT_WORKING_DAYS working days.
"""

from datetime import date

from flask import current_app
from sqlalchemy import select

from earlyhelp import clock, policy
from earlyhelp.domain.reasons import check_reason
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.extensions import db
from earlyhelp.models import Episode, User
from earlyhelp.services.audit import record_event
from earlyhelp.services.families import add_to_timeline
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.notifications import link_to, notify
from earlyhelp.services.use_case import use_case

FIRST_CONTACT = "First contact with the family"


def allocate(episode: Episode, lead: User, *, actor: User, on: date) -> None:
    """Make `lead` the episode's lead: told (unless it is the actor), and given the first contact to make.

    Runs inside the use case that allocates (a decision, an acceptance, a reallocation)."""
    episode.lead, episode.team_id = lead, lead.team_id or episode.team_id
    db.session.flush()
    policy.forget_cached()  # the new lead may see the family now
    due = add_working_days(on, current_app.config["FIRST_CONTACT_WORKING_DAYS"])
    add_next_step(
        episode.family_id,
        NextStepInput(what=FIRST_CONTACT, owner_kind="user", owner_user_id=lead.id, due_on=due),
        source_type="allocation",
        source_id=episode.id,
        actor=actor,
        today=on,
        tell_owner=False,  # the notice below says why they have it
    )
    if lead.id != actor.id:
        notify(
            lead,
            kind="allocated",
            message=f"You are now the lead for {episode.family.reference} ({episode.service.name}): first contact "
            f"due {clock.long_day(due)}",
            link=link_to("families.show", family_id=episode.family_id),
            dedupe_key=f"allocated:{episode.id}:{lead.id}:{clock.now().isoformat()}",
            family_id=episode.family_id,
        )


def lead_choices(episode: Episode) -> list[User]:
    """Who may lead it: the active case workers of the episode's team (its manager included)."""
    people = db.session.scalars(
        select(User).where(User.team_id == episode.team_id, User.active).order_by(User.name)
    ).all()
    return [person for person in people if policy.has_role(person, *policy.WORKING_ROLES)]


@use_case("reallocate", "episode")
def reallocate(episode: Episode, *, lead: User | None, reason: str, actor: User) -> None:
    """A team manager gives the family another lead, with a reason; both people are told."""
    if not policy.may_reallocate(actor, episode):
        raise Refused("Only a team manager of the team that holds this family can change its lead")
    if lead is None or lead.id not in {person.id for person in lead_choices(episode)}:
        raise Refused("Select the new lead from the list", "lead")
    if episode.lead_id == lead.id:
        raise Refused(f"{lead.name} is already the lead", "lead")
    reason = check_reason(reason, asked="why the lead is changing")
    before = episode.lead
    today = clock.today()
    allocate(episode, lead, actor=actor, on=today)
    add_to_timeline(
        episode.family_id,
        f"Lead for {episode.service.name} changed from {before.name if before else 'nobody'} to {lead.name}",
        "episode",
        episode.id,
        actor=actor,
    )
    if before is not None and before.id not in (actor.id, lead.id):
        notify(
            before,
            kind="reallocated",
            message=f"{episode.family.reference} has a new lead: {lead.name}. Your next steps for it stay with you.",
            link=link_to("main.home"),
            dedupe_key=f"reallocated:{episode.id}:{before.id}:{clock.now().isoformat()}",
            family_id=None,
        )
    record_event("reallocate", "episode", episode.id, family_id=episode.family_id, user=actor)
