"""Every route that shows or changes one record writes an audit event, so a new route cannot forget to."""

import re
from datetime import date

from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.services.family_plans import issue, plans, start_draft
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.supervision import record_supervision
from tests.factories import make_episode, make_household, make_referral, make_transfer, make_user
from tests.helpers import TestClient


def _records(app):
    officer = make_user("front_door", team_name="Front door")
    family = make_household(children=1)
    referral = make_referral(family, actor=officer)
    practitioner = make_user("practitioner", team_name="Early help team")
    episode = make_episode(family, lead=practitioner)
    transfer = make_transfer(episode, actor=practitioner)
    social_worker = make_user("social_worker", team_name="Social care team")
    social_care = make_episode(make_household(children=1), service_code="social_care", lead=social_worker)
    step = add_next_step(
        family.id,
        NextStepInput(
            what="Ring the school", owner_kind="user", owner_user_id=practitioner.id, due_on=date(2099, 1, 1)
        ),
        source_type="handover_plan",
        source_id=transfer.handover_plan.id,
        actor=practitioner,
        today=date(2025, 1, 1),
    )
    manager = make_user("team_manager", team_name="Early help team")
    record = record_supervision(
        kind="general",
        family=None,
        supervisor=manager,
        practitioner=practitioner,
        held_on=date(2025, 1, 1),
        discussion="Workload",
        decisions=[("Fewer cases", "Too many")],
        steps=[],
        next_supervision_on=date(2025, 2, 1),
        today=date(2025, 1, 1),
    )
    plan_family = make_household(children=1)
    for _ in range(2):
        issue(start_draft(plan_family, actor=practitioner, today=date(2025, 1, 1)), actor=practitioner, confirmed=True)
    issued = plans(plan_family.id)[0]
    draft = start_draft(plan_family, actor=practitioner, today=date(2025, 1, 1))
    db.session.commit()
    return (
        {
            "plan_id": draft.id,
            "kind": "family",
            "step_id": step.id,
            "supervision_id": record.id,
            "episode_id": episode.id,
            "transfer_id": transfer.id,
            "family_id": family.id,
            "person_id": family.children[0].id,
            "referral_id": referral.id,
            "user_id": officer.id,
        },
        {
            "step-up": (practitioner, episode.id),
            "step-down": (social_worker, social_care.id),
            "/supervision/": (manager, None),
            "/handover-plan": (practitioner, None),
        },
        issued.id,
    )


def test_every_record_scoped_page_writes_an_audit_event(app):
    ids, starters, issued_plan = _records(app)
    manager = make_user("team_manager", team_name="Front door")
    admin = make_user("administrator", team_name=None)
    unchecked = []
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        if not params or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        unknown = params - ids.keys()
        assert not unknown, f"{rule.rule}: add a record for {unknown} to this test"
        # Starting a step-up or step-down needs the episode's own lead and an episode of the right service.
        starter, episode_id = next((v for k, v in starters.items() if k in rule.rule), (None, None))
        values = ids | ({"episode_id": episode_id} if episode_id else {})
        if rule.rule.endswith((".pdf", "/changes")) and "plan_id" in values:
            values["plan_id"] = issued_plan  # documents and comparisons exist only for issued versions
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, values=values: str(values[m.group(1)]), rule.rule)
        client = TestClient(app)
        client.sign_in(admin if rule.endpoint.startswith("admin.") else starter or manager)
        before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        response = client.get(url)
        after = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        if response.status_code == 200 and after <= before:
            unchecked.append(rule.rule)
        if response.status_code not in (200, 302):
            unchecked.append(f"{rule.rule} answered {response.status_code}")
    assert unchecked == []
