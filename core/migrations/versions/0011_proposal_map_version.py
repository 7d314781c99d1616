"""index of the version of a dialogue's map

Revision ID: 0011
Revises: 0001
Create Date: 2026-11-29 09:00:00.000000

The GeoJSON of a dialogue's map is cached, by each worker, under a version of the
dialogue's proposals: their number, and the latest and the sum of their ``updated_at``
(``core.services.proposal_map.map_version``). ``ix_proposals_dialogue_updated`` lets the
database read all three from the index alone, without the proposals' rows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_proposals_dialogue_updated", "proposals", ["dialogue_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_proposals_dialogue_updated", table_name="proposals")
