"""Indexes for the performance dashboard's measures (issue 14 part 6).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
