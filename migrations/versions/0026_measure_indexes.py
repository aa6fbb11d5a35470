"""Indexes the performance measures use to read one request's events without scanning a period's.

- ix_transfer_event_transfer_action_at: a request's first event of one kind (when it was sent, when a step-up
  was accepted), found by the request's id and the action, and its moment read from the index itself: without
  it, each request decided in a period read every approval ever made (the index on action and moment).
- ix_case_note_corrects_happened: the notes (not corrections) that happened in a period; without it, every note
  ever written was read (the unique constraint on corrects_id, where a note that corrects none is NULL).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_transfer_event_transfer_action_at", "transfer_event", ["transfer_id", "action", "at"])
    op.create_index("ix_case_note_corrects_happened", "case_note", ["corrects_id", "happened_at"])


def downgrade():
    op.drop_index("ix_case_note_corrects_happened", table_name="case_note")
    op.drop_index("ix_transfer_event_transfer_action_at", table_name="transfer_event")
