"""The voter's identity of a paper ballot, where the dialogue accepts only verified
voters (the core's ``identities``, revision 0020).

Revision ID: paper_ballots_0002
Revises: paper_ballots_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "paper_ballots_0002"
down_revision: str | None = "paper_ballots_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0020"


def upgrade() -> None:
    # A plain column, not batch mode: SQLite would copy the table and drop the old one,
    # and with foreign keys on, the drop deletes the ballots' votes.
    op.add_column("paper_ballots", sa.Column("identity_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("paper_ballots", "identity_id")
