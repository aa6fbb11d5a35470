"""Every route that shows or changes one record writes an audit event, so a new route cannot forget to."""

import re

from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from tests.conftest import TestClient
from tests.factories import make_household, make_referral, make_user


def _records(app):
    officer = make_user("front_door", team_name="Front door")
    family = make_household(children=1)
    referral = make_referral(family, actor=officer)
    return {
        "family_id": family.id,
        "person_id": family.children[0].id,
        "referral_id": referral.id,
        "user_id": officer.id,
    }


def test_every_record_scoped_page_writes_an_audit_event(app):
    ids = _records(app)
    manager = make_user("team_manager", team_name="Front door")
    admin = make_user("administrator", team_name=None)
    unchecked = []
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        if not params or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        unknown = params - ids.keys()
        assert not unknown, f"{rule.rule}: add a record for {unknown} to this test"
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        client = TestClient(app)
        client.sign_in(admin if rule.endpoint.startswith("admin.") else manager)
        before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        response = client.get(url)
        after = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        if response.status_code == 200 and after <= before:
            unchecked.append(rule.rule)
        if response.status_code not in (200, 302):
            unchecked.append(f"{rule.rule} answered {response.status_code}")
    assert unchecked == []
