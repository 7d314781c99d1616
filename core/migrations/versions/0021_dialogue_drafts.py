"""dialogue drafts

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-11 09:00:00.000000

``dialogues.published_at``: when a dialogue was made public; ``NULL`` is a draft that only
the organisation's staff see. The dialogues that exist were public from their creation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dialogues",
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE dialogues SET published_at = created_at")


def downgrade() -> None:
    op.drop_column("dialogues", "published_at")
