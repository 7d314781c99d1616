"""indexes of the proposal lists

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-29 03:00:00.000000

A proposal list counts the public proposals matching its filters and reads one page of
them in an order. ``ix_proposals_dialogue_filters`` holds every column the filters test
(theme, sector, status, hidden), so that PostgreSQL counts from the index alone; each
order (date, title, cost) gets an index that also holds those columns, so that the ids of
a page come from the index alone, without sorting the dialogue or reading the rows of the
pages before it. On PostgreSQL, the text search goes through a trigram index (the
``pg_trgm`` extension, which the database's owner may create since PostgreSQL 13) instead
of reading every body; SQLite's copy of that index is empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns a proposal list filters on, kept in the indexes of its orders.
LISTED = ["status", "hidden_at", "theme", "sector"]


def upgrade() -> None:
    op.create_index(
        "ix_proposals_dialogue_filters",
        "proposals",
        ["dialogue_id", "theme", "sector", "status", "hidden_at"],
    )
    for name, column in (("recent", "published_at"), ("title", "title"), ("cost", "cost")):
        op.create_index(
            f"ix_proposals_dialogue_{name}",
            "proposals",
            ["dialogue_id", column, "id"],
            postgresql_include=LISTED,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_proposals_search",
        "proposals",
        ["title", "body"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops", "body": "gin_trgm_ops"},
        sqlite_where=sa.text("0"),
    )


def downgrade() -> None:
    op.drop_index("ix_proposals_search", table_name="proposals")
    for name in ("cost", "title", "recent"):
        op.drop_index(f"ix_proposals_dialogue_{name}", table_name="proposals")
    op.drop_index("ix_proposals_dialogue_filters", table_name="proposals")
