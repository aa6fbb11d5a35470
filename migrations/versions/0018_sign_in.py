"""Sign-in a council's IT would approve: temporary passwords changed at first sign-in, a second factor (TOTP),
single sign-on subjects, and what each sign-in attempt checked (so every check is throttled and counted).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))
    op.add_column('user_account', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('user_account', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.add_column('user_account', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.create_index('uq_user_account_oidc_subject', 'user_account', ['oidc_subject'], unique=True)
    op.add_column('sign_in_attempt', sa.Column('kind', sa.String(length=20), server_default='password', nullable=False))


def downgrade():
    # SQLite drops a plain column in place (a batch copy would lose the expression index on email).
    op.drop_index('uq_user_account_oidc_subject', table_name='user_account')
    for table, column in (
        ('sign_in_attempt', 'kind'),
        ('user_account', 'oidc_subject'),
        ('user_account', 'totp_last_step'),
        ('user_account', 'totp_secret'),
        ('user_account', 'must_change_password'),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
