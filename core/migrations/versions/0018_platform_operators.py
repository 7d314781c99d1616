"""platform operators

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 09:00:00.000000

``users.is_operator`` marks the platform's operators, who choose the modules each
organisation may use (``core.modules``) from ``/operator/modules``. False for every
existing user: until now only the command line chose.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("is_operator", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # Not batch mode: SQLite would copy the table and drop the old one, and with foreign
    # keys on, dropping ``users`` deletes or nulls every row that refers to it.
    op.drop_column("users", "is_operator")
