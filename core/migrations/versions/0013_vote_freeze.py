"""what a vote is judged against: the dialogue's configuration version, withdrawn
candidates and corrected texts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:30:00.000000

- ``dialogues.config_version`` is bumped by every change of what judges a vote (vote type
  and settings, budget, phases, candidates), in the same transaction that takes the
  dialogue's row ``FOR UPDATE`` (``core.services.vote_locks``). A ballot change holds the
  row ``FOR KEY SHARE`` and compares the version with the dialogue it was given, so it is
  judged against the configuration in force when it commits.
- ``proposals.withdrawn_at`` and ``withdrawal_reason``: a candidate that staff withdrew
  from an open vote (found ineligible), shown as such in the results.
- ``proposal_revisions``: the previous text of a candidate whose typo staff corrected
  during the vote, kept for its public history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dialogues",
        sa.Column("config_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "proposals", sa.Column("withdrawn_at", core.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "proposals",
        sa.Column("withdrawal_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "proposal_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "editor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_proposal_revisions_proposal_created",
        "proposal_revisions",
        ["proposal_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_proposal_revisions_proposal_created", table_name="proposal_revisions")
    op.drop_table("proposal_revisions")
    op.drop_column("proposals", "withdrawal_reason")
    op.drop_column("proposals", "withdrawn_at")
    op.drop_column("dialogues", "config_version")
