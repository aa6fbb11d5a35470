"""A family kept up to date: each person may live in the household, have left it (when and why) or be a
significant adult outside it; adults' contact details; a child's sex, ethnicity and NHS number with its
status; a version on the family and on each person for optimistic locking; and the history of every change
(family_change: what a field was before, after, who changed it and when).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import earlyhelp.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _expression_indexes(create: bool):
    """SQLite's batch copy of the person table cannot carry its lower(name) indexes across: drop them before
    and make them again after."""
    for column in ("last_name", "first_name"):
        name = f"ix_person_{column}_lower"
        if create:
            op.create_index(name, "person", [sa.text(f"lower({column})")])
        else:
            op.drop_index(name, table_name="person")


def _person_columns():
    return (
        sa.Column('in_household', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('involvement', sa.String(length=300), server_default='', nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=True),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('left_reason', sa.Text(), server_default='', nullable=False),
        sa.Column('phone', sa.String(length=40), server_default='', nullable=False),
        sa.Column('email', sa.String(length=254), server_default='', nullable=False),
        sa.Column('sex', sa.String(length=20), server_default='', nullable=False),
        sa.Column('ethnicity', sa.String(length=40), server_default='', nullable=False),
        sa.Column('nhs_number', sa.String(length=10), server_default='', nullable=False),
        sa.Column('nhs_number_status', sa.String(length=20), server_default='', nullable=False),
        sa.Column('nhs_number_missing_reason', sa.Text(), server_default='', nullable=False),
    )
LOCKING_COLUMNS = (
    lambda: sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    lambda: sa.Column('updated_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
)


def _add_updated_by(table: str):
    """Who saved last: a column naming a user. Added in place (no batch copy on SQLite: the family and person
    tables are referred to by many others, and a copy would drop them while they are referred to)."""
    constraint = f"fk_{table}_updated_by_id_user_account"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN updated_by_id INTEGER CONSTRAINT {constraint} REFERENCES user_account (id)"
        )
    else:
        op.add_column(table, sa.Column('updated_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, table, 'user_account', ['updated_by_id'], ['id'])


def upgrade():
    for make in LOCKING_COLUMNS:
        op.add_column('family', make())
    _add_updated_by('family')

    for column in _person_columns():
        op.add_column('person', column)
    for make in LOCKING_COLUMNS:
        op.add_column('person', make())
    _add_updated_by('person')
    op.create_index(op.f('ix_person_nhs_number'), 'person', ['nhs_number'], unique=False)

    op.create_table('family_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('record_type', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_family_change_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_change_family_id_family')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_family_change_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_change'))
    )
    with op.batch_alter_table('family_change', schema=None) as batch_op:
        batch_op.create_index('ix_family_change_family_at', ['family_id', 'changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('family_change', schema=None) as batch_op:
        batch_op.drop_index('ix_family_change_family_at')
    op.drop_table('family_change')

    _expression_indexes(create=False)
    sqlite = op.get_bind().dialect.name == "sqlite"  # there, the copy leaves out the column and its constraint
    with op.batch_alter_table('person', schema=None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint(batch_op.f('fk_person_updated_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_person_nhs_number'))
        for column in (
            'updated_by_id', 'updated_at', 'version', 'nhs_number_missing_reason', 'nhs_number_status',
            'nhs_number', 'ethnicity', 'sex', 'email', 'phone', 'left_reason', 'left_on', 'joined_on',
            'involvement', 'in_household',
        ):
            batch_op.drop_column(column)
    _expression_indexes(create=True)

    with op.batch_alter_table('family', schema=None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint(batch_op.f('fk_family_updated_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
