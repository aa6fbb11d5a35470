"""When the family should have had its own copy of each issued plan.

- family_plan.family_copy_due_on: TIMESCALES family_copy working days (15 by default) after the plan was agreed,
  or after the draft was started if no agreement is recorded; fixed when it is issued. Plans issued before this
  migration get it computed here with the default 15 working days (bank holidays in England not counted).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from earlyhelp import clock
from earlyhelp.domain.timescales import DEFAULT_TIMESCALES, add_working_days

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _day(value) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return clock.local_date(value)


def upgrade():
    op.add_column("family_plan", sa.Column("family_copy_due_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    plans = sa.table(
        "family_plan",
        sa.column("id", sa.Integer),
        sa.column("agreed_on", sa.Date),
        sa.column("created_at", sa.DateTime),
        sa.column("issued_at", sa.DateTime),
        sa.column("family_copy_due_on", sa.Date),
    )
    rows = bind.execute(
        sa.select(plans.c.id, plans.c.agreed_on, plans.c.created_at).where(plans.c.issued_at.is_not(None))
    )
    for plan_id, agreed_on, created_at in rows.all():
        start = agreed_on if agreed_on is not None else _day(created_at)
        if isinstance(start, str):
            start = date.fromisoformat(start)
        due = add_working_days(start, DEFAULT_TIMESCALES["family_copy"])
        bind.execute(sa.update(plans).where(plans.c.id == plan_id).values(family_copy_due_on=due))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE family_plan DROP COLUMN family_copy_due_on")
    else:
        op.drop_column("family_plan", "family_copy_due_on")
