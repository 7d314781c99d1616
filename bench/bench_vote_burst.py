"""Benchmark the vote burst of a participatory budget on PostgreSQL, beside its ceiling.

Usage: ``python bench/bench_vote_burst.py [--clients 50 200] [--seconds 20] [--workers 2]
[--server uvicorn|granian] [--pool-size 10] [--database-url postgresql://...]``

N citizens (one connection each) cast and withdraw support votes through the HTTP API
(``PUT``/``DELETE /api/v1/dialogues/burst/ballot/votes/{id}``, Bearer tokens) on a dialogue
whose rule allows ``--max-votes`` votes per ballot; one time in ten a citizen at the maximum
tries one more, which the rule must refuse (409 ``vote.max_exceeded``, counted apart, not
as an error). The load comes from ``wrk`` (Debian's package) in its own process, driven by
``bench/votes.lua``.

In the same run and with the same server, workers and pool size, the ceiling: a bare
Litestar route doing one ``INSERT`` through a psycopg pool (``bench/ceiling.py``), sent the
same requests. Our figure is reported as a share of it. Before the bursts, the latency of
one vote on the idle server (one citizen, one request at a time).

At the end, the invariants: no ballot holds more than ``--max-votes`` votes, and
``participe recount burst`` (the tally rebuilt from the vote log) equals the tally of the
ballots. Prints a table and writes this script's section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench import report, seed  # noqa: E402
from bench.ceiling import CREATE_TABLE  # noqa: E402
from bench.servers import SERVERS, Running, serve, settle  # noqa: E402
from bench.wrk import WrkRun, run_wrk  # noqa: E402
from core.db import Database  # noqa: E402

SECTION = "bench_vote_burst"
DATABASE = "participe_bench_burst"
SLUG = "burst"


def app_environment(url: str, pool_size: int, redis_url: str | None = None) -> dict[str, str]:
    """The app's environment in a benchmark: production settings; rate limits on but high
    enough that the burst, all from one address, is never refused."""
    env = {
        "PARTICIPE_DATABASE_URL": url,
        "PARTICIPE_PRODUCTION": "on",
        "PARTICIPE_SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
        "PARTICIPE_BASE_URL": "http://127.0.0.1",
        "PARTICIPE_DATABASE_POOL_SIZE": str(pool_size),
        "PARTICIPE_RATE_LIMIT_VOTE": "1000000/minute",
        "PARTICIPE_RATE_LIMIT_VOTE_IP": "1000000/minute",
        "PARTICIPE_LOAD_ENTRY_POINTS": "off",
    }
    if redis_url:
        env["PARTICIPE_REDIS_URL"] = redis_url
        env["PARTICIPE_REDIS_PREFIX"] = f"bench-{os.getpid()}"
    return env


def votes_file(
    folder: Path, name: str, prefix: str, setup: seed.VoteSetup, tokens: list[str]
) -> Path:
    path = folder / name
    lines = [prefix, str(setup.max_votes), " ".join(map(str, setup.proposal_ids)), *tokens]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plan(clients: list[int]) -> list[tuple[str, int]]:
    """The runs against each server, in order: a warm-up, one citizen alone (the latency
    of a vote on an idle server), then each burst. Each run has citizens of its own, so
    that every citizen starts with an empty ballot, as ``votes.lua`` assumes."""
    return [("warm-up", max(clients)), ("idle", 1), *((f"burst {n}", n) for n in clients)]


async def prepare(
    admin_url: str, citizens: int, proposals: int, max_votes: int
) -> tuple[str, seed.VoteSetup]:
    plugins = seed.bench_plugins()
    url = await seed.fresh_database(admin_url, DATABASE, plugins)
    database = Database(url)
    try:
        org = await seed.organisation(database)
        setup = await seed.vote_dialogue(
            database, plugins, org, slug=SLUG, proposals=proposals, max_votes=max_votes
        )
        setup.tokens = await seed.citizens(database, org, citizens)
        async with database.engine.begin() as connection:
            await connection.execute(text(CREATE_TABLE))
        return url, setup
    finally:
        await database.dispose()


async def invariants(url: str, dialogue_id: int, max_votes: int) -> dict[str, int]:
    """What the database holds after the bursts: ballots, votes, the fullest ballot, the
    ballots over the maximum, and the vote log's length."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT count(*), coalesce(sum(n), 0), coalesce(max(n), 0),"
                        " count(*) FILTER (WHERE n > :max) FROM (SELECT b.id, count(v.ballot_id)"
                        " AS n FROM ballots b LEFT JOIN votes v ON v.ballot_id = b.id"
                        " WHERE b.dialogue_id = :d GROUP BY b.id) AS per_ballot"
                    ),
                    {"d": dialogue_id, "max": max_votes},
                )
            ).one()
            log = await connection.scalar(
                text("SELECT count(*) FROM vote_log WHERE dialogue_id = :d"), {"d": dialogue_id}
            )
    finally:
        await database.dispose()
    ballots, votes, fullest, over = (int(value) for value in row)
    return {"ballots": ballots, "votes": votes, "fullest": fullest, "over": over, "log": log or 0}


def recount(url: str) -> tuple[bool, str]:
    """Runs ``participe recount burst``: its exit code says whether the tally rebuilt from
    the vote log equals the tally of the ballots."""
    done = seed.participe(url, "recount", SLUG)
    last = (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]
    return done.returncode == 0, last


def burst(running: Running, votes: Path, clients: int, seconds: float, threads: int) -> WrkRun:
    return run_wrk(
        running.url,
        "votes.lua",
        connections=clients,
        threads=threads,
        seconds=seconds,
        env={"BENCH_VOTES_FILE": str(votes)},
    )


