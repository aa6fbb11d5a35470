"""Seeded benchmark data at the size of a council (issue 15): `python -m bench.generate --tier S|M --database-url URL`.

The database is made by the migrations first (as `flask db upgrade` makes it), then filled in bulk: SQLAlchemy
Core inserts of many rows per statement (executemany), never the ORM row by row. Every NOT NULL column is filled
as the services fill it, and the invariants the app relies on hold: at most one open episode per family and
service, each with a lead in its team; every referral with its children; every request with its handover plan,
its children and its history; every note and episode on the family's timeline; audit rows that name the family.

The few records a benchmarked write acts on (requests waiting for the bench manager to accept, a draft plan to
issue, the request with 400 next steps) are made through the services themselves, as a person would make them.

Tiers: XS (CI smoke, 100 families), S (1,000), M (50,000 families, 150,000 people, 500,000 next steps, 10,000
requests, 200,000 case notes, 1,000,000 audit events). Skew: most families small, a long tail of history, one
family with 12 children, 2,000 next steps and 1,000 case notes; 2% restricted; dates over 10 years.
"""

import argparse
import json
import random
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

import click
from faker import Faker
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

PASSWORD = "bench-password-not-secret"  # noqa: S105  (fictional accounts on a throwaway database)
DOMAIN = "bench.example"
BATCH = 5000

TIERS = {
    "XS": dict(
        families=100,
        people=300,
        next_steps=1_000,
        transfers=20,
        case_notes=400,
        audit=2_000,
        teams=6,
        staff=30,
        open_share=0.30,
        front_door_queue=10,
        accept_targets=3,
    ),
    "S": dict(
        families=1_000,
        people=3_000,
        next_steps=10_000,
        transfers=200,
        case_notes=4_000,
        audit=100_000,
        teams=12,
        staff=120,
        open_share=0.20,
        front_door_queue=25,
        accept_targets=12,
    ),
    "M": dict(
        families=50_000,
        people=150_000,
        next_steps=500_000,
        transfers=10_000,
        case_notes=200_000,
        audit=1_000_000,
        teams=40,
        staff=600,
        open_share=0.15,
        front_door_queue=150,
        accept_targets=25,
    ),
}
BIG_FAMILY = dict(children=12, next_steps=2_000, case_notes=1_000)
HANDOVER_STEPS = 400
# The CI smoke tier keeps the shapes but not the sizes of the worst cases, so that it runs in seconds.
SMOKE_SPECIALS = dict(children=12, next_steps=200, case_notes=100, handover_steps=40)
BUSY_CASELOAD = 40  # twice the 15 to 25 a council aims at: the busy practitioner My work is measured for
YEARS = 10


@dataclass
class Built:
    """What bench.run needs to find: the accounts by part, and the records each measured page is about."""

    tier: str
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    accounts: dict = field(default_factory=dict)  # part -> email
    typical_family_id: int = 0
    big_family_id: int = 0
    accept_transfer_ids: list = field(default_factory=list)
    handover_transfer_id: int = 0
    draft_plan_ids: list = field(default_factory=list)
    search: dict = field(default_factory=dict)


