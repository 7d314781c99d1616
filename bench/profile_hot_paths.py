"""Profile the hot paths in-process: a vote, the proposal lists (JSON, HTML, GeoJSON) and a
proposal page, on PostgreSQL.

Usage: ``python bench/profile_hot_paths.py [--proposals 2000] [--ballots 20000]
[--requests 300] [--profile vote|api_list|html_list|...]``

Each path is called through the app's ASGI interface (no server, no HTTP client), so what
is measured is the app's own cost: wall time and CPU time per request, and SQL statements
per request (counted on the engine with ``before_cursor_execute``). ``--profile NAME`` runs
that path under pyinstrument and prints where the time goes. Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from bench import bulk, seed  # noqa: E402
from bench.asgi import call  # noqa: E402
from core.db import Database  # noqa: E402
from core.settings import Settings  # noqa: E402
from web.app import create_app  # noqa: E402

DATABASE = "participe_bench_profile"

Request = Callable[[int], Awaitable[tuple[int, bytes]]]


async def prepare(args: argparse.Namespace) -> tuple[str, seed.VoteSetup, bulk.Loaded]:
    plugins = seed.bench_plugins()
    url = await seed.fresh_database(args.database_url, args.database_name, plugins)
    database = Database(url)
    try:
        org = await seed.organisation(database)
        setup = await seed.vote_dialogue(
            database, plugins, org, slug="burst", proposals=20, max_votes=3
        )
        setup.tokens = await seed.citizens(database, org, 3)
        loaded = await bulk.load_dialogue(
            database, org.id, slug="browse", proposals=args.proposals, ballots=args.ballots,
            votes_per_ballot=10, comments=args.proposals * 5,
        )  # fmt: skip
        return url, setup, loaded
    finally:
        await database.dispose()


def paths(app: Any, setup: seed.VoteSetup, first_proposal: int) -> dict[str, Request]:
    bearer = {"Authorization": f"Bearer {setup.tokens[0]}"}
    vote_url = f"/api/v1/dialogues/burst/ballot/votes/{setup.proposal_ids[0]}"
    themes = [key for key, _ in bulk.THEMES]

    async def vote(i: int) -> tuple[int, bytes]:
        if i % 2 == 0:
            return await call(app, "PUT", vote_url, {**bearer, "content-type": "application/json"},
                              b"{}")  # fmt: skip
        return await call(app, "DELETE", vote_url, bearer)

    def query(i: int) -> str:
        return f"theme={themes[i % len(themes)]}&page={i % 7 + 1}"

    async def api_list(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/api/v1/dialogues/browse/proposals?per_page=20&{query(i)}")

    async def api_list_100(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/api/v1/dialogues/browse/proposals?per_page=100&{query(i)}")

    async def html_list(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/dialogues/browse/proposals?{query(i)}")

    async def html_list_signed(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/dialogues/browse/proposals?view=list&{query(i)}", bearer)

    async def geojson(i: int) -> tuple[int, bytes]:
        theme = themes[i % len(themes)]
        return await call(app, "GET", f"/api/v1/dialogues/browse/proposals.geojson?theme={theme}")

    async def geojson_map(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", "/api/v1/dialogues/browse/proposals.geojson")

    async def proposal_page(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/proposals/{first_proposal + i % 50}")

    async def api_proposal(i: int) -> tuple[int, bytes]:
        return await call(app, "GET", f"/api/v1/proposals/{first_proposal + i % 50}")

    found: dict[str, Request] = {
        "vote": vote,
        "api_list": api_list,
        "api_list_100": api_list_100,
        "html_list": html_list,
        "html_list_signed": html_list_signed,
        "geojson": geojson,
        "geojson_map": geojson_map,
        "proposal_page": proposal_page,
        "api_proposal": api_proposal,
    }
    return found


async def measure(
    database: Database, name: str, request: Request, count: int, show_sql: bool = False
) -> dict[str, float]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for i in range(20):  # warm-up: caches, prepared statements
        status, body = await request(i)
        if status >= 400:
            raise SystemExit(f"{name}: {status} {body[:300]!r}")
    walls: list[float] = []
    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    cpu_start = time.process_time()
    for i in range(count):
        start = time.perf_counter()
        await request(i)
        walls.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu_start
    event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    queries = [s for s in statements if not s.lstrip().upper().startswith("BEGIN")]
    if show_sql:  # the statements of the last request
        per_request = len(queries) // count
        for statement in queries[-per_request:]:
            print(f"--- {name}\n{statement}")
    return {
        "mean_ms": statistics.fmean(walls) * 1000,
        "p50_ms": statistics.median(walls) * 1000,
        "cpu_ms": cpu / count * 1000,
        "queries": len(queries) / count,
    }


async def run(args: argparse.Namespace) -> None:
    url, setup, loaded = await prepare(args)
    database = Database(url)
    settings = Settings(
        database_url=url,
        production=True,
        secret_key="bench-secret-key-bench-secret-key-0123456789",
        load_entry_points=False,
        rate_limit_overrides={"vote": "1000000/minute", "vote_ip": "1000000/minute"},
        results_sweep_seconds=0,
    )
    app = create_app(settings, database=database)
    try:
        async with app.lifespan():
            async with database.engine.connect() as connection:
                first = await connection.scalar(
                    text("SELECT min(id) FROM proposals WHERE dialogue_id = :d"),
                    {"d": loaded.dialogue_id},
                )
            table = paths(app, setup, int(first or 0))
            chosen = args.paths or list(table)
            print(f"{'path':<18} {'mean ms':>8} {'p50 ms':>8} {'CPU ms':>8} {'queries':>8}")
            for name in chosen:
                figures = await measure(database, name, table[name], args.requests, args.show_sql)
                print(
                    f"{name:<18} {figures['mean_ms']:8.2f} {figures['p50_ms']:8.2f} "
                    f"{figures['cpu_ms']:8.2f} {figures['queries']:8.1f}",
                    flush=True,
                )
            if args.profile and args.cprofile:
                import cProfile
                import pstats

                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for i in range(args.requests):
                    await table[args.profile](i)
                profile.disable()
                stats = pstats.Stats(profile)
                stats.sort_stats(args.cprofile).print_stats(45)
            elif args.profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002, async_mode="enabled")
                profiler.start()
                for i in range(args.requests):
                    await table[args.profile](i)
                profiler.stop()
                print(profiler.output_text(unicode=False, color=False, show_all=args.show_all))
    finally:
        await database.dispose()
        if not args.keep:
            await seed.drop_database(args.database_url, args.database_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--ballots", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--paths", nargs="*")
    parser.add_argument("--profile", help="a path to profile with pyinstrument")
    parser.add_argument(
        "--cprofile", metavar="SORT", help="profile with cProfile instead, sorted by SORT"
    )
    parser.add_argument("--database-name", default=DATABASE, help="the benchmark database's name")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the SQL statements of each path"
    )
    parser.add_argument("--show-all", action="store_true", help="pyinstrument: every frame")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
