"""Indexes for the performance dashboard's measures (issue 14 part 6).

- ix_referral_status_decision_complete: decided referrals by the moment the decision was complete,
  coalesce(signed_off_at, decided_at), an expression index (the same expression the front door measures filter on,
  on both engines): without it every decided referral ever made was read for each of five measures.
- ix_referral_received_at: referrals received in a period whatever their status (re-referrals, clarity, late
  recording), which the index on status and received_at cannot serve for "status not in ...".
- ix_next_step_status_status_on: next steps open at the end of a period (open now, or closed after it), instead of
  reading all 500,000 next steps.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_referral_status_decision_complete",
        "referral",
        ["status", sa.text("coalesce(signed_off_at, decided_at)")],
    )
    op.create_index("ix_referral_received_at", "referral", ["received_at"])
    op.create_index("ix_next_step_status_status_on", "next_step", ["status", "status_on"])


def downgrade():
    op.drop_index("ix_next_step_status_status_on", table_name="next_step")
    op.drop_index("ix_referral_received_at", table_name="referral")
    op.drop_index("ix_referral_status_decision_complete", table_name="referral")
