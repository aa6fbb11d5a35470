"""Indexes for My work, the front door and transfer queues, supervision (issue 15).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
