"""Performance data: what a review was due by, and indexes the measures' periods use.

- family_plan_review.due_on: the review date in force when the review was held (the plan's review_on then; a
  review moves it on), so "reviews held on time" can be counted later. NULL for reviews recorded before this
  migration: nothing kept says what they were due by, and the measure leaves them out (it says so).
- ix_transfer_event_action_at: the approve, accept and decline events of a period.
- ix_referral_status_decided: decisions of a period.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("family_plan_review", sa.Column("due_on", sa.Date(), nullable=True))
    op.create_index("ix_transfer_event_action_at", "transfer_event", ["action", "at"])
    op.create_index("ix_referral_status_decided", "referral", ["status", "decided_at"])


def downgrade():
    op.drop_index("ix_referral_status_decided", table_name="referral")
    op.drop_index("ix_transfer_event_action_at", table_name="transfer_event")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE family_plan_review DROP COLUMN due_on")
    else:
        op.drop_column("family_plan_review", "due_on")
