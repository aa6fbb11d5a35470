"""Supervision: a form posted twice (going back in the browser, a double click) makes one record.

- supervision.submission_key: the one-time key of the form that saved it, unique (a unique index; several
  records made without a form, all NULL, are allowed). Added in place: no batch copy on SQLite.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("supervision", sa.Column("submission_key", sa.String(length=64), nullable=True))
    op.create_index("ix_supervision_submission_key", "supervision", ["submission_key"], unique=True)


def downgrade():
    op.drop_index("ix_supervision_submission_key", table_name="supervision")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE supervision DROP COLUMN submission_key")
    else:
        op.drop_column("supervision", "submission_key")
