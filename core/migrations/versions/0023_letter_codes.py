"""letter codes

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-14 09:00:00.000000

``letter_codes``: the single-use codes mailed to people (the ``letter_code`` verification
method), as keyed digests of the code and of the person, by batch, and when and by which
account each was used.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("identity_digest", sa.String(64), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "used_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.UniqueConstraint("organisation_id", "code_digest"),
    )
    op.create_index("ix_letter_codes_used_by_id", "letter_codes", ["used_by_id"])


def downgrade() -> None:
    op.drop_index("ix_letter_codes_used_by_id", table_name="letter_codes")
    op.drop_table("letter_codes")
