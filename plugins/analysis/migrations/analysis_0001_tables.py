"""analysis tables

Revision ID: analysis_0001
Revises:
Create Date: 2026-12-07 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "analysis_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("analysis",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table(
        "analysis_texts",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("analysed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_analysis_texts_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_analysis_texts_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_analysis_texts")),
    )
    op.create_index("ix_analysis_texts_dialogue", "analysis_texts", ["dialogue_id"])
    op.create_table(
        "analysis_distinct_pairs",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["proposals.id"],
            name=op.f("fk_analysis_distinct_pairs_first_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["proposals.id"],
            name=op.f("fk_analysis_distinct_pairs_second_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_analysis_distinct_pairs_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_analysis_distinct_pairs_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_analysis_distinct_pairs")),
    )
    op.create_index(
        op.f("ix_analysis_distinct_pairs_dialogue_id"), "analysis_distinct_pairs", ["dialogue_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_analysis_distinct_pairs_dialogue_id"), table_name="analysis_distinct_pairs"
    )
    op.drop_table("analysis_distinct_pairs")
    op.drop_index("ix_analysis_texts_dialogue", table_name="analysis_texts")
    op.drop_table("analysis_texts")