def row(label: str, clients: int, run: WrkRun, ceiling: WrkRun | None, load: str) -> list[str]:
    ratio = f"{run.requests_per_second / ceiling.requests_per_second:.0%}" if ceiling else "-"
    f = run.figures
    return [
        label,
        str(clients),
        f"{run.requests_per_second:,.0f}",
        ratio,
        f"{run.ms('p50_us'):.1f}",
        f"{run.ms('p99_us'):.1f}",
        f"{run.ms('mean_us'):.1f}",
        f"{f['ok']:,}",
        f"{f['refused']:,}",
        str(run.errors),
        load,
    ]


HEADER = [
    "server",
    "citizens",
    "requests/s",
    "of ceiling",
    "p50 (ms)",
    "p99 (ms)",
    "mean (ms)",
    "200",
    "409 max_exceeded",
    "errors",
    "load (1 min) after",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--proposals", type=int, default=20)
    parser.add_argument("--max-votes", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    started = time.perf_counter()
    load_before = report.load_average()
    runs = plan(args.clients)
    url, setup = asyncio.run(
        prepare(args.database_url, sum(n for _, n in runs), args.proposals, args.max_votes)
    )
    figures: dict[tuple[str, str], tuple[WrkRun, str]] = {}
    rss: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            servers = [
                (
                    "ceiling",
                    "bench.ceiling:app_factory",
                    "/ceiling/dialogues",
                    "/ceiling/ping",
                    {
                        "BENCH_DATABASE_URL": seed.plain_url(url),
                        "BENCH_POOL_SIZE": str(args.pool_size),
                    },
                ),
                (
                    "participe",
                    "web.asgi:app_factory",
                    "/api/v1/dialogues",
                    "/api/v1/dialogues",
                    app_environment(url, args.pool_size),
                ),
            ]
            # One server at a time: both pools at once would exceed PostgreSQL's
            # max_connections (100 by default).
            for name, target, prefix, probe, env in servers:
                log = Path(folder) / f"{name}.log"
                with serve(
                    args.server, target, workers=args.workers, env=env, probe=probe, log=log
                ) as running:
                    first = 0
                    for label, count in runs:
                        tokens = setup.tokens[first : first + count]
                        first += count
                        votes = votes_file(
                            Path(folder), f"{name}-{count}.txt", f"{prefix}/{SLUG}", setup, tokens
                        )
                        seconds = {"warm-up": args.warmup, "idle": 10}.get(label, args.seconds)
                        threads = 1 if count == 1 else args.threads
                        run = burst(running, votes, count, seconds, threads)
                        settle(running.url + probe)
                        figures[name, label] = (run, report.load_average())
                        rate, p99 = run.requests_per_second, run.ms("p99_us")
                        print(f"{name} {label}: {rate:,.0f}/s, p99 {p99:.1f} ms", flush=True)
                    if name == "participe":
                        rss = running.worker_rss_mib()
            app_log = (Path(folder) / "participe.log").read_text(errors="replace")[-2000:]
        held = asyncio.run(invariants(url, setup.dialogue_id, setup.max_votes))
        recounted, recount_line = recount(url)
    finally:
        if not args.keep:
            asyncio.run(seed.drop_database(args.database_url, DATABASE))

    rows: list[list[str]] = []
    notes: list[str] = []
    for label, count in runs[1:]:
        ceiling, ceiling_load = figures["ceiling", label]
        ours, our_load = figures["participe", label]
        rows.append(row("ceiling", count, ceiling, None, ceiling_load))
        rows.append(row("participe", count, ours, ceiling, our_load))
        if ours.figures["error_samples"]:
            notes.append(f"errors at {count}: {ours.figures['error_samples'][:300]}")
    if app_log.strip():
        print("app log (end):\n" + app_log)
    ok = held["over"] == 0 and recounted
    lines = [
        "## Vote burst (`bench/bench_vote_burst.py`)",
        "",
        f"- date: {report.now()}",
        f"- machine: {report.machine()}",
        "- versions: "
        + report.package_versions(
            [args.server, "litestar", "sqlalchemy", "psycopg", "msgspec", "uvloop"]
        )
        + f"; {report.tool_version(['wrk', '--version'])}; PostgreSQL on 127.0.0.1",
        f"- command: `{report.command_line()}` (total {time.perf_counter() - started:.0f} s)",
        f"- load average before the run: {load_before} (1, 5, 15 min)",
        f"- set-up: {args.server}, {args.workers} workers, pool of {args.pool_size} connections "
        f"(+{args.pool_size * 2} overflow), a support vote with max_votes={args.max_votes} on "
        f"{args.proposals} proposals; {args.seconds:g} s per burst after a "
        f"{args.warmup:g} s warm-up; wrk with {args.threads} threads, one connection per "
        "citizen, `bench/votes.lua`; the ceiling is `bench/ceiling.py` (one INSERT per request); "
        "rate limits on, as in production, with `vote` and `vote_ip` at 1,000,000/minute so "
        "that the burst, from one address, is never refused (counters in the worker's memory)",
        f"- invariants after the bursts: {held['ballots']:,} ballots, {held['votes']:,} votes, "
        f"fullest ballot {held['fullest']} (max {args.max_votes}), "
        f"{held['over']} over the maximum; vote log {held['log']:,} entries; "
        f"`participe recount {SLUG}`: {recount_line}",
        "- resident memory of each worker after the bursts: "
        + ", ".join(f"{value:.0f} MiB" for value in rss),
        "",
        *report.table(HEADER, rows),
        *(f"\n- {note}" for note in notes),
    ]
    text_ = "\n".join(lines)
    print(text_)
    if not args.no_save:
        report.save_section(SECTION, lines)
    if not ok:
        raise SystemExit("invariants broken: " + repr(held) + " " + recount_line)


if __name__ == "__main__":
    main()
