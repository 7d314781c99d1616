"""one history: the core's branches meet

Revision ID: 0014
Revises: 0003, 0004, 0005, 0006, 0007, 0009, 0010, 0011, 0013
Create Date: 2026-12-08 09:00:00.000000

Revisions 0003 to 0011 each grew from 0001 on a branch of their own (0012 and 0013 on
0008's): a database kept one ``alembic_version`` row per branch. This merge point joins
them without changing the schema; from here the core has one head, and every later core
revision follows the one before it (``core.migrate`` says why a merge rather than a
re-chaining of the old revisions).
"""

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | Sequence[str] | None = (
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0009",
    "0010",
    "0011",
    "0013",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
