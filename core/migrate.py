"""Database migrations: the core's Alembic revisions plus each plugin's own location.

``participe db upgrade`` upgrades every head: the core's branch and one branch per plugin
that declares ``migration_locations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from core.db import Database

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(locations: Sequence[str] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(CORE_MIGRATIONS))
    version_locations = [str(CORE_MIGRATIONS / "versions"), *map(_resolve, locations)]
    config.set_main_option("version_locations", " ".join(version_locations))
    config.set_main_option("path_separator", "space")
    return config


def _resolve(location: str) -> str:
    """``"package.module:folder"`` → the folder's path inside that package."""
    if ":" in location and not Path(location).exists():
        import importlib

        module_name, folder = location.split(":", 1)
        module = importlib.import_module(module_name)
        assert module.__file__ is not None
        return str(Path(module.__file__).parent / folder)
    return location


async def upgrade(
    database: Database, locations: Sequence[str] = (), revision: str = "heads"
) -> None:
    """Upgrades the database to ``revision`` (every head by default)."""
    config = alembic_config(locations)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def current_heads(database: Database, locations: Sequence[str] = ()) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> Any:
        return MigrationContext.configure(connection).get_current_heads()

    async with database.engine.connect() as connection:
        return set(await connection.run_sync(read))
