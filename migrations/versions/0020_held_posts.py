"""What someone was saving when their session ended, kept to offer back after they sign in again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import earlyhelp.models.base


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'held_post',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=2000), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.Column('created_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('taken_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_held_post_user_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_held_post'),
        sa.UniqueConstraint('token', name='uq_held_post_token'),
    )
    op.create_index('ix_held_post_user_id', 'held_post', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_held_post_user_id', table_name='held_post')
    op.drop_table('held_post')
