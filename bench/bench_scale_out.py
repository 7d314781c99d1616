"""Benchmark the vote burst on 1, 2 and 4 workers in front of one PostgreSQL, with Redis
configured for what the workers share (rate limits, results cache), and say which resource
runs out.

Usage: ``python bench/bench_scale_out.py [--workers 1 2 4] [--clients 200] [--seconds 20]
[--connections 60] [--server uvicorn|granian] [--redis-url redis://127.0.0.1:6379/0]``

The same burst as ``bench_vote_burst.py`` (citizens casting and withdrawing votes under a
max-votes rule, ``wrk`` with ``bench/votes.lua``), against the app served with 1, 2 and 4
workers. The workers share ``--connections`` PostgreSQL connections in all (each worker's
pool is its share: PostgreSQL allows 100 by default). During each run the CPU time of the
workers, of PostgreSQL, of Redis and of ``wrk`` is read from ``/proc``, in cores: the
resource that is saturated is the limit. The invariants are checked at the end. Prints a
table and writes this script's section of ``bench/RESULTS.md``.
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

from bench import cpu, report, seed  # noqa: E402
from bench.bench_vote_burst import (  # noqa: E402
    SLUG,
    app_environment,
    burst,
    invariants,
    prepare,
    recount,
    votes_file,
)
from bench.servers import SERVERS, serve, settle  # noqa: E402

SECTION = "bench_scale_out"
DATABASE = "participe_bench_burst"

HEADER = [
    "workers",
    "pool per worker",
    "citizens",
    "requests/s",
    "vs 1 worker",
    "p50 (ms)",
    "p99 (ms)",
    "errors",
    "CPU: workers",
    "postgres",
    "redis",
    "wrk",
    "other",
    "idle",
    "load (1 min) after",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--connections", type=int, default=60, help="for all workers")
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--max-votes", type=int, default=3)
    parser.add_argument(
        "--redis-url", default=os.environ.get("PARTICIPE_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    started = time.perf_counter()
    load_before = report.load_average()
    per_run = [args.clients, args.clients]  # a warm-up and the burst, each its own citizens
    url, setup = asyncio.run(
        prepare(args.database_url, len(args.workers) * sum(per_run), 20, args.max_votes)
    )
    rows: list[list[str]] = []
    first_rate = 0.0
    try:
        with tempfile.TemporaryDirectory() as folder:
            used = 0
            for workers in args.workers:
                # Same total of connections whatever the number of workers; a pool holds a
                # third of its connections and opens the rest under load.
                pool = max(1, args.connections // workers // 3)
                env = app_environment(url, pool, redis_url=args.redis_url)
                log = Path(folder) / f"app-{workers}.log"
                with serve(
                    args.server, "web.asgi:app_factory", workers=workers, env=env,
                    probe="/api/v1/dialogues", log=log,
                ) as running:  # fmt: skip
                    runs = []
                    for count, seconds in zip(per_run, (args.warmup, args.seconds), strict=True):
                        tokens = setup.tokens[used : used + count]
                        used += count
                        votes = votes_file(
                            Path(folder), f"w{workers}-{used}.txt", f"/api/v1/dialogues/{SLUG}",
                            setup, tokens,
                        )  # fmt: skip
                        pids = running.worker_pids()
                        before = cpu.sample(pids, DATABASE)
                        run_started = time.perf_counter()
                        runs.append(burst(running, votes, count, seconds, args.threads))
                        taken = cpu.shares(
                            before, cpu.sample(pids, DATABASE), time.perf_counter() - run_started
                        )
                        settle(running.url + "/api/v1/dialogues")
                    run = runs[-1]
                    rate = run.requests_per_second
                    first_rate = first_rate or rate
                    rows.append(
                        [
                            str(workers),
                            f"{pool} (+{pool * 2})",
                            str(args.clients),
                            f"{rate:,.0f}",
                            f"{rate / first_rate:.2f}x",
                            f"{run.ms('p50_us'):.1f}",
                            f"{run.ms('p99_us'):.1f}",
                            str(run.errors),
                            *(
                                f"{taken[name]:.2f}"
                                for name in (
                                    "app workers",
                                    "postgres",
                                    "redis",
                                    "wrk",
                                    "other",
                                    "idle",
                                )
                            ),
                            report.load_average(),
                        ]
                    )
                    print(" | ".join(rows[-1]), flush=True)
        held = asyncio.run(invariants(url, setup.dialogue_id, setup.max_votes))
        recounted, recount_line = recount(url)
    finally:
        if not args.keep:
            asyncio.run(seed.drop_database(args.database_url, DATABASE))

    lines = [
        "## Scale-out: the vote burst on 1, 2 and 4 workers (`bench/bench_scale_out.py`)",
        "",
        f"- date: {report.now()}",
        f"- machine: {report.machine()}",
        "- versions: "
        + report.package_versions([args.server, "litestar", "sqlalchemy", "psycopg", "redis"])
        + f"; {report.tool_version(['redis-server', '--version'])}",
        f"- command: `{report.command_line()}` (total {time.perf_counter() - started:.0f} s)",
        f"- load average before the run: {load_before} (1, 5, 15 min)",
        f"- set-up: {args.server}; PARTICIPE_REDIS_URL set (rate limits and results cache in "
        "Redis): rate limits on, with `vote` and `vote_ip` at 1,000,000/minute, so that every "
        "vote counts against its address and its account in Redis (one round trip for both) "
        f"and none is refused; {args.connections} PostgreSQL connections at most for all workers; "
        f"{args.clients} citizens for {args.seconds:g} s after a {args.warmup:g} s warm-up",
        "- CPU columns: cores used during the burst (2.00 = both CPUs all along), read from "
        "/proc: the app's workers, the PostgreSQL backends serving the benchmark's database, "
        "Redis, wrk, the rest of the machine (other engineers' processes included), and what "
        "stayed idle",
        f"- invariants after the runs: fullest ballot {held['fullest']} (max {args.max_votes}), "
        f"{held['over']} over the maximum; `participe recount {SLUG}`: {recount_line}",
        "",
        *report.table(HEADER, rows),
    ]
    print("\n".join(lines))
    if not args.no_save:
        report.save_section(SECTION, lines)
    if held["over"] or not recounted:
        raise SystemExit("invariants broken")


if __name__ == "__main__":
    main()