def _ts(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Inserter:
    """Rows for each table, sent in batches by executemany; ids chosen here so rows can point at each other."""

    def __init__(self, session):
        self.session = session
        self.pending: dict = {}
        self.next_id: dict = {}
        self.counts: dict = {}

    def id_for(self, table) -> int:
        if table.name not in self.next_id:
            self.next_id[table.name] = (self.session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self.next_id[table.name]
        self.next_id[table.name] += 1
        return value

    def add(self, table, **row) -> int:
        if "id" in table.c and "id" not in row:
            row["id"] = self.id_for(table)
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)
        return row.get("id")

    def flush(self, table=None) -> None:
        # Parents before children: tables are flushed in the order they were first given rows.
        tables = list(self.pending) if table is None else list(self.pending)[: list(self.pending).index(table) + 1]
        for each in tables:
            rows = self.pending[each]
            if rows:
                # One executemany per shape of row: an open referral has no decision columns at all.
                shapes: dict = {}
                for row in rows:
                    shapes.setdefault(tuple(row), []).append(row)
                for same in shapes.values():
                    self.session.execute(insert(each), same)
                self.counts[each.name] = self.counts.get(each.name, 0) + len(rows)
                self.pending[each] = []

    def fix_sequences(self) -> None:
        """PostgreSQL: ids were chosen here, so each table's sequence moves past them."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in self.next_id:
            self.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")  # noqa: S608  (our own table names)
            )


def build(database_url: str, tier: str, *, seed: int = 15, log=print) -> Built:
    """A new benchmark database at `database_url` (made by the migrations if it has no tables yet)."""
    from flask_migrate import upgrade

    from earlyhelp import create_app
    from earlyhelp.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        try:
            return fill(tier, seed=seed, log=log)
        finally:
            db.session.remove()
            db.engine.dispose()


def manifest(built: Built, database_url: str) -> dict:
    """What bench.run reads: the built records and accounts, and where the database is."""
    return json.loads(json.dumps(asdict(built) | {"database_url": database_url}, default=str))


def fill(tier: str, *, seed: int = 15, log=print) -> Built:
    """Fill the app's (migrated, empty) database. Call inside an app context."""
    from earlyhelp import clock
    from earlyhelp.extensions import db
    from earlyhelp.models import User

    started = time.perf_counter()
    if db.session.scalar(select(func.count()).select_from(User)):
        raise SystemExit("This database already holds accounts: benchmark data goes in a new database.")
    shape = TIERS[tier]
    rng = random.Random(seed)  # noqa: S311  (seeded on purpose: the same data each time)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    gen = _Generator(db.session, shape, rng, fake, clock.today(), clock.now(), log)
    built = gen.run(tier)
    built.seconds = round(time.perf_counter() - started, 1)
    return built


class _Generator:
    def __init__(self, session, shape, rng, fake, today, now, log):
        from earlyhelp import models
        from earlyhelp.models import case_notes, families, referrals

        self.session, self.shape, self.rng, self.today, self.now, self.log = session, shape, rng, today, now, log
        self.t = {
            name: getattr(models, name).__table__
            for name in models.__all__
            if hasattr(getattr(models, name), "__table__")
        }
        self.t["CaseNote"] = case_notes.CaseNote.__table__
        self.t["TimelineEntry"] = families.TimelineEntry.__table__
        self.t["ReferralEpisode"] = referrals.ReferralEpisode.__table__
        self.ins = Inserter(session)
        smoke = shape["families"] < 1000
        self.big = dict(SMOKE_SPECIALS) if smoke else dict(BIG_FAMILY, handover_steps=HANDOVER_STEPS)
        # Name pools from Faker (en_GB), sampled by the seeded generator: fictional, repeatable and quick.
        self.first_names = sorted({fake.first_name() for _ in range(800)})
        self.surnames = sorted({fake.last_name() for _ in range(1500)})
        self.streets = sorted({fake.street_name() for _ in range(800)})
        self.towns = sorted({fake.city() for _ in range(200)})
        self.postcodes = sorted({fake.postcode() for _ in range(max(2000, shape["families"] // 4))})
        self.ref = {}

    # Reference rows the migrations made

    def _reference(self):
        s = self.session
        self.roles = {code: id_ for id_, code in s.execute(text("SELECT id, code FROM role"))}
        self.services = {code: id_ for id_, code in s.execute(text("SELECT id, code FROM service"))}
        self.levels = {number: id_ for id_, number in s.execute(text("SELECT id, number FROM level_of_need"))}
        self.outcomes = {code: id_ for id_, code in s.execute(text("SELECT id, code FROM decision_outcome"))}
        self.agencies = [id_ for (id_,) in s.execute(text("SELECT id FROM agency ORDER BY id"))]
        self.note_types = [id_ for (id_,) in s.execute(text("SELECT id FROM case_note_type ORDER BY id"))]
        self.teams = {name: (id_, sid) for id_, name, sid in s.execute(text("SELECT id, name, service_id FROM team"))}

    def _day(self, years_back: float = YEARS) -> date:
        return self.today - timedelta(days=self.rng.randint(0, int(365 * years_back)))

    def run(self, tier: str) -> Built:
        from werkzeug.security import generate_password_hash

        self._reference()
        self.hash = generate_password_hash(PASSWORD)  # one scrypt hash for every account: same password
        built = Built(tier=tier)
        self._staff(built)
        self.log(f"staff: {len(self.workers_eh) + len(self.workers_sc)} case workers in {len(self.team_ids)} teams")
        self._families(built)
        self.ins.flush()
        self.log(f"families and history: {self.ins.counts}")
        self._audit()
        self.ins.flush()
        self.ins.fix_sequences()
        self.session.commit()
        self._through_the_services(built)
        self.session.commit()
        built.counts = self._counts()
        if self.session.get_bind().dialect.name == "postgresql":
            # What autovacuum would soon do after a load this size: the planner's statistics, so plans are real.
            self.session.execute(text("ANALYZE"))
            self.session.commit()
        return built

    # Teams and staff

    def _user(self, local, name, role, team_id):
        return self.ins.add(
            self.t["User"],
            email=f"{local}@{DOMAIN}",
            name=name,
            phone="01632 960" + f"{self.rng.randint(0, 999):03d}",
            password_hash=self.hash,
            role_id=self.roles[role],
            team_id=team_id,
            active=True,
            created_at=self.now,
            password_changed_at=self.now,
            must_change_password=False,
        )

    def _person_name(self):
        return f"{self.rng.choice(self.first_names)} {self.rng.choice(self.surnames)}"

    def _staff(self, built: Built):
        shape, t = self.shape, self.t["Team"]
        eh, sc = self.services["early_help"], self.services["social_care"]
        self.team_ids = {
            "early_help": [self.teams["Early help team"][0]],
            "social_care": [self.teams["Social care team"][0]],
        }
        front_door = self.teams["Front door"][0]
        towns = self.rng.sample(self.towns, min(len(self.towns), shape["teams"]))
        for number in range(shape["teams"] - 3):
            service = "early_help" if number % 3 != 2 else "social_care"
            kind = "Early help" if service == "early_help" else "Social care"
            name = f"{kind} {towns[number % len(towns)]} {number + 1}"
            self.team_ids[service].append(
                self.ins.add(
                    t,
                    name=name,
                    service_id=eh if service == "early_help" else sc,
                    phone="01632 961" + f"{number:03d}",
                    email=f"team{number}@{DOMAIN}",
                )
            )
        self.ins.flush()
        self.workers_eh, self.workers_sc, self.managers, self.team_of = [], [], {}, {}
        self.members = {}
        acc = built.accounts
        acc["head_of_service"] = f"bench.head@{DOMAIN}"
        self.head = self._user("bench.head", "Harper Headofservice", "head_of_service", None)
        self._user("bench.admin", "Ash Administrator", "administrator", None)
        acc["front_door"] = f"bench.frontdoor@{DOMAIN}"
        self.front_door_officer = self._user("bench.frontdoor", "Frankie Frontdoor", "front_door", front_door)
        self.front_door_manager = self._user("bench.frontdoor.manager", "Fran Frontmanager", "team_manager", front_door)
        for n in range(max(2, shape["staff"] // 40)):
            self._user(f"frontdoor.{n}", self._person_name(), "front_door", front_door)
        all_teams = [(s, tid) for s in ("early_help", "social_care") for tid in self.team_ids[s]]
        per_team = max(3, (shape["staff"] - shape["staff"] // 40 - 4) // len(all_teams))
        for index, (service, team_id) in enumerate(all_teams):
            first = index == 0 or (service == "social_care" and team_id == self.team_ids["social_care"][0])
            manager_local = "bench.manager" if index == 0 else "bench.sc.manager" if first else f"manager.{team_id}"
            manager = self._user(manager_local, self._person_name(), "team_manager", team_id)
            self.managers[team_id] = manager
            self.members[team_id] = [manager]
            role = "practitioner" if service == "early_help" else "social_worker"
            for n in range(per_team - 1):
                local = (
                    ("bench.practitioner" if service == "early_help" else "bench.socialworker")
                    if first and n == 0
                    else f"{role}.{team_id}.{n}"
                )
                worker = self._user(local, self._person_name(), role, team_id)
                (self.workers_eh if service == "early_help" else self.workers_sc).append(worker)
                self.team_of[worker] = team_id
                self.members[team_id].append(worker)
        acc["practitioner"] = f"bench.practitioner@{DOMAIN}"
        acc["social_worker"] = f"bench.socialworker@{DOMAIN}"
        acc["team_manager"] = f"bench.manager@{DOMAIN}"
        acc["social_care_manager"] = f"bench.sc.manager@{DOMAIN}"
        self.busy = self.workers_eh[0]
        self.busy_team = self.team_of[self.busy]
        self.ins.flush()

    # Families, people and their history

    def _sizes(self, count: int, total: int, sigma: float = 1.0) -> list[int]:
        """A heavy-tailed share of `total` for each of `count` families: most small, a long tail."""
        weights = [self.rng.lognormvariate(0, sigma) for _ in range(count)]
        scale = total / sum(weights)
        sizes = [int(w * scale) for w in weights]
        for _ in range(total - sum(sizes)):
            sizes[self.rng.randrange(count)] += 1
        return sizes

    def _families(self, built: Built):
        shape = self.shape
        n = shape["families"]
        big = n // 2  # the family with 12 children and the longest history, in the middle of the ids
        steps = self._sizes(n, max(n, shape["next_steps"] - self.big["next_steps"] - self.big["handover_steps"]))
        notes = self._sizes(n, max(n, shape["case_notes"] - self.big["case_notes"]))
        steps[big], notes[big] = self.big["next_steps"], self.big["case_notes"]
        transfer_share = shape["transfers"] / n
        # Who holds which open family: the busy practitioner has BUSY_CASELOAD; others share the rest.
        open_families = set(self.rng.sample(range(n), int(n * shape["open_share"])))
        open_families.add(big)
        busy_families = [
            big,
            *self.rng.sample(sorted(open_families - {big}), min(BUSY_CASELOAD, len(open_families) // 2) - 1),
        ]
        self.busy_set = set(busy_families)
        restricted = set(self.rng.sample(range(n), max(1, n // 50))) - self.busy_set
        adults_target = shape["people"] / n
        first_family_id = None
        self.open_eh_episodes = []  # (family_id, episode_id, lead, team, children ids)
        self.open_sc_episodes = []
        self.children_of = {}
        for index in range(n):
            kids = (
                self.big["children"]
                if index == big
                else self.rng.choices([1, 2, 3, 4, 5, 6, 7, 8], weights=[46, 30, 13, 6, 3, 1, 0.5, 0.5])[0]
            )
            adults = 1 + (self.rng.random() < max(0.0, min(1.0, adults_target - 2.9)))
            family_id = self._family(
                index,
                kids,
                adults,
                index in restricted,
                index in open_families,
                steps[index],
                notes[index],
                transfer_share,
                index == big,
            )
            if first_family_id is None:
                first_family_id = family_id
            if index == big:
                built.big_family_id = family_id
            if index % 5000 == 4999:
                self.log(f"  {index + 1} families")
        self._front_door_queue()
        # A typical family: open, held by the busy practitioner, history near the median.
        typical = sorted((i for i in busy_families if i != big), key=lambda i: abs(steps[i] - 8))[0]
        built.typical_family_id = first_family_id + typical
        self.typical_index = typical
        self.first_family_id = first_family_id

    def _front_door_queue(self):
        """Referrals received in the last few days and waiting for the front door's decision."""
        for _ in range(self.shape["front_door_queue"]):
            family_id = self.rng.choice(sorted(self.children_of))
            received_day = self.today - timedelta(days=self.rng.randint(0, 3))
            self._referral(
                family_id,
                self.children_of[family_id],
                received_day + timedelta(days=1),
                None,
                "early_help",
                open_=True,
                received=_ts(received_day, 9, self.rng.randint(0, 59)),
            )

    def _family(self, index, kids, adults, restricted, is_open, n_steps, n_notes, transfer_share, is_big):
        t, rng = self.t, self.rng
        created_day = self._day()
        surname = rng.choice(self.surnames)
        family_id = self.ins.add(
            t["Family"],
            reference=f"FAM-{index + 1:06d}",
            address=f"{rng.randint(1, 240)} {rng.choice(self.streets)}, {rng.choice(self.towns)}",
            postcode=rng.choice(self.postcodes),
            languages="English" if rng.random() < 0.85 else "English, Polish",
            interpreter_needed=rng.random() < 0.05,
            culture_and_identity="",
            restricted=False,
            restricted_reason="",
            created_at=_ts(created_day),
            version=1,
        )
        people, children = [], []
        for a in range(adults):
            people.append(
                self.ins.add(
                    t["Person"],
                    family_id=family_id,
                    first_name=rng.choice(self.first_names),
                    last_name=surname if a == 0 or rng.random() < 0.7 else rng.choice(self.surnames),
                    date_of_birth=self.today - timedelta(days=rng.randint(20 * 365, 55 * 365)),
                    relationship_to_child=rng.choice(["Mother", "Father", "Stepfather", "Grandmother", "Carer"]),
                    is_child=False,
                    school_or_setting="",
                    child_words="",
                    in_household=True,
                    involvement="",
                    left_reason="",
                    phone=f"07700 900{rng.randint(0, 999):03d}",
                    email="",
                    sex="",
                    ethnicity="",
                    nhs_number="",
                    nhs_number_status="",
                    nhs_number_missing_reason="",
                    version=1,
                )
            )
        for _ in range(kids):
            children.append(
                self.ins.add(
                    t["Person"],
                    family_id=family_id,
                    first_name=rng.choice(self.first_names),
                    last_name=surname,
                    date_of_birth=self.today - timedelta(days=rng.randint(30, 17 * 365)),
                    relationship_to_child=rng.choice(["Son", "Daughter", "Stepson", "Stepdaughter"]),
                    is_child=True,
                    school_or_setting=f"{rng.choice(self.towns)} Primary School",
                    child_words="",
                    in_household=True,
                    involvement="",
                    left_reason="",
                    phone="",
                    email="",
                    sex=rng.choice(["male", "female"]),
                    ethnicity="",
                    nhs_number="",
                    nhs_number_status="",
                    nhs_number_missing_reason="",
                    version=1,
                )
            )
        self.children_of[family_id] = children
        # Episodes: a closed one or two in the past; the open one (if any) led by a worker of its team.
        episodes = []
        n_closed = rng.choices([1, 1, 2, 3], weights=[5, 3, 2, 1])[0] if not is_open else rng.choice([0, 0, 1, 2])
        day = created_day
        for number in range(n_closed + (1 if is_open else 0)):
            last = number == n_closed
            start = day
            end = (
                None
                if (is_open and last)
                else min(self.today - timedelta(days=1), start + timedelta(days=rng.randint(60, 400)))
            )
            if end is not None and end <= start:
                end = start + timedelta(days=1)
                if end >= self.today:
                    start, end = self.today - timedelta(days=10), self.today - timedelta(days=2)
            # The busy practitioner's families (the big one among them) are in early help.
            social_care = rng.random() < 0.25 and not (is_big or (is_open and last and self._held_by_busy(index)))
            service = "social_care" if social_care else "early_help"
            if is_open and last and self._held_by_busy(index):
                lead, team = self.busy, self.busy_team
            else:
                team = rng.choice(self.team_ids[service])
                lead = rng.choice(self.members[team][1:] or self.members[team])
            referral_id = self._referral(family_id, children, start, lead, service)
            episode_id = self.ins.add(
                t["Episode"],
                family_id=family_id,
                service_id=self.services[service],
                team_id=team,
                lead_id=lead,
                started_on=start,
                ended_on=end,
                closure_reason=None
                if end is None
                else rng.choice(
                    [
                        "Outcomes met: the family no longer need support",
                        "The family moved away",
                        "The family declined further support",
                        "Stepped up to social care",
                    ]
                ),
                referral_id=referral_id,
                assessment_due_on=start + timedelta(days=63) if social_care else None,
                created_at=_ts(start),
            )
            self.ins.add(self.t["ReferralEpisode"], referral_id=referral_id, episode_id=episode_id, lead_told_id=lead)
            self._timeline(
                family_id,
                start,
                f"{'Early help' if service == 'early_help' else 'Social care'} episode opened",
                "episode",
                episode_id,
                lead,
            )
            if end is not None:
                self._timeline(family_id, end, "Episode closed", "episode", episode_id, lead)
            episodes.append((episode_id, start, end or self.today, lead, team, service))
            if end is None:
                target = self.open_eh_episodes if service == "early_help" else self.open_sc_episodes
                target.append((family_id, episode_id, lead, team, children))
            day = (end or self.today) + timedelta(days=rng.randint(30, 500))
            if day >= self.today - timedelta(days=30):
                day = self.today - timedelta(days=30)
        if restricted:
            self._restrict(family_id, episodes)
        self._steps(family_id, episodes, n_steps, children)
        self._notes(family_id, episodes, n_notes, children)
        self._transfers(family_id, episodes, children, transfer_share)
        return family_id

    def _held_by_busy(self, index) -> bool:
        return index in self.busy_set

    def _timeline(self, family_id, day_or_at, summary, record_type, record_id, actor, *, day_only=True):
        at = _ts(day_or_at, 0, 0) if day_only else day_or_at
        self.ins.add(
            self.t["TimelineEntry"],
            family_id=family_id,
            at=at,
            day_only=day_only,
            recorded_at=at,
            recorded_late=False,
            late_recording_reason="",
            summary=summary[:300],
            record_type=record_type,
            record_id=record_id,
            actor_id=actor,
        )

    def _referral(self, family_id, children, start, lead, service, *, open_=False, received=None):
        rng, t = self.rng, self.t
        received = received or _ts(start - timedelta(days=rng.randint(1, 5)), 9, rng.randint(0, 59))
        decided = received + timedelta(hours=rng.randint(2, 30))
        level = self.levels[2 if service == "early_help" else 3]
        values = dict(
            family_id=family_id,
            received_at=received,
            receipt_late_recording_reason="",
            recorded_by_id=self.front_door_officer,
            agency_id=rng.choice(self.agencies),
            referrer_name=self._person_name(),
            referrer_role="Designated safeguarding lead",
            referrer_phone="01632 960500",
            referrer_email="",
            level_id=level,
            worries="The children are often late to school and seem tired and hungry.",
            what_has_been_tried="The school has met mum twice and offered breakfast club.",
            if_nothing_changes="The children will keep missing learning and the worries will grow.",
            immediate_danger=False,
            family_knows="yes",
            family_agrees="yes",
            family_agreement_note="",
            decision_due_on=received.date() + timedelta(days=1),
            decision_due_explanation="1 working day from receipt",
            decision_late_recording_reason="",
            sign_off_reason="",
            returned_reason="",
            feedback_late_recording_reason="",
            closed_reason="",
            version=1,
            created_at=received,
        )
        if open_:
            values.update(status="awaiting_decision")
        else:
            values.update(
                status="decided",
                outcome_id=self.outcomes["early_help" if service == "early_help" else "social_care_assessment"],
                decided_level_id=level,
                rationale="Needs meet the threshold for the service; the family agree.",
                decided_by_id=self.front_door_officer,
                decided_at=decided,
                decision_recorded_at=decided,
                lead_id=lead,
                fed_back_on=decided.date(),
                feedback_method="phone",
                feedback_by_id=self.front_door_officer,
                feedback_recorded_at=decided,
            )
        referral_id = self.ins.add(t["Referral"], **values)
        for child in children:
            self.ins.add(
                t["ReferralChild"],
                referral_id=referral_id,
                person_id=child,
                included=True,
                impact="Often late to school and tired.",
                reason_not_included="",
            )
        self._timeline(
            family_id, received, "Referral received", "referral", referral_id, self.front_door_officer, day_only=False
        )
        return referral_id

    def _restrict(self, family_id, episodes):
        episode = episodes[-1]
        manager = self.managers[episode[4]]
        self.pending_restrictions.append((family_id, manager, episode[3])) if hasattr(
            self, "pending_restrictions"
        ) else setattr(self, "pending_restrictions", [(family_id, manager, episode[3])])

    def _steps(self, family_id, episodes, count, children):
        rng, t = self.rng, self.t
        whats = [
            "Visit the family at home",
            "Ask the school for attendance figures",
            "Mum to book the GP appointment",
            "Refer to the parenting course",
            "Check the housing application",
            "Hold a team around the family meeting",
        ]
        for number in range(count):
            episode_id, start, end, lead, _, _ = episodes[number % len(episodes)]
            is_open_episode = end == self.today and episodes[-1][0] == episode_id
            days = max(1, (end - start).days)
            due = start + timedelta(days=rng.randint(0, days) + 7)
            if is_open_episode and rng.random() < 0.3:
                status, status_on = "open", None
                due = self.today + timedelta(days=rng.randint(-20, 40))
            else:
                status = rng.choices(["done", "not_done", "cancelled"], weights=[85, 10, 5])[0]
                status_on = min(due, end)
            kind = rng.choices(["user", "family_member", "partner"], weights=[80, 12, 8])[0]
            created = _ts(start + timedelta(days=rng.randint(0, days)))
            self.ins.add(
                t["NextStep"],
                family_id=family_id,
                what=rng.choice(whats),
                owner_kind=kind,
                owner_user_id=lead if kind == "user" else None,
                owner_name="Mum" if kind == "family_member" else ("Pat Partner" if kind == "partner" else ""),
                owner_agency="School" if kind == "partner" else "",
                due_on=due,
                status=status,
                status_on=status_on,
                status_reason="" if status in ("open", "done") else "The family moved on before it was needed",
                source_type="allocation",
                source_id=episode_id,
                family_facing=kind == "family_member",
                created_by_id=lead,
                created_at=min(created, self.now),
                proposed_owner_kind="",
                proposed_owner_name="",
                proposed_owner_agency="",
            )

    def _notes(self, family_id, episodes, count, children):
        rng, t = self.rng, self.t
        for number in range(count):
            _, start, end, lead, _, _ = episodes[number % len(episodes)]
            days = max(1, (end - start).days)
            happened = min(
                _ts(start + timedelta(days=rng.randint(0, days)), rng.randint(8, 17), rng.randint(0, 59)),
                self.now - timedelta(hours=1),
            )
            note_id = self.ins.add(
                t["CaseNote"],
                family_id=family_id,
                type_id=rng.choice(self.note_types),
                happened_at=happened,
                recorded_at=happened + timedelta(minutes=rng.randint(5, 300)),
                recorded_late=False,
                late_recording_reason="",
                who_was_involved="Mum and the children",
                about_whole_family=True,
                text="Visited the family at home. Mornings are still hard; mum is using the alarms we agreed.",
                significant=rng.random() < 0.1,
                author_id=lead,
                correction_reason="",
            )
            self._timeline(
                family_id,
                happened,
                "Case note: visit with the whole family",
                "case_note",
                note_id,
                lead,
                day_only=False,
            )

    def _transfers(self, family_id, episodes, children, share):
        """History: step-ups and step-downs that were handed over or declined."""
        rng = self.rng
        whole = int(share) + (rng.random() < share - int(share))
        for _ in range(whole):
            closed = [e for e in episodes if e[2] < self.today]
            if not closed:
                return
            episode_id, _, end, lead, team, service = rng.choice(closed)
            state = rng.choices(["handover_complete", "declined", "withdrawn"], weights=[80, 15, 5])[0]
            self._transfer(family_id, episode_id, end, lead, team, service, children, state)

    def _transfer(self, family_id, episode_id, on, lead, team, service, children, state):
        rng, t = self.rng, self.t
        step_up = service == "early_help"
        to = "social_care" if step_up else "early_help"
        receiving = rng.choice(self.team_ids[to])
        manager, receiver = self.managers[receiving], rng.choice(self.members[receiving])
        created = _ts(on - timedelta(days=10))
        transfer_id = self.ins.add(
            t["Transfer"],
            family_id=family_id,
            direction="step_up" if step_up else "step_down",
            state=state,
            from_episode_id=episode_id,
            to_service_id=self.services[to],
            sending_team_id=team,
            receiving_team_id=receiving,
            requested_by_id=lead,
            submission_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            what_has_changed="Two police call-outs to the home in a fortnight." if step_up else "",
            why_now="" if step_up else "The child protection plan ended; the family want to keep support.",
            worries="Dad has moved back in and the police have been called twice this month.",
            level_id=self.levels[3 if step_up else 2],
            immediate_danger=False,
            told_family="yes",
            told_on=created.date(),
            told_by="The lead worker",
            family_agreement="yes",
            family_words="Mum said: we want the help.",
            override_reason="",
            override_authorisation_reason="",
            not_to_share="",
            threshold_reviewed=None if step_up else True,
            threshold_reviewed_note="",
            clear_outcomes=None if step_up else True,
            clear_outcomes_note="",
            outstanding_tasks_listed=None if step_up else True,
            outstanding_tasks_listed_note="",
            approval_passed_reason="",
            decided_by="receiving_team",
            receiving_lead_id=receiver if state == "handover_complete" else None,
            decision_due_on=created.date() + timedelta(days=3),
            decision_due_explanation="3 working days from sending",
            decision_rationale="" if state == "withdrawn" else "Agreed at the team's daily meeting.",
            decline_advice="Keep the family plan going and review in six weeks." if state == "declined" else "",
            state_changed_at=created + timedelta(days=3),
            state_changed_by_id=manager,
            created_at=created,
            version=1,
        )
        for child in children:
            self.ins.add(
                t["TransferChild"],
                transfer_id=transfer_id,
                person_id=child,
                included=True,
                reason_not_included="",
                child_words="I want everyone to stop shouting.",
            )
        path = [
            ("create", None, "draft"),
            ("submit", "draft", "awaiting_approval"),
            ("approve", "awaiting_approval", "sent"),
        ]
        path += {
            "handover_complete": [
                ("accept", "sent", "accepted"),
                ("complete_handover", "accepted", "handover_complete"),
            ],
            "declined": [("decline", "sent", "declined")],
            "withdrawn": [("withdraw", "sent", "withdrawn")],
        }[state]
        for number, (action, before, after) in enumerate(path):
            actor = {"approve": self.managers[team], "accept": manager, "decline": manager}.get(action, lead)
            self.ins.add(
                t["TransferEvent"],
                transfer_id=transfer_id,
                action=action,
                from_state=before,
                to_state=after,
                actor_id=actor,
                at=created + timedelta(days=number),
                reason="",
            )
        self.ins.add(
            t["HandoverPlan"],
            transfer_id=transfer_id,
            meeting_kind="meeting",
            meeting_on=created.date() + timedelta(days=5) if state == "handover_complete" else None,
            meeting_place="Family home",
            attendees="",
            family_attending=False,
            meeting_held=state == "handover_complete",
            meeting_late_reason="",
            information_shared="",
            family_told_what="",
            family_message="",
            children_views="",
            contingency="",
            step_up_contact="",
            meeting_due_explanation="",
            version=1,
            updated_at=created,
            updated_by_id=lead,
        )
        self._timeline(
            family_id,
            created,
            ("Step-up" if step_up else "Step-down") + " request started",
            "transfer",
            transfer_id,
            lead,
            day_only=False,
        )

    def _audit(self):
        """Who looked at which family, when: most reads by the families' own workers, over the ten years."""
        rng, t, shape = self.rng, self.t, self.shape
        n = shape["families"]
        staff = self.workers_eh + self.workers_sc
        now = self.now
        for number in range(shape["audit"]):
            family_id = self.first_family_id + min(n - 1, int(rng.paretovariate(1.2) * n / 20) % n)
            at = now - timedelta(seconds=rng.randint(0, YEARS * 365 * 86400))
            self.ins.add(
                t["AuditEvent"],
                at=at,
                user_id=rng.choice(staff),
                role="practitioner",
                action="view",
                record_type="family",
                record_id=str(family_id),
                family_id=family_id,
                outcome="ok",
                endpoint="families.show",
                request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                source_address="10.0.0.1",
                detail="",
            )
            if number % 200_000 == 199_999:
                self.log(f"  {number + 1} audit events")

    # The records benchmarked writes act on, made as people make them

    def _through_the_services(self, built: Built):
        from earlyhelp.extensions import db
        from earlyhelp.models import Episode, Family, User
        from earlyhelp.services.restrictions import restrict_family

        users = {u.id: u for u in db.session.scalars(select(User))}
        for family_id, manager, lead in getattr(self, "pending_restrictions", []):
            named = [users[manager]] + ([users[lead]] if lead != manager else [])
            restrict_family(
                db.session.get(Family, family_id),
                reason="A member of staff is related to this family: only the people named may see the record.",
                named=named,
                actor=users[self.head],
            )
        self.log(f"restricted {len(getattr(self, 'pending_restrictions', []))} families")
        built.accept_transfer_ids = self._sent_requests(built, users)
        built.handover_transfer_id = self._handover_request(users)
        built.draft_plan_ids = self._draft_plans(built, users)
        family = db.session.get(Family, built.typical_family_id)
        person = next(m for m in family.members if m.is_child)
        built.search = {
            "name": person.last_name,
            "reference": family.reference,
            "postcode": family.postcode,
            "date_of_birth": person.date_of_birth.isoformat(),
        }
        del Episode

    def _request_fields(self, step_up: bool, level_id: int, team_id: int, lead_name: str) -> dict:
        return {
            "worries": "Dad has moved back in and the police have been called twice this month."
            if step_up
            else "Things are steadier, but the children still miss school when mum is unwell.",
            "what_has_changed": "Two police call-outs to the home in a fortnight." if step_up else "",
            "why_now": "" if step_up else "The child protection plan ended; the family want to keep support.",
            "level_id": level_id,
            "receiving_team_id": team_id,
            "told_family": "yes",
            "told_on": self.today - timedelta(days=4),
            "told_by": lead_name,
            "family_agreement": "yes",
            "family_words": "Mum said: we want the help.",
            "immediate_danger": False,
        } | (
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
        )

    def _sent_requests(self, built, users) -> list[int]:
        """Step-ups from the busy practitioner's families to the social care manager's team, sent and waiting."""
        from earlyhelp.domain.transfers import Direction, TransferAction
        from earlyhelp.extensions import db
        from earlyhelp.models import Episode
        from earlyhelp.services import transfers

        sc_manager = users[self.managers[self.team_ids["social_care"][0]]]
        eh_manager = users[self.managers[self.busy_team]]
        busy = users[self.busy]
        ids = []
        candidates = [
            e
            for e in self.open_eh_episodes
            if e[2] == self.busy and e[0] != built.big_family_id and e[0] != built.typical_family_id
        ]
        for _, episode_id, *_ in candidates[: self.shape["accept_targets"]]:
            episode = db.session.get(Episode, episode_id)
            transfer = transfers.start(
                episode,
                direction=Direction.STEP_UP,
                submission_key=uuid.uuid4().hex,
                fields=self._request_fields(True, self.levels[3], sc_manager.team_id, busy.name),
                outcomes=[],
                children=[
                    transfers.ChildChoice(c.id, True, child_words="I want it to be calm at home.")
                    for c in episode.family.children
                ],
                outstanding=[],
                actor=busy,
                now=self.now - timedelta(days=3),
            )
            transfers.act(transfer.id, TransferAction.SUBMIT, actor=busy, now=self.now - timedelta(days=3))
            transfers.act(transfer.id, TransferAction.APPROVE, actor=eh_manager, now=self.now - timedelta(days=2))
            ids.append(transfer.id)
        self.sc_manager_email = sc_manager.email
        built.accounts["accepting_manager"] = sc_manager.email
        return ids

    def _handover_request(self, users) -> int:
        """A step-down from social care with 400 outstanding tasks (40 in the smoke tier): the handover summary's
        worst case."""
        from earlyhelp.domain.outcomes import ProposedOutcome
        from earlyhelp.domain.timescales import add_working_days
        from earlyhelp.domain.transfers import Direction, TransferAction
        from earlyhelp.extensions import db
        from earlyhelp.models import Episode
        from earlyhelp.services import transfers
        from earlyhelp.services.next_steps import NextStepInput

        _, episode_id, lead_id, team_id, _ = self.open_sc_episodes[0]
        episode = db.session.get(Episode, episode_id)
        lead = users[lead_id]
        eh_team = self.busy_team
        transfer = transfers.start(
            episode,
            direction=Direction.STEP_DOWN,
            submission_key=uuid.uuid4().hex,
            fields=self._request_fields(False, self.levels[2], eh_team, lead.name),
            outcomes=[
                ProposedOutcome(
                    person_id=None,
                    what_different="The children go to school at least 9 days in 10",
                    by_when=self.today + timedelta(weeks=12),
                )
            ],
            children=[
                transfers.ChildChoice(c.id, True, child_words="I like my new school.") for c in episode.family.children
            ],
            outstanding=[
                NextStepInput(
                    what=f"Outstanding task {n + 1}: check school attendance each week",
                    owner_kind="user",
                    owner_user_id=self.busy,
                    due_on=add_working_days(self.today, 7 + n % 30),
                )
                for n in range(self.big["handover_steps"])
            ],
            actor=lead,
            now=self.now - timedelta(days=3),
        )
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead, now=self.now - timedelta(days=3))
        transfers.act(
            transfer.id, TransferAction.APPROVE, actor=users[self.managers[team_id]], now=self.now - timedelta(days=2)
        )
        return transfer.id

    def _draft_plans(self, built, users) -> list[int]:
        """Draft family plans, ready to issue, for the busy practitioner's families (one per issue measured)."""
        from earlyhelp.extensions import db
        from earlyhelp.models import Family
        from earlyhelp.services import family_plans

        busy = users[self.busy]
        ids = []
        skip = {built.big_family_id} | {
            db.session.get(__import__("earlyhelp.models", fromlist=["Transfer"]).Transfer, t).family_id
            for t in built.accept_transfer_ids
        }
        families = [e[0] for e in self.open_eh_episodes if e[2] == self.busy and e[0] not in skip]
        for family_id in families[: max(2, self.shape["accept_targets"] // 3)]:
            family = db.session.get(Family, family_id)
            plan = family_plans.start_draft(family, actor=busy, today=self.today)
            plan.worries = "We are worried that the children often miss school and that mornings are very hard."
            plan.working_well = "Mum gets the younger children to school most days. Gran helps on Fridays."
            plan.needs_to_happen = "Everyone gets to school on time. Mum gets help with her own health."
            plan.goals = "We want calmer mornings, and for the children to see their friends."
            plan.contingency = f"If things get worse, call {busy.name} the same day on 01632 960111."
            plan.lead_contact = "01632 960111, Monday to Friday, 9am to 5pm"
            plan.agreed_by, plan.agreed_on, plan.signed_paper_copy = "Mum", self.today, True
            plan.review_on = self.today + timedelta(weeks=6)
            for child in plan.children_words:
                child.child_words = "I like my teacher. I want to play football after school."
            db.session.commit()
            ids.append(plan.id)
        return ids

    def _counts(self) -> dict:
        tables = [
            "family",
            "person",
            "episode",
            "next_step",
            "case_note",
            "transfer",
            "referral",
            "timeline_entry",
            "audit_event",
            "user_account",
            "team",
        ]
        return {name: self.session.scalar(text(f"SELECT count(*) FROM {name}")) for name in tables}  # noqa: S608


@click.command("bench-data")
@with_appcontext
@click.option("--tier", type=click.Choice(sorted(TIERS)), default="S", show_default=True)
@click.option("--seed", default=15, show_default=True, type=int, help="Random seed: the same seed, the same data")
@click.option("--manifest", "manifest_path", default=None, help="Write what bench.run needs (JSON) to this file")
def bench_data_command(tier: str, seed: int, manifest_path: str | None) -> None:
    """Fill a new database (after `flask db upgrade`) with benchmark data: tier XS, S or M (bench/generate.py)."""
    from flask import current_app

    built = fill(tier, seed=seed, log=click.echo)
    text_ = json.dumps(manifest(built, current_app.config["SQLALCHEMY_DATABASE_URI"]), indent=2)
    if manifest_path:
        with open(manifest_path, "w") as out:
            out.write(text_)
    click.echo(f"Built tier {tier} in {built.seconds} s: {built.counts}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--database-url", required=True, help="a new, empty database (made by the migrations here)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--manifest", help="where to write what bench.run needs (JSON); default next to the results")
    args = parser.parse_args(argv)
    built = build(args.database_url, args.tier, seed=args.seed, log=lambda m: print(m, file=sys.stderr, flush=True))
    text_ = json.dumps(manifest(built, args.database_url), indent=2)
    if args.manifest:
        with open(args.manifest, "w") as out:
            out.write(text_)
    print(text_)
    print(f"Built tier {args.tier} in {built.seconds} s: {built.counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
