"""Letters issued, not rebuilt: each "what happens next" letter a family is sent is kept as it was issued.

- issued_letter: one issue of a request's letter (version 1, 2, ... per request), who issued it and when, its
  content as data, and the issuing form's one-time key (posting it twice issues one letter).
- letter_document: the exact PDF bytes of each copy (standard and large print), with their sha256.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import earlyhelp.models.base


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issued_letter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('submission_key', sa.String(length=64), nullable=False),
        sa.Column('issued_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_letter_issued_by_id_user_account')),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], name=op.f('fk_issued_letter_transfer_id_transfer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_letter')),
        sa.UniqueConstraint('submission_key', name=op.f('uq_issued_letter_submission_key')),
        sa.UniqueConstraint('transfer_id', 'version', name=op.f('uq_issued_letter_transfer_id')),
    )
    op.create_index(op.f('ix_issued_letter_transfer_id'), 'issued_letter', ['transfer_id'], unique=False)
    op.create_table('letter_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['letter_id'], ['issued_letter.id'], name=op.f('fk_letter_document_letter_id_issued_letter')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_document')),
        sa.UniqueConstraint('letter_id', 'kind', name=op.f('uq_letter_document_letter_id')),
    )
    op.create_index(op.f('ix_letter_document_letter_id'), 'letter_document', ['letter_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_letter_document_letter_id'), table_name='letter_document')
    op.drop_table('letter_document')
    op.drop_index(op.f('ix_issued_letter_transfer_id'), table_name='issued_letter')
    op.drop_table('issued_letter')
