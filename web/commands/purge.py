"""``participe purge``: applies every organisation's retention periods (RGPD); to run
once a day, from cron or a systemd timer. See :mod:`core.services.retention`."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound
from core.models import Organisation
from core.plugin_manager import Plugins
from core.services import retention
from web.commands._runtime import load_settings, run_with_session


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "purge", help="delete personal data kept beyond the retention periods (run daily)"
    )
    parser.add_argument("--org", help="only this organisation (slug)")
    parser.set_defaults(func=run_purge)


def describe(organisation: Organisation, counts: dict[str, int]) -> str:
    return f"{organisation.slug}: " + " ".join(
        f"{name}={counts[name]}" for name in retention.COUNTS
    )


def run_purge(args: argparse.Namespace) -> int:
    async def work(
        session: AsyncSession, plugins: Plugins
    ) -> list[tuple[Organisation, dict[str, int]]]:
        done = await retention.purge(session, plugins, now=utcnow(), slug=args.org)
        if args.org and not done:
            raise NotFound(f"no organisation {args.org!r}")
        return done

    for organisation, counts in run_with_session(load_settings(), work):
        print(describe(organisation, counts))
    return 0
