"""event jobs: the plugins' event handlers to run, queued with the change

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:30:00.000000

``event_jobs`` holds one row per event handler to run for an event (``core.events``),
written in the transaction of the change that caused the event, and marked done in the
transaction of the handler's own work.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "dialogue_id",
            sa.Integer(),
            sa.ForeignKey("dialogues.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
    )
    op.create_index("ix_event_jobs_organisation_id", "event_jobs", ["organisation_id"])
    op.create_index("ix_event_jobs_dialogue_id", "event_jobs", ["dialogue_id"])
    op.create_index("ix_event_jobs_waiting", "event_jobs", ["done_at", "id"])


def downgrade() -> None:
    op.drop_table("event_jobs")
