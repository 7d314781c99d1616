"""``participe db upgrade``: applies the core's and the plugins' migrations."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from core.db import Database
from core.migrate import upgrade
from web.commands._runtime import check_database, load_settings
from web.plugins import build_plugins


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply every migration (core and plugins)")
    up.set_defaults(func=run_upgrade)


async def upgrade_database(database_url: str, migration_locations: list[str]) -> None:
    database = Database(database_url)
    try:
        await check_database(database)
        await upgrade(database, migration_locations)
    finally:
        await database.dispose()


def run_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    plugins = build_plugins(settings)
    asyncio.run(upgrade_database(settings.database_url, plugins.migration_locations()))
    print("database is up to date")
    return 0
