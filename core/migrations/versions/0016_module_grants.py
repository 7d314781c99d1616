"""the modules each organisation may use

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00.000000

``organisations.module_grants`` holds the platform operator's departures from the
modules' defaults (``core.modules``): a module's name to whether the organisation may use
it. Empty for every organisation: each keeps the modules it had.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organisations",
        sa.Column("module_grants", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    # Not batch mode: SQLite would copy the table and drop the old one, and with foreign
    # keys on, dropping ``organisations`` deletes every row that refers to it.
    op.drop_column("organisations", "module_grants")
