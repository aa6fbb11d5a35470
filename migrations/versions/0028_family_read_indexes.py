"""Indexes for family search, the family page and who has looked (issue 15).

A search by postcode is a prefix (LIKE 'SW1A%'). PostgreSQL answers that from an index only when the index is
built with text_pattern_ops, whatever the database's collation (as migration 0002 does for the name indexes),
so the postcode index is rebuilt that way there. SQLite's search asks the same prefix as a range, which its
plain index answers (earlyhelp/services/families.py, _starts_with). The model keeps `index=True`: the
operator class is PostgreSQL's own and does not change what the index is.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_family_postcode")
        op.execute("CREATE INDEX ix_family_postcode ON family (postcode text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_family_postcode")
        op.execute("CREATE INDEX ix_family_postcode ON family (postcode)")
