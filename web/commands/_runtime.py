"""What every command needs: settings from the environment, a reachable database, plugins."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.commands import CommandContext
from core.db import Database
from core.errors import ConfigurationError
from core.plugin_manager import Plugins
from core.services import drafts
from core.settings import Settings
from web.plugins import build_plugins

T = TypeVar("T")


def load_settings() -> Settings:
    return Settings.from_env(os.environ)


def describe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    scheme, _, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        rest = f"{user}@{host}"
    return f"{scheme}://{rest}"


async def check_database(database: Database) -> None:
    """Raises a one-line :class:`ConfigurationError` when the database cannot be reached."""
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigurationError(
            f"cannot reach the database {describe_url(database.url)}: {reason}"
        ) from None


async def check_schema(database: Database) -> None:
    """Raises a one-line :class:`ConfigurationError` when migrations were never applied."""
    from sqlalchemy import inspect

    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    if "alembic_version" not in tables:
        raise ConfigurationError(
            f"the database {describe_url(database.url)} has no tables yet: "
            "run 'participe db upgrade' first"
        )


def run_with_session(
    settings: Settings,
    work: Callable[[AsyncSession, Plugins], Awaitable[T]],
    plugins: Plugins | None = None,
) -> T:
    """Runs ``work`` in one committed transaction on the configured database."""
    plugins = plugins or build_plugins(settings)

    async def main() -> T:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
            async with database.session() as session:
                # The platform's own commands know every dialogue, drafts included.
                session.info[drafts.PREVIEW_KEY] = drafts.EVERY_ORGANISATION
                result = await work(session, plugins)
                await session.commit()
                return result
        finally:
            await database.dispose()

    return asyncio.run(main())


def command_context(settings: Settings, plugins: Plugins) -> CommandContext:
    """What a plugin's command runs with (``register_commands``)."""

    def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return run_with_session(settings, lambda session, _: work(session), plugins)

    return CommandContext(settings, plugins, run)
