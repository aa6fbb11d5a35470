"""Case notes: what happened, when, and when it was written down; the children each is about; a correction
linked to the note it corrects (the original is never changed); and the types of note, as data.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import earlyhelp.models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

NOTE_TYPES = [
    ("visit", "Visit", 1),
    ("phone_call", "Phone call", 2),
    ("meeting", "Meeting", 3),
    ("new_information", "New information", 4),
    ("other", "Other", 5),
]


def upgrade():
    note_type = op.create_table('case_note_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note_type')),
    sa.UniqueConstraint('code', name=op.f('uq_case_note_type_code'))
    )
    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('happened_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_late', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('late_recording_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('who_was_involved', sa.String(length=400), nullable=False),
    sa.Column('about_whole_family', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('significant', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('correction_reason', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_case_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['corrects_id'], ['case_note.id'], name=op.f('fk_case_note_corrects_id_case_note')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_case_note_family_id_family')),
    sa.ForeignKeyConstraint(['type_id'], ['case_note_type.id'], name=op.f('fk_case_note_type_id_case_note_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note')),
    sa.UniqueConstraint('corrects_id', name='uq_case_note_corrects_id')
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index('ix_case_note_family_happened', ['family_id', 'happened_at'], unique=False)

    op.create_table('case_note_child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['case_note.id'], name=op.f('fk_case_note_child_note_id_case_note')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_case_note_child_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note_child')),
    sa.UniqueConstraint('note_id', 'person_id', name=op.f('uq_case_note_child_note_id'))
    )
    with op.batch_alter_table('case_note_child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_child_person_id'), ['person_id'], unique=False)

    op.bulk_insert(note_type, [
        {"code": code, "name": name, "sort_order": order, "active": True} for code, name, order in NOTE_TYPES
    ])


def downgrade():
    with op.batch_alter_table('case_note_child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_child_person_id'))
    op.drop_table('case_note_child')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index('ix_case_note_family_happened')
    op.drop_table('case_note')
    op.drop_table('case_note_type')
