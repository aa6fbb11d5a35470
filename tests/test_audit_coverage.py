"""Every route that shows or changes one record writes an audit event, so a new route cannot forget to.

Each page is opened by a person of a role it is for, who works with the family (tests/factories_access.py):
an administrator sees no case record, so opening them as one would prove nothing."""

import re

from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, User
from tests.factories_access import insider_for, make_family_with_everything, quick_user, values_for
from tests.helpers import TestClient


def test_every_record_scoped_page_writes_an_audit_event(app):
    records = make_family_with_everything()
    head_of_service = quick_user("head_of_service", team_name=None)
    admin = quick_user("administrator", team_name=None)
    clients = {}
    unchecked = []
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        if not params or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = values_for(records, rule.endpoint, rule.rule)
        unknown = params - values.keys()
        assert not unknown, f"{rule.rule}: add a record for {unknown} to tests/factories_access.py"
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, values=values: str(values[m.group(1)]), rule.rule)
        person = insider_for(
            app,
            rule,
            records,
            head_of_service_id=head_of_service.id,
            administrator_id=admin.id,
        )
        if person not in clients:
            clients[person] = TestClient(app)
            clients[person].sign_in(db.session.get(User, person))
        before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        response = clients[person].get(url)
        after = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.endpoint == rule.endpoint))
        if response.status_code == 200 and after <= before:
            unchecked.append(rule.rule)
        if response.status_code not in (200, 302):
            unchecked.append(f"{rule.rule} answered {response.status_code}")
    assert unchecked == [], unchecked
