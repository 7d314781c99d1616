"""The migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from core.db import Base, Database
from core.migrate import alembic_config, current_heads, upgrade
from core.plugin_manager import Plugins


async def test_models_and_migrations_agree(database: Database) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if not (
                isinstance(change, tuple)
                and change[0] == "remove_table"
                and change[1].name == "alembic_version"
            )
        ]

    async with database.engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == []


async def test_upgrade_reaches_every_head_and_is_idempotent(
    database: Database, plugins: Plugins
) -> None:
    from alembic.script import ScriptDirectory

    locations = plugins.migration_locations()
    await upgrade(database, locations)
    heads = set(ScriptDirectory.from_config(alembic_config(locations)).get_heads())
    assert await current_heads(database, locations) == heads
