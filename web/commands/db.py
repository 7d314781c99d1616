"""``participe db upgrade|downgrade|current|history``: the core's and the plugins'
migrations."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core import migrate
from core.db import Database
from web.commands._runtime import check_database, load_settings
from web.plugins import build_plugins

T = TypeVar("T")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply every migration (core and plugins)")
    up.set_defaults(func=run_upgrade)
    down = actions.add_parser(
        "downgrade", help="revert migrations down to REVISION (e.g. 0013, questionnaire@base)"
    )
    down.add_argument("revision", metavar="REVISION", help="the revision to go back to")
    down.set_defaults(func=run_downgrade)
    now = actions.add_parser("current", help="show the revisions the database is at")
    now.set_defaults(func=run_current)
    past = actions.add_parser("history", help="list every migration, newest first")
    past.set_defaults(func=run_history)


def _on_database(work: Callable[[Database, list[str]], Awaitable[T]]) -> T:
    settings = load_settings()
    locations = build_plugins(settings).migration_locations()

    async def main() -> T:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            return await work(database, locations)
        finally:
            await database.dispose()

    return asyncio.run(main())


def _print_steps(verb: str, steps: list[migrate.Step]) -> None:
    for step in steps:
        print(f"{verb} {step.revision}: {step.description}")


def run_upgrade(args: argparse.Namespace) -> int:
    steps = _on_database(lambda database, locations: migrate.upgrade(database, locations))
    _print_steps("applied", steps)
    if not steps:
        print("already up to date")
    return 0


def run_downgrade(args: argparse.Namespace) -> int:
    revision: str = args.revision
    steps = _on_database(
        lambda database, locations: migrate.downgrade(database, revision, locations)
    )
    _print_steps("reverted", steps)
    if not steps:
        print(f"nothing to revert: the database is at {revision} or below it")
    return 0


def run_current(args: argparse.Namespace) -> int:
    revisions = _on_database(migrate.current)
    for revision in revisions:
        head = " (head)" if revision.is_head else ""
        print(f"{revision.revision}{head}: {revision.description}")
    if not revisions:
        print("no migration applied: run 'participe db upgrade'")
    return 0


def run_history(args: argparse.Namespace) -> int:
    locations = build_plugins(load_settings()).migration_locations()
    for line in migrate.history(locations):
        print(line)
    return 0
