"""Demo data for the front door: referrals in every state, each step written down when it happened.

Two parts, for earlyhelp/services/demo.py to call:

- `front_door_history(families, users, practitioners, social_workers, rng)`: the referrals waiting (some overdue)
  and decided (on time and late) that demo.py's own front door history makes, written down as they happened
  (each use case is given the moment it was written down) and decided at a level of need each decision fits.
- `seed_referral_history(accounts, password=...)`: the ways a referral is put right and a decision checked: an
  amended referral, a withdrawn one, a duplicate linked to its original, a decision waiting for a front door
  manager's sign-off (no further action at level 3), a decision recorded late with its reason, and a police
  referral about a family open to early help whose lead is told. It uses the demo's families that have nothing
  waiting at the front door, so the demo keeps the number of families asked for.

Everything goes through the same use cases people use. The families are demo.py's (Faker): none is real.
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.timescales import is_working_day
from earlyhelp.extensions import db
from earlyhelp.models import Agency, DecisionOutcome, Episode, Family, LevelOfNeed, Referral, Role, Service, Team, User
from earlyhelp.models.referrals import OPEN_STATUSES
from earlyhelp.services import referrals
from earlyhelp.services.accounts import create_user
from earlyhelp.services.families import add_to_timeline

DEMO_DOMAIN = "northshire.example"
# Signs off the decisions that need it (earlyhelp/policy.py: signs_off_decisions).
FRONT_DOOR_MANAGER = ("front.door.manager", "Taylor Thresholdlead", "team_manager", "Front door")

# Which families the front door history opens to each service (by the family's index, modulo 10): as demo.py.
EARLY_HELP_KINDS, SOCIAL_CARE_KINDS = {3, 4, 5}, {6}
OPENS = {kind: "early_help" for kind in EARLY_HELP_KINDS} | {
    kind: "social_care_assessment" for kind in SOCIAL_CARE_KINDS
}
REFERRALS = [
    (
        "School",
        "Attendance has fallen to 70% this term and {child} often arrives hungry and tired.",
        "Meetings with the parent, a place at breakfast club.",
        "{child} will fall further behind and stay hungry.",
    ),
    (
        "Health visitor",
        "The baby has not gained weight for six weeks and mum says she feels very low.",
        "Weekly weigh-ins, a referral to the GP for mum.",
        "The baby's health and mum's mental health will get worse.",
    ),
    (
        "Police",
        "Officers attended a loud argument at the home at night; {child} was awake and upset.",
        "Advice to both adults at the time.",
        "The arguments may escalate and {child} will keep seeing them.",
    ),
    (
        "Housing",
        "The family has rent arrears and a notice to leave; the home is damp and overcrowded.",
        "Referral to the council's money advice service.",
        "The family may become homeless.",
    ),
    (
        "GP",
        "{child} has missed three hospital appointments for asthma.",
        "Reminder letters and a call from the practice nurse.",
        "{child}'s asthma will not be controlled.",
    ),
]


def _reference_data():
    return (
        {a.name: a for a in db.session.scalars(select(Agency))},
        {level.number: level for level in db.session.scalars(select(LevelOfNeed))},
        {o.code: o for o in db.session.scalars(select(DecisionOutcome))},
    )


def _fields(agency: Agency, level: LevelOfNeed, received: datetime, worries: str, tried: str, if_not: str, **extra):
    return {
        "received_at": received,
        "agency_id": agency.id,
        "referrer_name": extra.pop("referrer_name", "Alex Reed"),
        "referrer_role": extra.pop("referrer_role", agency.name),
        "referrer_phone": extra.pop("referrer_phone", "01632 960100"),
        "referrer_email": "",
        "level_id": level.id,
        "worries": worries,
        "what_has_been_tried": tried,
        "if_nothing_changes": if_not,
        "immediate_danger": extra.pop("immediate_danger", False),
        "family_knows": "yes",
        "family_agrees": extra.pop("family_agrees", "yes"),
        "family_agreement_note": extra.pop("family_agreement_note", ""),
    }


def _every_child(family: Family, impact: str = "Affected by the worries above.") -> list[referrals.ChildInput]:
    return [referrals.ChildInput(child.id, True, impact, "") for child in family.children]


def front_door_history(
    families: list[Family],
    users: dict[str, User],
    practitioners: list[User],
    social_workers: list[User],
    rng: random.Random,
) -> None:
    """Referrals in every state: waiting (some overdue), decided on time and late, with episodes and ratings.

    Each was written down as it happened: the referral when it arrived, the decision when it was made, the
    referrer told within the hour. A decision that would need a manager's sign-off is made at the level it fits
    (level 2); seed_referral_history adds the one waiting for sign-off. The families opened to a service are
    shared out in turn among its workers, as a duty manager would."""
    now = clock.now()
    agencies, levels, outcomes = _reference_data()
    officer = users["front_door"]
    opened = {"early_help": 0, "social_care_assessment": 0}
    for index, family in enumerate(families):
        created = now - timedelta(days=200 + rng.randint(0, 300))
        add_to_timeline(family.id, "Family record created", "family", family.id, actor=None, at=created)
        kind = index % 10
        if kind >= 8:
            continue
        waiting = kind <= 2
        if waiting:
            received = now - timedelta(hours=[60, 30, 1][kind] + rng.randint(0, 3))
        else:
            received = now - timedelta(days=rng.randint(3, 175), hours=rng.randint(0, 6))
        agency_name, worries, tried, if_not = rng.choice(REFERRALS)
        child = family.children[0].first_name
        not_asked = index % 7 == 0
        referral = referrals.record_referral(
            family,
            fields=_fields(
                agencies[agency_name],
                levels[rng.choice([2, 2, 3, 3, 4])],
                received,
                worries.format(child=child),
                tried,
                if_not.format(child=child),
                referrer_name=f"{rng.choice(['Alex', 'Chris', 'Jo', 'Sam'])} {rng.choice(['Reed', 'Hart', 'Shaw'])}",
                referrer_phone="01632 960" + f"{rng.randint(0, 999):03d}",
                immediate_danger=index == 1,
                family_agrees="not_asked" if not_asked else "yes",
                family_agreement_note="Asking would alert the person causing harm." if not_asked else "",
            ),
            children=_every_child(family),
            actor=officer,
            now=received,
        )
        if waiting:
            continue
        code = OPENS.get(kind, rng.choice(["no_further_action", "information_and_advice", "universal_services"]))
        late = kind == 7 and index % 3 == 0
        workers = {"early_help": practitioners, "social_care_assessment": social_workers}.get(code)
        lead = None
        if workers:
            lead = workers[opened[code] % len(workers)]
            opened[code] += 1
        decided_at = received + timedelta(days=4 if late else 0, hours=3)
        referrals.decide_referral(
            referral.id,
            outcome=outcomes[code],
            decided_level=levels[3 if code == "social_care_assessment" else 2],
            rationale="Needs can be met with a coordinated plan agreed with the family."
            if code == "early_help"
            else "The information shared shows needs that the family and universal services can meet.",
            decided_at=decided_at,
            late_reason="Waiting for information from the school." if late else "",
            lead=lead,
            actor=officer,
            now=decided_at,
        )
        if index % 4:
            told = decided_at + timedelta(hours=1)
            referrals.record_feedback(
                referral,
                method=rng.choice(["phone", "email"]),
                told_on=clock.local_date(told),
                actor=officer,
                now=told,
            )
        referrals.rate_clarity(
            referral, clarity=rng.choice(["yes", "yes", "partly", "no"]), note="", actor=officer, now=decided_at
        )


def _front_door_manager(password: str) -> User:
    local, name, role_code, team_name = FRONT_DOOR_MANAGER
    email = f"{local}@{DEMO_DOMAIN}"
    existing = User.by_email(email)
    if existing is not None:
        return existing
    return create_user(
        email=email,
        name=name,
        password=password,
        role=db.session.scalar(select(Role).where(Role.code == role_code)),
        team=db.session.scalar(select(Team).where(Team.name == team_name)),
    )


def _working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        count -= is_working_day(day)
    return day


def _families(count: int) -> list[Family]:
    """Families for the scenarios: those with no referral first, then those with nothing waiting at the front
    door, never a restricted one; the same family again if the demo is too small to give one each."""
    open_referral = select(Referral.family_id).where(Referral.status.in_(OPEN_STATUSES))
    candidates = (
        db.session.scalars(
            select(Family)
            .where(Family.restricted.is_(False), Family.id.not_in(open_referral))
            .order_by(Family.id.in_(select(Referral.family_id)), Family.id)
        ).all()
        or db.session.scalars(select(Family).where(Family.restricted.is_(False)).order_by(Family.id)).all()
    )
    return [candidates[number % len(candidates)] for number in range(count)] if candidates else []


def _open_to_early_help(leaving_out: set[int]) -> Episode | None:
    return db.session.scalars(
        select(Episode)
        .join(Family, Family.id == Episode.family_id)
        .join(Service, Service.id == Episode.service_id)
        .where(
            Service.code == "early_help",
            Episode.ended_on.is_(None),
            Episode.lead_id.is_not(None),
            Family.restricted.is_(False),
            Family.id.not_in(leaving_out or {0}),
        )
        .order_by(Episode.id)
    ).first()


def seed_referral_history(accounts: list[User], *, password: str) -> dict[str, int]:
    """The ways a referral is put right and a decision checked, in the demo's own families (those with nothing
    waiting at the front door). Adds the front door's team manager (FRONT_DOOR_MANAGER) unless the accounts
    already have them: they sign off the decision left waiting. Returns the referral ids by scenario."""
    people = {account.email.split("@")[0]: account for account in accounts}
    officer, practitioner = people["front.door"], people["practitioner"]
    _front_door_manager(password)  # before the decision that waits for them: they are told of it
    scenario_families = _families(5)
    if not scenario_families:
        return {}
    agencies, levels, outcomes = _reference_data()
    now = clock.now()
    made: dict[str, int] = {}

    def received(family, agency, level, at, worries, tried, if_not):
        """Written down as it arrived."""
        return referrals.record_referral(
            family,
            fields=_fields(agencies[agency], levels[level], at, worries, tried, if_not),
            children=_every_child(family),
            actor=officer,
            now=at,
        )

    # Amended: the school rang back the same morning with the right phone number and more about the worry.
    family = scenario_families[0]
    child = family.children[0].first_name
    referral = received(
        family,
        "School",
        2,
        now - timedelta(hours=3),
        f"{child} has been late most days this month.",
        "A phone call home.",
        f"{child} will miss the start of lessons.",
    )
    fields = _fields(
        agencies["School"],
        levels[2],
        referral.received_at,
        f"{child} has been late most days this month and says there is no food at home.",
        "A phone call home.",
        f"{child} will miss the start of lessons.",
        referrer_phone="01632 960457",
    )
    referrals.amend_referral(
        referral.id,
        fields=fields,
        children=_every_child(family),
        reason="The school rang back with the right phone number and said there is no food at home.",
        version=referral.version,
        actor=officer,
        now=now - timedelta(hours=2),
    )
    made["amended"] = referral.id

    # Withdrawn: sent about the wrong family.
    family = scenario_families[1]
    referral = received(
        family,
        "Housing",
        2,
        now - timedelta(days=1, hours=2),
        "Rent arrears and a notice to leave.",
        "A referral to money advice.",
        "The family may lose their home.",
    )
    referrals.withdraw_referral(
        referral.id,
        reason="Housing rang: they sent it about the wrong family, and have referred the right one.",
        actor=officer,
        now=now - timedelta(days=1),
    )
    made["withdrawn"] = referral.id

    # A duplicate: the health visitor's form arrived twice; the second was linked as it came in, then put aside.
    family = scenario_families[2]
    worry = ("The baby has not gained weight for six weeks.", "Weekly weigh-ins.", "The baby's health will suffer.")
    original = received(family, "Health visitor", 2, now - timedelta(hours=5), *worry)
    again = referrals.record_referral(
        family,
        fields=_fields(agencies["Health visitor"], levels[2], now - timedelta(hours=4), *worry),
        children=_every_child(family),
        actor=officer,
        now=now - timedelta(hours=4),
        linked_to=original.id,
    )
    referrals.mark_duplicate(
        again.id,
        original=original.id,
        reason="The same form from the same health visitor, sent again by email an hour later.",
        actor=officer,
        now=now - timedelta(hours=3, minutes=30),
    )
    made["duplicate"], made["duplicated"] = again.id, original.id

    # Waiting for sign-off: no further action at level 3, decided this morning.
    family = scenario_families[3]
    referral = received(
        family,
        "GP",
        3,
        now - timedelta(hours=6),
        "Mum has told the GP she is struggling to cope with the children since her partner left.",
        "A referral to talking therapies.",
        "Mum's mental health may get worse and the children's care with it.",
    )
    decided = now - timedelta(hours=1)
    referrals.decide_referral(
        referral.id,
        outcome=outcomes["no_further_action"],
        decided_level=levels[3],
        rationale="Mum has support from her GP and her sister; the school sees no worries about the children.",
        decided_at=decided,
        late_reason="",
        lead=None,
        actor=officer,
        now=decided,
    )
    made["pending_sign_off"] = referral.id

    # Decided at the daily meeting nine days ago, written down only today: late, with the reason.
    family = scenario_families[4]
    arrived = clock.at_london(_working_days_before(clock.local_date(now), 6), time(9, 40))
    referral = received(
        family,
        "School",
        2,
        arrived,
        "Attendance has dropped to 80% and the child is withdrawn in class.",
        "A meeting with dad.",
        "Attendance will keep falling.",
    )
    made_at = arrived + timedelta(hours=3)  # at the daily meeting, the same morning
    referrals.decide_referral(
        referral.id,
        outcome=outcomes["information_and_advice"],
        decided_level=levels[2],
        rationale="Dad has agreed to work with the school's attendance officer; advice is enough for now.",
        decided_at=made_at,
        late_reason="",
        lead=None,
        actor=officer,
        late_recording_reason="Decided at the daily meeting; the notes were only typed up today after sickness.",
        now=now,
    )
    made["recorded_late"] = referral.id

    # A police referral about a family open to early help: linked to that work, and its lead told. A demo too
    # small to have one opens one first, as the front door would.
    episode = _open_to_early_help({family.id for family in scenario_families})
    family = db.session.get(Family, episode.family_id) if episode else scenario_families[0]
    if episode is None:
        school = received(
            family,
            "School",
            2,
            now - timedelta(days=40),
            "The children are often tired and late.",
            "Breakfast club.",
            "They will fall behind.",
        )
        referrals.decide_referral(
            school.id,
            outcome=outcomes["early_help"],
            decided_level=levels[2],
            rationale="A coordinated early help plan agreed with mum will meet these needs.",
            decided_at=school.received_at + timedelta(hours=3),
            late_reason="",
            lead=practitioner,
            actor=officer,
            now=school.received_at + timedelta(hours=3),
        )
    police = received(
        family,
        "Police",
        3,
        now - timedelta(minutes=40),
        f"Officers were called to a loud argument at the home last night; {family.children[0].first_name} was"
        " awake and upset.",
        "Advice to both adults at the time.",
        "The arguments may escalate and the children will keep seeing them.",
    )
    made["police_open_to_early_help"] = police.id
    return made
