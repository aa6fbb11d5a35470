"""A child's own words have one name everywhere: child_words.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('transfer_child') as batch_op:
        batch_op.alter_column('child_views', new_column_name='child_words')
    with op.batch_alter_table('family_plan_child') as batch_op:
        batch_op.alter_column('words', new_column_name='child_words')


def downgrade():
    with op.batch_alter_table('family_plan_child') as batch_op:
        batch_op.alter_column('child_words', new_column_name='words')
    with op.batch_alter_table('transfer_child') as batch_op:
        batch_op.alter_column('child_words', new_column_name='child_views')
