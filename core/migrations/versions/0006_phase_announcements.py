"""phase announcements, votes by proposal

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-29 02:10:00.000000

Phases remember when their ``phase_opened`` / ``phase_closed`` events were fired, so that
the periodic sweep fires each one once (``core.services.publication``). Dates that had
already passed before this revision count as announced: upgrading must not replay the
events of past phases.

The results read a dialogue's votes by proposal through a covering index (value and ballot
included on PostgreSQL), an index-only scan (``core.services.counted_votes``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("phases") as batch_op:
        batch_op.add_column(
            sa.Column("opened_announced_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed_announced_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
    phases = sa.table(
        "phases",
        sa.column("starts_at", core.db.UTCDateTime(timezone=True)),
        sa.column("ends_at", core.db.UTCDateTime(timezone=True)),
        sa.column("opened_announced_at", core.db.UTCDateTime(timezone=True)),
        sa.column("closed_announced_at", core.db.UTCDateTime(timezone=True)),
    )
    op.create_index(
        "ix_votes_proposal_value",
        "votes",
        ["proposal_id", "value"],
        postgresql_include=["ballot_id"],
    )
    now = core.db.utcnow()
    op.execute(
        phases.update()
        .where(phases.c.starts_at <= now)
        .values(opened_announced_at=phases.c.starts_at)
    )
    op.execute(
        phases.update().where(phases.c.ends_at <= now).values(closed_announced_at=phases.c.ends_at)
    )


def downgrade() -> None:
    op.drop_index("ix_votes_proposal_value", table_name="votes")
    with op.batch_alter_table("phases") as batch_op:
        batch_op.drop_column("closed_announced_at")
        batch_op.drop_column("opened_announced_at")
