"""Family plans that lose nothing: how a child's words came to us, review meetings, closing a plan, a jargon list.

- family_plan_child.words_given ('directly', 'through_parent', 'observed') and words_given_by ("their mum").
- family_plan.carried_step_ids: the open next steps a version took over, given back if its draft is discarded;
  closed_at, closed_by_id, closed_note: a plan no longer live (after a step-up), with the note saying why.
- family_plan_review: a review meeting of an issued version, with who attended, its outcome and a note.
- jargon_term: the words and acronyms the plain-language check flags, as data a council extends, seeded with the
  common ones of children's services.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import earlyhelp.models.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here as seeded: the running service reads the table, which a council extends.
SEED_JARGON = {
    "CIN": "child in need",
    "CP": "child protection",
    "CPP": "child protection plan",
    "TAF": "team around the family",
    "TAC": "team around the child",
    "EHA": "early help assessment",
    "EH": "early help",
    "MASH": "the front door team",
    "s17": "section 17 (support for a child in need)",
    "s47": "section 47 (a child protection enquiry)",
    "ICPC": "child protection conference",
    "LAC": "a child in care",
    "CLA": "a child looked after (in care)",
    "CSC": "children's social care",
    "SW": "social worker",
    "CAMHS": "children's mental health service",
    "DV": "domestic abuse",
    "DA": "domestic abuse",
    "SENCO": "the school's special needs teacher",
    "SEND": "special educational needs",
    "EHCP": "education, health and care plan",
    "PLO": "the formal letter before court (public law outline)",
    "LADO": "the council officer who looks into worries about adults who work with children",
    "NFA": "no further action",
    "FGC": "family group meeting",
    "IRO": "the independent reviewing officer",
    "lead professional": "your lead worker",
    "safeguarding": "keeping the children safe",
    "threshold": "level of need",
    "escalate": "step up",
}


SEEDED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    # family_plan and family_plan_child are referred to by other tables: columns are added in place.
    op.add_column(
        "family_plan_child", sa.Column("words_given", sa.String(length=20), server_default="directly", nullable=False)
    )
    op.add_column(
        "family_plan_child", sa.Column("words_given_by", sa.String(length=120), server_default="", nullable=False)
    )
    op.add_column("family_plan", sa.Column("carried_step_ids", sa.JSON(), nullable=True))
    op.add_column(
        "family_plan", sa.Column("closed_at", earlyhelp.models.base.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("family_plan", sa.Column("closed_note", sa.Text(), server_default="", nullable=False))
    constraint = "fk_family_plan_closed_by_id_user_account"
    if _sqlite():
        op.execute(
            "ALTER TABLE family_plan ADD COLUMN closed_by_id INTEGER "
            f"CONSTRAINT {constraint} REFERENCES user_account (id)"
        )
    else:
        op.add_column("family_plan", sa.Column("closed_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(constraint, "family_plan", "user_account", ["closed_by_id"], ["id"])

    op.create_table(
        "family_plan_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attended", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("late_reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["family_plan.id"], name=op.f("fk_family_plan_review_plan_id_family_plan")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_family_plan_review_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_plan_review")),
    )
    op.create_index(op.f("ix_family_plan_review_plan_id"), "family_plan_review", ["plan_id"], unique=False)

    jargon = op.create_table(
        "jargon_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("plain_words", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", earlyhelp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jargon_term")),
        sa.UniqueConstraint("term", name=op.f("uq_jargon_term_term")),
    )
    op.bulk_insert(
        jargon,
        [
            {"term": term, "plain_words": plain, "active": True, "created_at": SEEDED_AT}
            for term, plain in SEED_JARGON.items()
        ],
    )


def downgrade():
    op.drop_table("jargon_term")
    op.drop_index(op.f("ix_family_plan_review_plan_id"), table_name="family_plan_review")
    op.drop_table("family_plan_review")
    for column in ("closed_by_id", "closed_note", "closed_at", "carried_step_ids"):
        if _sqlite():
            op.execute(f"ALTER TABLE family_plan DROP COLUMN {column}")
        else:
            op.drop_column("family_plan", column)
    for column in ("words_given_by", "words_given"):
        if _sqlite():
            op.execute(f"ALTER TABLE family_plan_child DROP COLUMN {column}")
        else:
            op.drop_column("family_plan_child", column)
