"""Every create form posted twice makes one record: family plan reviews.

- family_plan_review.submission_key: the one-time key of the review form that recorded it (earlyhelp.versions),
  unique (a unique index; reviews recorded without a form, all NULL, are allowed). Added in place: no batch copy
  on SQLite.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("family_plan_review",)


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("submission_key", sa.String(length=64), nullable=True))
        op.create_index(f"ix_{table}_submission_key", table, ["submission_key"], unique=True)


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_submission_key", table_name=table)
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN submission_key")
        else:
            op.drop_column(table, "submission_key")
