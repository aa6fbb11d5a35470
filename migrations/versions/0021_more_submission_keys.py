"""More create forms posted twice make one record: case notes.

- case_note.submission_key: the one-time key of the form that saved it, unique (a unique index; notes made
  without a form, all NULL, are allowed). Added in place: no batch copy on SQLite.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("case_note", sa.Column("submission_key", sa.String(length=64), nullable=True))
    op.create_index("ix_case_note_submission_key", "case_note", ["submission_key"], unique=True)


def downgrade():
    op.drop_index("ix_case_note_submission_key", table_name="case_note")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE case_note DROP COLUMN submission_key")
    else:
        op.drop_column("case_note", "submission_key")
