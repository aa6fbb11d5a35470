"""Referrals that can be put right, decisions that match the need, and when each step was written down.

- decision_rule: which decision fits which level of need (allowed, needs a team manager's sign-off, refused),
  seeded with defaults: no further action or information and advice at levels 3 and 4 needs sign-off.
- referral: when the receipt, the decision and the feedback were written down and why late; the day the
  referrer was told (a date, as given: the old feedback_at invented a time); sign-off or its refusal; withdrawn
  or duplicate, with who, when and why; a link to an earlier referral about the family; a version.
- referral_change: every change after recording (what it was, what it became, who, when, why).
- referral_episode: a referral about a family already open to a service, and the lead who was told.

Feedback already on record keeps its day; when it and past decisions were written down is not known, so it
is left empty rather than guessed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from datetime import time

from alembic import op
import sqlalchemy as sa

import earlyhelp.models.base
from earlyhelp import clock


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


SIGN_OFF_3 = "Level 3 is complex or several needs, which usually need a coordinated response"
SIGN_OFF_4 = "at Level 4 a child may be suffering significant harm"
# (outcome code, level number): (fit, why). Every other combination of the seeded outcomes and levels is allowed.
DEFAULT_RULES = {
    ("no_further_action", 3): ("sign_off", SIGN_OFF_3),
    ("no_further_action", 4): ("sign_off", SIGN_OFF_4),
    ("information_and_advice", 3): ("sign_off", SIGN_OFF_3),
    ("information_and_advice", 4): ("sign_off", SIGN_OFF_4),
    ("universal_services", 3): ("sign_off", SIGN_OFF_3),
    ("universal_services", 4): (
        "refused",
        "a child who may be suffering significant harm needs social care. Choose a social care assessment or a"
        " strategy discussion, or decide a lower level of need",
    ),
    ("early_help", 4): (
        "refused",
        "early help is voluntary support, and at Level 4 a child may be suffering significant harm. Choose a social"
        " care assessment or a strategy discussion, or decide a lower level of need",
    ),
    ("social_care_assessment", 1): (
        "refused",
        "Level 1 needs are met by universal services. Decide the level of need the assessment is for",
    ),
    ("strategy_discussion", 1): (
        "refused",
        "a strategy discussion is for a child who may be suffering significant harm. Decide the level of need it is for",
    ),
    ("strategy_discussion", 2): (
        "refused",
        "a strategy discussion is for a child who may be suffering significant harm. Decide the level of need it is for",
    ),
}


# Made afresh each time: a column belongs to one table, and the tests build many databases in one process.
REFERRAL_COLUMNS = (
    lambda: sa.Column('receipt_late_recording_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('decision_recorded_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
    lambda: sa.Column('decision_late_recording_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('signed_off_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
    lambda: sa.Column('sign_off_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('returned_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
    lambda: sa.Column('returned_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('fed_back_on', sa.Date(), nullable=True),
    lambda: sa.Column('feedback_recorded_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
    lambda: sa.Column('feedback_late_recording_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('closed_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True),
    lambda: sa.Column('closed_reason', sa.Text(), server_default='', nullable=False),
    lambda: sa.Column('version', sa.Integer(), server_default='1', nullable=False),
)
# Columns naming another row: (column, the table it refers to).
REFERRAL_REFERENCES = (
    ('lead_id', 'user_account'),
    ('signed_off_by_id', 'user_account'),
    ('returned_by_id', 'user_account'),
    ('closed_by_id', 'user_account'),
    ('duplicate_of_id', 'referral'),
    ('linked_to_id', 'referral'),
)


def _add_reference(column: str, table: str):
    """A column naming a row, added in place (no batch copy on SQLite: the referral table is referred to by its
    children, episodes and changes, and a copy would drop it while they refer to it)."""
    constraint = f"fk_referral_{column}_{table}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE referral ADD COLUMN {column} INTEGER CONSTRAINT {constraint} REFERENCES {table} (id)")
    else:
        op.add_column('referral', sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, 'referral', table, [column], ['id'])


def upgrade():
    op.create_table('decision_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('fit', sa.String(length=20), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['level_id'], ['level_of_need.id'], name=op.f('fk_decision_rule_level_id_level_of_need')),
    sa.ForeignKeyConstraint(['outcome_id'], ['decision_outcome.id'], name=op.f('fk_decision_rule_outcome_id_decision_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_rule')),
    sa.UniqueConstraint('outcome_id', 'level_id', name=op.f('uq_decision_rule_outcome_id'))
    )
    op.create_table('referral_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_referral_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_change_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_change'))
    )
    with op.batch_alter_table('referral_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_change_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_episode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('lead_told_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_referral_episode_episode_id_episode')),
    sa.ForeignKeyConstraint(['lead_told_id'], ['user_account.id'], name=op.f('fk_referral_episode_lead_told_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_episode_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_episode')),
    sa.UniqueConstraint('referral_id', 'episode_id', name=op.f('uq_referral_episode_referral_id'))
    )
    with op.batch_alter_table('referral_episode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_episode_referral_id'), ['referral_id'], unique=False)

    for make in REFERRAL_COLUMNS:
        op.add_column('referral', make())
    for column, table in REFERRAL_REFERENCES:
        _add_reference(column, table)
    op.create_index(op.f('ix_referral_duplicate_of_id'), 'referral', ['duplicate_of_id'], unique=False)
    op.create_index(op.f('ix_referral_linked_to_id'), 'referral', ['linked_to_id'], unique=False)

    # The day each referrer was told, in London, from the moment the old column held.
    bind = op.get_bind()
    referral = sa.table(
        "referral",
        sa.column("id", sa.Integer()),
        sa.column("feedback_at", earlyhelp.models.base.UTCDateTime()),
        sa.column("fed_back_on", sa.Date()),
    )
    told = bind.execute(sa.select(referral.c.id, referral.c.feedback_at).where(referral.c.feedback_at.is_not(None)))
    for referral_id, feedback_at in told.all():
        bind.execute(
            referral.update().where(referral.c.id == referral_id).values(fed_back_on=clock.local_date(feedback_at))
        )
    # In place on SQLite too (3.35 and later drop a column): a batch copy would drop the referral table while
    # its children, episodes and changes still refer to it.
    op.drop_column('referral', 'feedback_at')

    outcomes = dict(bind.execute(sa.text("SELECT code, id FROM decision_outcome")).all())
    levels = dict(bind.execute(sa.text("SELECT number, id FROM level_of_need")).all())
    rule = sa.table(
        "decision_rule", sa.column("outcome_id"), sa.column("level_id"), sa.column("fit"), sa.column("why")
    )
    rows = []
    for code, outcome_id in sorted(outcomes.items()):
        for number, level_id in sorted(levels.items()):
            fit, why = DEFAULT_RULES.get((code, number), ("allowed", ""))
            rows.append({"outcome_id": outcome_id, "level_id": level_id, "fit": fit, "why": why})
    if rows:
        op.bulk_insert(rule, rows)


def downgrade():
    op.add_column('referral', sa.Column('feedback_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    referral = sa.table(
        "referral",
        sa.column("id", sa.Integer()),
        sa.column("feedback_at", earlyhelp.models.base.UTCDateTime()),
        sa.column("fed_back_on", sa.Date()),
        sa.column("decided_at", earlyhelp.models.base.UTCDateTime()),
    )
    told = bind.execute(
        sa.select(referral.c.id, referral.c.fed_back_on, referral.c.decided_at).where(referral.c.fed_back_on.is_not(None))
    )
    for referral_id, fed_back_on, decided_at in told.all():
        # The old column needs a moment: the start of the day told, or the decision if that was later the same day.
        moment = max(clock.at_london(fed_back_on, time(0, 0)), decided_at) if decided_at else None
        bind.execute(referral.update().where(referral.c.id == referral_id).values(feedback_at=moment))
    sqlite = bind.dialect.name == "sqlite"
    with op.batch_alter_table('referral', schema=None) as batch_op:
        for column, table in REFERRAL_REFERENCES:
            if not sqlite:  # SQLite does not name a constraint added with its column; the copy leaves it out
                batch_op.drop_constraint(f"fk_referral_{column}_{table}", type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referral_linked_to_id'))
        batch_op.drop_index(batch_op.f('ix_referral_duplicate_of_id'))
        for column in [*(column for column, _ in REFERRAL_REFERENCES), *(make().name for make in REFERRAL_COLUMNS)]:
            batch_op.drop_column(column)

    with op.batch_alter_table('referral_episode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_episode_referral_id'))
    op.drop_table('referral_episode')
    with op.batch_alter_table('referral_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_change_referral_id'))
    op.drop_table('referral_change')
    op.drop_table('decision_rule')
