"""indexes of the proposal lists

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-29 03:00:00.000000

A proposal list counts the public proposals matching its filters and reads one page of
them in an order. ``ix_proposals_dialogue_filters`` holds every column the filters test
(theme, sector, status, hidden), so that PostgreSQL counts from the index alone; the
title and cost orders get an index each, so that a page is read without sorting the
whole dialogue (the date order already had one). On PostgreSQL, the text search goes
through a trigram index (the ``pg_trgm`` extension, which the database's owner may create
since PostgreSQL 13) instead of reading every body; SQLite's copy of that index is empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_proposals_dialogue_filters",
        "proposals",
        ["dialogue_id", "theme", "sector", "status", "hidden_at"],
    )
    op.create_index("ix_proposals_dialogue_title", "proposals", ["dialogue_id", "title", "id"])
    op.create_index("ix_proposals_dialogue_cost", "proposals", ["dialogue_id", "cost", "id"])
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
    op.drop_index("ix_proposals_dialogue_cost", table_name="proposals")
    op.drop_index("ix_proposals_dialogue_title", table_name="proposals")
    op.drop_index("ix_proposals_dialogue_filters", table_name="proposals")
