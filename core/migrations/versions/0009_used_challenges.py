"""used challenges

Revision ID: 0009
Revises: 0001
Create Date: 2026-11-29 04:30:00.000000

The proof-of-work solutions and waiting tokens of the bot checks that have served once
(``core.bot_checks``), kept until they expire so that none serves twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0009"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_challenges",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_used_challenges")),
    )
    op.create_index(
        op.f("ix_used_challenges_expires_at"), "used_challenges", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_used_challenges_expires_at"), table_name="used_challenges")
    op.drop_table("used_challenges")
