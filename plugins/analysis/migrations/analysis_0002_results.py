"""analysis results stored per dialogue

Revision ID: analysis_0002
Revises: analysis_0001
Create Date: 2026-12-07 12:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "analysis_0002"
down_revision: str | None = "analysis_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("computed_generation", sa.Integer(), nullable=False),
        sa.Column("requested_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("computed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("proposal_count", sa.Integer(), nullable=False),
        sa.Column("max_proposal_id", sa.Integer(), nullable=True),
        sa.Column("max_updated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_analysis_results_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dialogue_id", name=op.f("pk_analysis_results")),
    )


def downgrade() -> None:
    op.drop_table("analysis_results")
