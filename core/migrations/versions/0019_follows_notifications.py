"""follows, notifications and the mail queue

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-09 09:00:00.000000

Citizens follow dialogues and proposals (``follows``), receive news (``notifications``)
as often as they choose per kind (``notification_preferences``). The outbox becomes a
queue with back-off (``next_attempt_at``) and one-click unsubscription
(``list_unsubscribe``); ``task_leases`` lets one worker at a time run a task that must
not run twice at once (sending at the configured rate); a vote phase remembers when its
closing reminder was sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FREQUENCIES = "('now', 'daily', 'weekly', 'never')"


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "dialogue_id",
            sa.Integer(),
            sa.ForeignKey("dialogues.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("proposals.id", ondelete="CASCADE")),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_follows_proposal_id", "follows", ["proposal_id"])
    op.create_index(
        "ix_follows_dialogue_active", "follows", ["dialogue_id", "proposal_id", "active"]
    )
    op.create_index(
        "uq_follows_dialogue",
        "follows",
        ["user_id", "dialogue_id"],
        unique=True,
        sqlite_where=sa.text("proposal_id IS NULL"),
        postgresql_where=sa.text("proposal_id IS NULL"),
    )
    op.create_index(
        "uq_follows_proposal",
        "follows",
        ["user_id", "proposal_id"],
        unique=True,
        sqlite_where=sa.text("proposal_id IS NOT NULL"),
        postgresql_where=sa.text("proposal_id IS NOT NULL"),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), sa.ForeignKey("dialogues.id", ondelete="CASCADE")),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("proposals.id", ondelete="CASCADE")),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("link", sa.String(400), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.String(8), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", core.db.UTCDateTime(timezone=True)),
        sa.Column("mailed_at", core.db.UTCDateTime(timezone=True)),
        sa.CheckConstraint(f"delivery IN {FREQUENCIES}", name="ck_notifications_delivery"),
    )
    op.create_index("ix_notifications_organisation_id", "notifications", ["organisation_id"])
    op.create_index("ix_notifications_dialogue_id", "notifications", ["dialogue_id"])
    op.create_index("ix_notifications_proposal_id", "notifications", ["proposal_id"])
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])
    op.create_index("ix_notifications_user_unread", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_to_mail", "notifications", ["delivery", "mailed_at", "id"])

    op.create_table(
        "notification_preferences",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"frequency IN {FREQUENCIES}", name="ck_notification_preferences_frequency"
        ),
    )

    op.create_table(
        "task_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("locked_until", core.db.UTCDateTime(timezone=True), nullable=False),
    )

    op.add_column(
        "outbox_messages", sa.Column("next_attempt_at", core.db.UTCDateTime(timezone=True))
    )
    op.add_column("outbox_messages", sa.Column("list_unsubscribe", sa.String(800)))
    op.create_index(
        "ix_outbox_messages_waiting", "outbox_messages", ["sent_at", "next_attempt_at", "id"]
    )
    op.add_column("phases", sa.Column("reminded_at", core.db.UTCDateTime(timezone=True)))


def downgrade() -> None:
    # Not batch mode (see 0018): plain column drops, which SQLite supports.
    op.drop_column("phases", "reminded_at")
    op.drop_index("ix_outbox_messages_waiting", table_name="outbox_messages")
    op.drop_column("outbox_messages", "list_unsubscribe")
    op.drop_column("outbox_messages", "next_attempt_at")
    op.drop_table("task_leases")
    op.drop_table("notification_preferences")
    op.drop_table("notifications")
    op.drop_table("follows")
