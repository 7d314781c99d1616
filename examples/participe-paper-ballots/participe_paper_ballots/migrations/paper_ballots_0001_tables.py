"""The paper-ballots plugin's tables: its own Alembic branch, after the core's first
revision.

Revision ID: paper_ballots_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "paper_ballots_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("paper_ballots",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table(
        "paper_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("voided_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_paper_ballots_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_paper_ballots_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_ballots")),
    )
    op.create_index(
        op.f("ix_paper_ballots_dialogue_id"), "paper_ballots", ["dialogue_id"], unique=False
    )
    op.create_table(
        "paper_ballot_votes",
        sa.Column("paper_ballot_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_ballot_id"],
            ["paper_ballots.id"],
            name=op.f("fk_paper_ballot_votes_paper_ballot_id_paper_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_paper_ballot_votes_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "paper_ballot_id", "proposal_id", name=op.f("pk_paper_ballot_votes")
        ),
    )
    op.create_index(
        op.f("ix_paper_ballot_votes_proposal_id"),
        "paper_ballot_votes",
        ["proposal_id"],
        unique=False,
    )
    op.create_table(
        "paper_ballot_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("paper_ballot_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("station", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_paper_ballot_log_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_paper_ballot_log_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_ballot_log")),
    )
    op.create_index(
        "ix_paper_ballot_log_dialogue_id",
        "paper_ballot_log",
        ["dialogue_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_paper_ballot_log_dialogue_id", table_name="paper_ballot_log")
    op.drop_table("paper_ballot_log")
    op.drop_index(op.f("ix_paper_ballot_votes_proposal_id"), table_name="paper_ballot_votes")
    op.drop_table("paper_ballot_votes")
    op.drop_index(op.f("ix_paper_ballots_dialogue_id"), table_name="paper_ballots")
    op.drop_table("paper_ballots")
