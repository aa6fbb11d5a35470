"""The life of a request's actions: proposed, not live, until the request is accepted.

- next_step.status may be 'proposed' (a string column: no schema change for that).
- next_step.proposed_owner_kind, proposed_owner_user_id, proposed_owner_name, proposed_owner_agency: who a
  declined or withdrawn request proposed a step for, while it is back with the sending lead, so that a
  follow-up request gives it back to them.
- next_step_change.summary: a move in words ("returned to ... when the request was declined").

Existing steps: they were made live when written, so they stay open (nothing is proposed after the fact).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _add_user_reference(table: str, column: str):
    """A column naming a user, added in place (no batch copy on SQLite: next_step is referred to by
    next_step_change, and a copy would drop it while it is referred to)."""
    constraint = f"fk_{table}_{column}_user_account"
    if _sqlite():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {constraint} REFERENCES user_account (id)"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, table, 'user_account', [column], ['id'])


def _drop(table: str, column: str):
    if _sqlite():
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def _string(name, length):
    return sa.Column(name, sa.String(length=length), server_default='', nullable=False)


def upgrade():
    op.add_column('next_step', _string('proposed_owner_kind', 20))
    _add_user_reference('next_step', 'proposed_owner_user_id')
    op.add_column('next_step', _string('proposed_owner_name', 120))
    op.add_column('next_step', _string('proposed_owner_agency', 120))
    op.add_column('next_step_change', sa.Column('summary', sa.Text(), server_default='', nullable=False))


def downgrade():
    _drop('next_step_change', 'summary')
    _drop('next_step', 'proposed_owner_agency')
    _drop('next_step', 'proposed_owner_name')
    if not _sqlite():
        op.drop_constraint('fk_next_step_proposed_owner_user_id_user_account', 'next_step', type_='foreignkey')
    _drop('next_step', 'proposed_owner_user_id')
    _drop('next_step', 'proposed_owner_kind')
