"""``participe demo``: a fresh SQLite database with a demo town, then the server."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from core.db import Database
from core.migrate import upgrade
from core.settings import Settings, normalise_database_url
from web.commands.serve import serve
from web.demo import DEMO_ADMIN, seed_demo
from web.plugins import build_plugins

DEMO_DATABASE = "participe-demo.db"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="start a demo town on a fresh SQLite database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database", default=DEMO_DATABASE, help="SQLite file to (re)create")
    parser.add_argument("--no-serve", action="store_true", help="create the data and stop")
    parser.set_defaults(func=run)


def remove_database(path: Path) -> None:
    """Deletes a SQLite file and its WAL files, so that the demo starts afresh."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def create_demo_database(settings: Settings) -> str:
    """Migrates a new database and seeds it; returns the administrator's API token."""
    plugins = build_plugins(settings)
    database = Database(settings.database_url)
    try:
        await upgrade(database, plugins.migration_locations())
        async with database.session() as session:
            world = await seed_demo(session, plugins, settings.upload_dir)
            await session.commit()
            return world.admin_token
    finally:
        await database.dispose()


def outbox_hint(path: Path, url: str) -> str:
    """How to sign in on the demo: no SMTP server is set, so the sign-in email waits in the
    outbox, which ``participe outbox`` prints from the demo's database."""
    command = sys.argv[0] if Path(sys.argv[0]).name == "participe" else "participe"
    return (
        f"Sign in: ask for a link at {url}signin with any address ({DEMO_ADMIN} is the "
        "administrator); without an SMTP server the email waits in the outbox. Read its "
        f"link, in another terminal, with:\n  PARTICIPE_DATABASE_URL=sqlite:///{path} "
        f"{command} outbox"
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.database).resolve()
    url = (
        f"http://{'localhost' if args.host in ('127.0.0.1', '0.0.0.0') else args.host}:{args.port}/"
    )
    os.environ["PARTICIPE_DATABASE_URL"] = normalise_database_url(f"sqlite:///{path}")
    # The emails' links open the address the demo tells to open: a session started on
    # another name of the same machine would not be the browser's.
    os.environ.setdefault("PARTICIPE_BASE_URL", url.rstrip("/"))
    settings = Settings.from_env(os.environ)
    remove_database(path)
    token = asyncio.run(create_demo_database(settings))
    print(f"Demo database: {path}")
    print(f"Administrator: {DEMO_ADMIN} (API token: {token})")
    print(f"Open {url}")
    print(outbox_hint(path, url))
    if not args.no_serve:
        serve(args.host, args.port, workers=1)
    return 0
