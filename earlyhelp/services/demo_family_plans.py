"""Demo family plans for issue 12: review meetings recorded with their outcomes, a young child's words marked as
observed and another's as told to us by their mum, and an early help plan closed after the family stepped up.

Called from earlyhelp.services.demo.seed, after _family_plan_history(accounts):
    from earlyhelp.services.demo_family_plans import seed_family_plans
    seed_family_plans(accounts)
Made through the same use cases people use; all names are fictional.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.extensions import db
from earlyhelp.models import Episode, Family, FamilyPlan, Service, Transfer, User
from earlyhelp.services import family_plans
from earlyhelp.services.next_steps import NextStepInput, add_next_step

PLAN_TEXT = {
    "worries": "We are worried that the children are often late for school and that evenings are very loud.",
    "working_well": "Mum reads with the youngest every night. Gran helps on Fridays.",
    "needs_to_happen": "Bedtime is calm and at the same time each night. Mum gets help with money worries.",
    "goals": "We want calmer evenings, and for everyone to get to school on time.",
    "contingency": "If things get worse, call the lead practitioner the same day on 01632 960111. "
    "Out of hours, call 01632 960000.",
    "lead_contact": "01632 960111, Monday to Friday, 9am to 5pm",
    "agreed_by": "Mum",
}


def _at(day, hour=10) -> datetime:
    return clock.at_london(day, time(hour, 0))


def _issued_plan(family: Family, practitioner: User, *, started, issued_at: datetime, words=None) -> FamilyPlan:
    """A plan written with the family from `started`, issued at `issued_at`."""
    plan = family_plans.start_draft(family, actor=practitioner, today=started)
    changes = PLAN_TEXT | {"agreed_on": started, "review_on": clock.local_date(issued_at) + timedelta(weeks=6)}
    child_words, words_given = {}, {}
    for number, child in enumerate(plan.children_words):
        if words and number < len(words):
            said, how, by = words[number]
            child_words[child.person_id], words_given[child.person_id] = said, (how, by)
    family_plans.save_draft(plan, changes=changes, child_words=child_words, words_given=words_given, actor=practitioner)
    add_next_step(
        family.id,
        NextStepInput(
            "Keep a bedtime chart on the fridge",
            "family_member",
            add_working_days(started, 10),
            owner_name="Mum",
            family_facing=True,
        ),
        source_type="family_plan",
        source_id=plan.id,
        actor=practitioner,
        today=started,
    )
    return family_plans.issue(plan, actor=practitioner, confirmed=True, now=issued_at)


def _review(plan, practitioner, *, held_on, outcome, note):
    return family_plans.record_review(
        plan,
        family_plans.ReviewInput(
            held_on=held_on, attended=f"Mum, {practitioner.name}, Oakfield Primary School", outcome=outcome, note=note
        ),
        actor=practitioner,
        now=_at(held_on, 16),
    )


def seed_family_plans(accounts: list[User]) -> None:
    people = {a.email.split("@")[0]: a for a in accounts}
    practitioner = people["practitioner"]
    today = clock.today()
    planned = set(db.session.scalars(select(FamilyPlan.family_id)))
    episodes = [
        episode
        for episode in db.session.scalars(
            select(Episode)
            .join(Service)
            .where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None), Service.code == "early_help")
            .order_by(Episode.id)
        )
        if episode.family_id not in planned and episode.family.children
    ]
    young_words = [
        ("Hides behind the sofa when voices are raised; smiles when Gran arrives.", "observed", practitioner.name),
        ("Wants a night light and a story every night.", "through_parent", "their mum"),
    ]

    # Reviewed twice: the first review changed the plan (version 2), the second kept to it.
    if episodes:
        family = episodes[0].family
        started = today - timedelta(weeks=14)
        v1 = _issued_plan(
            family, practitioner, started=started, issued_at=_at(started + timedelta(days=2)), words=young_words
        )
        first_review = started + timedelta(weeks=6)
        _review(
            v1,
            practitioner,
            held_on=first_review,
            outcome="change",
            note="Mornings are better; evenings are still hard. We will add a bedtime routine.",
        )
        v2 = family_plans.plans(family.id)[0]
        family_plans.save_draft(
            v2,
            changes={
                "needs_to_happen": PLAN_TEXT["needs_to_happen"] + " Everyone is in bed by eight on school nights.",
                "agreed_by": "Mum and Gran",
                "agreed_on": first_review,
                "review_on": first_review + timedelta(weeks=8),
            },
            child_words={},
            actor=practitioner,
        )
        family_plans.issue(v2, actor=practitioner, confirmed=True, now=_at(first_review + timedelta(days=1)))
        _review(
            v2,
            practitioner,
            held_on=today - timedelta(days=3),
            outcome="continue",
            note="Bedtimes are calmer. Mum says the chart helps.",
        )

    # Reviewed once, carrying on.
    if len(episodes) > 1:
        family = episodes[1].family
        started = today - timedelta(weeks=7)
        plan = _issued_plan(
            family, practitioner, started=started, issued_at=_at(started + timedelta(days=1)), words=young_words[:1]
        )
        _review(
            plan,
            practitioner,
            held_on=today - timedelta(days=6),
            outcome="continue",
            note="School attendance is up to 94%. Keep the plan as it is.",
        )

    # Closed after a step-up: the family whose step-up handover is complete had an early help plan.
    transfer = db.session.scalar(
        select(Transfer)
        .where(Transfer.direction == "step_up", Transfer.state == "handover_complete")
        .order_by(Transfer.id)
        .limit(1)
    )
    if transfer is not None and transfer.family_id not in planned:
        completed = transfer.state_changed_at
        started = clock.local_date(completed) - timedelta(weeks=9)
        plan = _issued_plan(
            transfer.family, transfer.requested_by, started=started, issued_at=_at(started + timedelta(days=2))
        )
        family_plans.close_after_step_up(transfer, actor=transfer.receiving_lead or practitioner, now=completed)
        db.session.flush()
        assert plan.is_closed
