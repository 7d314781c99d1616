"""Benchmark data: a fresh PostgreSQL database migrated to every head, an organisation,
citizens with API tokens, and dialogues in their vote phase.

Small things (citizens, a few proposals) go through the services, as the app would create
them; the bulk of the browsing and export benchmarks is loaded with ``COPY`` by
``bench/bulk.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.report import ROOT
from core.db import Database, utcnow
from core.migrate import upgrade
from core.models import Organisation, Proposal
from core.models.proposals import ProposalStatus
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import dialogues, organisations, users
from core.settings import Settings, normalise_database_url
from core.specs import DialogueSpec
from web.plugins import build_plugins

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def bench_plugins() -> Plugins:
    return build_plugins(Settings(load_entry_points=False))


async def fresh_database(admin_url: str, name: str, plugins: Plugins) -> str:
    """Drops and creates the database ``name`` next to ``admin_url``'s, migrates it to
    every head and returns its URL."""
    admin = normalise_database_url(admin_url)
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    url = admin.rsplit("/", 1)[0] + "/" + name
    database = Database(url)
    try:
        await upgrade(database, plugins.migration_locations())
    finally:
        await database.dispose()
    return url


async def drop_database(admin_url: str, name: str) -> None:
    engine = create_async_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def plain_url(url: str) -> str:
    """``postgresql://...`` for tools that take a libpq URL (psql, psycopg)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@dataclass
class VoteSetup:
    slug: str
    dialogue_id: int
    max_votes: int
    proposal_ids: list[int]
    tokens: list[str] = field(default_factory=list)


async def organisation(database: Database) -> Organisation:
    async with database.session() as session:
        found = await organisations.default_organisation(session)
        if found is None:
            found = await organisations.create_organisation(session, slug="bench", name="Bench")
            await session.commit()
        return found


async def citizens(database: Database, org: Organisation, count: int, start: int = 0) -> list[str]:
    """API tokens of ``count`` new verified citizens."""
    tokens = []
    async with database.session() as session:
        for index in range(start, start + count):
            user = await users.ensure_user(session, org, f"citizen{index}@bench.test")
            tokens.append(await users.create_api_token(session, user, "bench"))
        await session.commit()
    return tokens


async def admin_token(database: Database, org: Organisation) -> str:
    """An API token of an administrator of ``org``."""
    async with database.session() as session:
        admin = await users.ensure_user(session, org, "admin@bench.test", role=Role.ADMIN)
        token = await users.create_api_token(session, admin, "bench")
        await session.commit()
    return token


def participe(url: str, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Runs ``participe ARGUMENTS`` on the database ``url`` and returns what it did."""
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *arguments],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PARTICIPE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def vote_phases() -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "kind": "proposals",
            "starts_at": now - timedelta(days=20),
            "ends_at": now - timedelta(days=10),
        },
        {"kind": "vote", "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30)},
        {"kind": "results"},
    ]


async def vote_dialogue(
    database: Database,
    plugins: Plugins,
    org: Organisation,
    *,
    slug: str,
    proposals: int,
    max_votes: int,
    extra: dict[str, Any] | None = None,
) -> VoteSetup:
    """A participatory budget in its vote phase: support votes, at most ``max_votes`` per
    ballot, ``proposals`` accepted proposals with costs."""
    spec = msgspec.convert(
        {
            "slug": slug,
            "title": f"Budget participatif ({slug})",
            "kind": "budget",
            "description": "Votez pour vos projets préférés.",
            "vote": {"type": "support", "settings": {"max_votes": max_votes}},
            "budget": {"amount": 1_000_000, "rule": "greedy"},
            "phases": vote_phases(),
            "results_visibility": "live",
            **(extra or {}),
        },
        DialogueSpec,
        strict=False,
    )
    now = utcnow()
    async with database.session() as session:
        dialogue = await dialogues.create_dialogue(session, plugins, org, spec)
        rows = [
            Proposal(
                dialogue_id=dialogue.id,
                title=f"Projet {index + 1}",
                body=f"Description du projet {index + 1}.",
                fields={},
                cost=10_000 * (index % 9 + 1),
                status=ProposalStatus.ACCEPTED,
                published_at=now,
            )
            for index in range(proposals)
        ]
        session.add_all(rows)
        await session.commit()
        return VoteSetup(slug, dialogue.id, max_votes, [row.id for row in rows])
