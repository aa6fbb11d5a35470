"""No lost update: versions on every record an edit form changes, one open transfer per episode, and
submission keys on every create.

- family_plan.edit_version (with updated_at, updated_by_id): a draft saved from an older copy is refused.
  (family_plan.version is the plan's version number, 1, 2, 3, not an edit counter.)
- family_plan.submission_key, referral.submission_key: the same create form posted twice makes one record.
- uq_transfer_open_per_episode: at most one open request (draft, awaiting approval, sent, accepted) from an
  episode. An upgraded database may already hold two open from one episode (two tabs, before this); the
  index would fail on them. So the earliest stays open and each later one is withdrawn first, with a
  transfer_event saying why (actor: the person who started that later request; the action is
  'withdraw_duplicate', so it is never mistaken for something a person did). Nothing is deleted.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import earlyhelp.models.base


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN = "state IN ('draft', 'awaiting_approval', 'sent', 'accepted')"
REASON = (
    "Withdrawn when the service was upgraded: a second request was open from the same involvement "
    "(only one can be). The earlier request, {keep}, stays open."
)


def _withdraw_duplicate_open_requests():
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, from_episode_id, state, requested_by_id FROM transfer WHERE {OPEN} ORDER BY from_episode_id, id")  # noqa: S608
    ).fetchall()
    kept = {}
    for transfer_id, episode_id, state, requested_by_id in rows:
        if episode_id not in kept:
            kept[episode_id] = transfer_id
            continue
        bind.execute(
            sa.text(
                "UPDATE transfer SET state = 'withdrawn', state_changed_at = CURRENT_TIMESTAMP, "
                "state_changed_by_id = requested_by_id WHERE id = :id"
            ),
            {"id": transfer_id},
        )
        bind.execute(
            sa.text(
                "INSERT INTO transfer_event (transfer_id, action, from_state, to_state, actor_id, at, reason) "
                "VALUES (:id, 'withdraw_duplicate', :state, 'withdrawn', :actor, CURRENT_TIMESTAMP, :reason)"
            ),
            {"id": transfer_id, "state": state, "actor": requested_by_id, "reason": REASON.format(keep=f"number {kept[episode_id]}")},
        )


def upgrade():
    # Plain columns with defaults are added in place on SQLite too (no batch copy of a referred-to table).
    op.add_column('family_plan', sa.Column('edit_version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('family_plan', sa.Column('updated_at', earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a column's reference in place, never a constraint
        op.execute("ALTER TABLE family_plan ADD COLUMN updated_by_id INTEGER REFERENCES user_account (id)")
    else:
        op.add_column('family_plan', sa.Column('updated_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_family_plan_updated_by_id_user_account', 'family_plan', 'user_account', ['updated_by_id'], ['id']
        )
    op.add_column('family_plan', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('uq_family_plan_submission_key', 'family_plan', ['submission_key'], unique=True)
    op.add_column('referral', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('ix_referral_submission_key', 'referral', ['submission_key'], unique=True)
    _withdraw_duplicate_open_requests()
    op.create_index(
        'uq_transfer_open_per_episode',
        'transfer',
        ['from_episode_id'],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index('uq_transfer_open_per_episode', table_name='transfer')
    op.drop_index('ix_referral_submission_key', table_name='referral')
    op.drop_index('uq_family_plan_submission_key', table_name='family_plan')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE referral DROP COLUMN submission_key")
        for column in ('submission_key', 'updated_by_id', 'updated_at', 'edit_version'):
            op.execute(f"ALTER TABLE family_plan DROP COLUMN {column}")
    else:
        op.drop_column('referral', 'submission_key')
        for column in ('submission_key', 'updated_by_id', 'updated_at', 'edit_version'):
            op.drop_column('family_plan', column)
