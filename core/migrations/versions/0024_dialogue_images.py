"""dialogue images

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-15 09:00:00.000000

``dialogues.image_path``: the stored name of the dialogue's image (an upload), shown as the
banner of its pages and on its card on the home page; ``NULL``: none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dialogues", sa.Column("image_path", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("dialogues", "image_path")
