"""when an account was last seen, for the retention purge

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-29 05:00:00.000000

Sessions are deleted when they end (signing out, expiry), so they cannot tell on their own
how long an account has been inactive: the account keeps when it last signed in, or was
last seen by a session the purge deleted, and the retention purge (``participe purge``)
deletes the accounts inactive for longer than their organisation's period.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0010"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_seen_at")
