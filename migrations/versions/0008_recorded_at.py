"""When it happened, and when it was written down: each timeline entry keeps both, whether it was written
down late, and why, and whether only the day it happened is known; a handover meeting keeps when it was recorded as held; a supervision written up late keeps why. Entries already on record were written down when they were made (created as they
happened), so recorded_at starts as `at`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import earlyhelp.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('timeline_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('day_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('recorded_late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('late_recording_reason', sa.Text(), server_default='', nullable=False))
    op.execute("UPDATE timeline_entry SET recorded_at = at")
    with op.batch_alter_table('timeline_entry', schema=None) as batch_op:
        batch_op.alter_column('recorded_at', nullable=False)
        batch_op.create_index('ix_timeline_entry_recorded_late', ['recorded_late', 'at'])


    with op.batch_alter_table('handover_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_recorded_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('meeting_late_reason', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_recording_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.drop_column('late_recording_reason')
    with op.batch_alter_table('handover_plan', schema=None) as batch_op:
        batch_op.drop_column('meeting_late_reason')
        batch_op.drop_column('meeting_recorded_at')
    with op.batch_alter_table('timeline_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_timeline_entry_recorded_late')
        batch_op.drop_column('late_recording_reason')
        batch_op.drop_column('recorded_late')
        batch_op.drop_column('day_only')
        batch_op.drop_column('recorded_at')
