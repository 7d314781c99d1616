"""``participe serve``: runs the web app with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from web.commands._runtime import check_database, check_schema, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="serve the web app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.set_defaults(func=run)


def serve(host: str, port: int, workers: int) -> None:
    """Checks the configuration, then hands over to uvicorn (its workers rebuild the app
    from the same environment)."""
    import uvicorn

    from core.db import Database
    from web.logs import configure_logging
    from web.plugins import build_plugins

    settings = load_settings()
    configure_logging(settings.log_format)
    build_plugins(settings)  # a bad plugin configuration stops here, in one line

    async def probe() -> None:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
        finally:
            await database.dispose()

    asyncio.run(probe())
    uvicorn.run(
        "web.asgi:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("PARTICIPE_TRUSTED_PROXIES", "127.0.0.1"),
        # Logging is ours (``web.logs``): uvicorn's records go through the same handler.
        log_config=None,
    )


def run(args: argparse.Namespace) -> int:
    serve(args.host, args.port, args.workers)
    return 0
