"""audit log, networks for the fraud signals

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-29 04:30:00.000000

The audit log keeps every staff action (``core.services.audit``). Accounts and vote-log
entries keep a keyed digest of the network they came from (``core.networks``), so that
staff see many accounts or votes from one network in a short time; the digest of old
entries is cleared by the retention purge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0008"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
        ),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_log_organisation_id", "audit_log", ["organisation_id", "id"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("created_network", sa.String(32), nullable=True))
    with op.batch_alter_table("vote_log") as batch_op:
        batch_op.add_column(sa.Column("network", sa.String(32), nullable=True))
    op.create_index("ix_vote_log_network", "vote_log", ["network", "created_at"])
    op.create_index("ix_users_created_network", "users", ["created_network", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_users_created_network", table_name="users")
    op.drop_index("ix_vote_log_network", table_name="vote_log")
    with op.batch_alter_table("vote_log") as batch_op:
        batch_op.drop_column("network")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("created_network")
    op.drop_index("ix_audit_log_organisation_id", table_name="audit_log")
    op.drop_table("audit_log")
