"""Indexes for what every signed-in request reads (issue 15).

Every page's layout counts the person's unread notices, filtered by the families they may see
(earlyhelp.policy.family_ids). Without these, that filter reads the whole episode table (a team's episodes)
and the whole transfer table twice (the leads named on a request, the manager it waits on) on every page.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_episode_team_ended", "episode", ["team_id", "ended_on"]),
    ("ix_transfer_proposed_lead_state", "transfer", ["proposed_lead_id", "state"]),
    ("ix_transfer_receiving_lead_state", "transfer", ["receiving_lead_id", "state"]),
    ("ix_transfer_approver_state", "transfer", ["approver_id", "state"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
