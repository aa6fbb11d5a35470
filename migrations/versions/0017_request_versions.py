"""A request can be changed while it is a draft (new, or returned by a manager): transfer.version guards
against lost updates (the edit form carries the version it was loaded from; each edit bumps it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A plain column with a default is added in place on SQLite too (no batch copy of a referred-to table).
    op.add_column('transfer', sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE transfer DROP COLUMN version")
    else:
        op.drop_column('transfer', 'version')
