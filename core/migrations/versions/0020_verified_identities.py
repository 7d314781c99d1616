"""verified identities

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10 09:00:00.000000

Verified residents: ``identities`` (a keyed digest of a person's identifying fields, never
the clear values), ``census_entries`` (the organisation's residents list, as digests),
``user_verifications`` (which identity an account was verified as, how, when and by whom)
and ``identity_votes`` (the one account through which an identity votes in a dialogue).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _organisation() -> sa.Column[int]:
    return sa.Column(
        "organisation_id",
        sa.Integer(),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        _organisation(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "digest"),
    )
    op.create_table(
        "census_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _organisation(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.UniqueConstraint("organisation_id", "digest"),
    )
    op.create_table(
        "user_verifications",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "identity_id",
            sa.Integer(),
            sa.ForeignKey("identities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("verified_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_index("ix_user_verifications_identity_id", "user_verifications", ["identity_id"])
    op.create_table(
        "identity_votes",
        sa.Column(
            "dialogue_id",
            sa.Integer(),
            sa.ForeignKey("dialogues.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "identity_id",
            sa.Integer(),
            sa.ForeignKey("identities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_identity_votes_user_id", "identity_votes", ["user_id"])


def downgrade() -> None:
    op.drop_table("identity_votes")
    op.drop_table("user_verifications")
    op.drop_table("census_entries")
    op.drop_table("identities")
