"""Handovers that lose nothing: consent as asked, a suitability checklist answered, outcomes, who decides.

- transfer: has the family been told (yes, no, not yet; when; by whom) and do they agree (yes, no, partly; not
  asked until they are told), in their words, replacing two booleans of which one was inferred; the step-down
  checklist answered yes or no (empty: not answered) with a note each; the override's authorising reasoning;
  approval passed to a named manager of another team; who decides for the receiving side.
- transfer_outcome: what should be different, for which child, by when.
- handover_plan.family_message: what we will tell the family (the only plan text a letter prints).
- user_account.phone, team.phone, team.email: contact details printed on letters.
- notification.done_at, done_note: a notice about something since decided says so, and by whom.

Existing requests: "told" carries over; "agrees" carries over only where the family had been told (a step-down
used to record "agrees" without asking, so where they had not been told it becomes "not asked"). Checklist
answers already given were all yes (the old form could only tick).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import earlyhelp.models.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CHECKLIST = ('threshold_reviewed', 'clear_outcomes', 'outstanding_tasks_listed')


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _add_user_reference(table: str, column: str):
    """A column naming a user, added in place (no batch copy on SQLite: the transfer table is referred to by
    others, and a copy would drop it while it is referred to)."""
    constraint = f"fk_{table}_{column}_user_account"
    if _sqlite():
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {constraint} REFERENCES user_account (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, table, 'user_account', [column], ['id'])


def _text(name, default=''):
    return sa.Column(name, sa.Text(), server_default=default, nullable=False)


def _string(name, length, default=''):
    return sa.Column(name, sa.String(length=length), server_default=default, nullable=False)


def _drop(table: str, column: str):
    """SQLite (3.35 and later) drops a plain column in place; a batch copy would drop a referred-to table."""
    if _sqlite():
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade():
    for column in (
        _string('told_family', 10, 'not_yet'),
        sa.Column('told_on', sa.Date(), nullable=True),
        _string('told_by', 120),
        _string('family_agreement', 10, 'not_asked'),
        _text('family_words'),
        _text('override_authorisation_reason'),
        _text('approval_passed_reason'),
        _string('decided_by', 20, 'receiving_team'),
        *(_text(f'{name}_note') for name in CHECKLIST),
    ):
        op.add_column('transfer', column)
    _add_user_reference('transfer', 'approver_id')
    op.execute(
        "UPDATE transfer SET told_family = CASE WHEN family_told THEN 'yes' ELSE 'no' END, "
        "family_agreement = CASE WHEN family_told AND family_agrees THEN 'yes' "
        "WHEN family_told THEN 'no' ELSE 'not_asked' END"
    )
    _drop('transfer', 'family_told')
    _drop('transfer', 'family_agrees')
    # The checklist's answers may now be empty (not yet answered).
    for name in CHECKLIST:
        if _sqlite():
            op.execute(f"ALTER TABLE transfer RENAME COLUMN {name} TO {name}_old")
            op.add_column('transfer', sa.Column(name, sa.Boolean(), nullable=True))
            op.execute(f"UPDATE transfer SET {name} = CASE WHEN direction = 'step_down' THEN {name}_old END")
            op.execute(f"ALTER TABLE transfer DROP COLUMN {name}_old")
        else:
            op.alter_column('transfer', name, existing_type=sa.Boolean(), nullable=True)
            op.execute(f"UPDATE transfer SET {name} = NULL WHERE direction = 'step_up'")

    op.create_table('transfer_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('what_different', sa.Text(), nullable=False),
        sa.Column('by_when', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_transfer_outcome_person_id_person')),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], name=op.f('fk_transfer_outcome_transfer_id_transfer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_outcome'))
    )
    op.create_index(op.f('ix_transfer_outcome_transfer_id'), 'transfer_outcome', ['transfer_id'], unique=False)

    op.add_column('handover_plan', _text('family_message'))
    op.add_column('user_account', _string('phone', 40))
    op.add_column('team', _string('phone', 40))
    op.add_column('team', _string('email', 254))
    op.add_column('notification', sa.Column('done_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column('notification', _string('done_note', 300))


def downgrade():
    _drop('notification', 'done_note')
    _drop('notification', 'done_at')
    _drop('team', 'email')
    _drop('team', 'phone')
    _drop('user_account', 'phone')
    _drop('handover_plan', 'family_message')
    op.drop_index(op.f('ix_transfer_outcome_transfer_id'), table_name='transfer_outcome')
    op.drop_table('transfer_outcome')
    for name in CHECKLIST:
        op.execute(f"UPDATE transfer SET {name} = false WHERE {name} IS NULL")
        if not _sqlite():
            op.alter_column('transfer', name, existing_type=sa.Boolean(), nullable=False)
    op.add_column('transfer', sa.Column('family_told', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('transfer', sa.Column('family_agrees', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE transfer SET family_told = (told_family = 'yes'), family_agrees = (family_agreement = 'yes')"
    )
    columns = (
        'approver_id', 'told_family', 'told_on', 'told_by', 'family_agreement', 'family_words',
        'override_authorisation_reason', 'approval_passed_reason', 'decided_by', *(f'{n}_note' for n in CHECKLIST),
    )
    # A column with a foreign key cannot be dropped in place on SQLite: a batch copy (which, like 0009's, works
    # on a database whose transfer table nothing refers to yet).
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        if not _sqlite():  # there, the copy leaves out the column and its constraint
            batch_op.drop_constraint('fk_transfer_approver_id_user_account', type_='foreignkey')
        for column in columns:
            batch_op.drop_column(column)
