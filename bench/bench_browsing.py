"""Benchmark browsing a large participatory budget on PostgreSQL: the proposal list (HTML
page and JSON API), filtered and paginated, and the GeoJSON of its map.

Usage: ``python bench/bench_browsing.py [--proposals 10000] [--ballots 100000]
[--connections 1 16] [--seconds 15] [--workers 2] [--server uvicorn|granian]
[--workloads WORD ...]``

The dialogue is bulk-loaded with ``COPY`` (``bench/bulk.py``): 10,000 proposals with
themes, sectors, places (70 %) and costs, 100,000 citizens whose confirmed ballots hold
10 votes each (1,000,000 votes, with their vote log), 50,000 comments. Each workload is a
list of addresses that ``wrk`` walks in turn (``bench/paths.lua``): first pages and deep
pages, every filter (theme, sector, status, a text search), every order. The load comes
from ``wrk`` in its own process; the app runs under the same server settings as the vote
burst. Prints a table and writes this script's section of ``bench/RESULTS.md``.

``--workloads`` runs only the workloads whose names contain one of the words given
(``--workloads geojson`` runs the two GeoJSON ones); such a partial run prints its table and
leaves ``bench/RESULTS.md`` alone, which holds the figures of a whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bulk, report, seed  # noqa: E402
from bench.bench_vote_burst import app_environment  # noqa: E402
from bench.servers import SERVERS, serve  # noqa: E402
from bench.wrk import WrkRun, run_wrk  # noqa: E402
from core.db import Database  # noqa: E402

SECTION = "bench_browsing"
DATABASE = "participe_bench_browsing"
SLUG = "browse"


async def prepare(args: argparse.Namespace) -> tuple[str, str, bulk.Loaded, float]:
    plugins = seed.bench_plugins()
    url = await seed.fresh_database(args.database_url, DATABASE, plugins)
    database = Database(url)
    try:
        org = await seed.organisation(database)
        token = (await seed.citizens(database, org, 1))[0]
        started = time.perf_counter()
        loaded = await bulk.load_dialogue(
            database,
            org.id,
            slug=SLUG,
            proposals=args.proposals,
            ballots=args.ballots,
            votes_per_ballot=10,
            comments=args.proposals * 5,
        )
        return url, token, loaded, time.perf_counter() - started
    finally:
        await database.dispose()


def query_mix(pages: int) -> list[str]:
    """Query strings of a browsing session: the first pages and deep ones, each filter,
    each order, a text search for a street name."""
    themes = [key for key, _ in bulk.THEMES]
    sectors = [key for key, _ in bulk.SECTORS]
    mix = []
    for i in range(48):
        theme, sector = themes[i % len(themes)], sectors[i % len(sectors)]
        mix += [
            f"page={i % 5 + 1}",
            f"page={(i * 37) % pages + 1}",
            f"theme={theme}&page={i % 4 + 1}",
            f"theme={theme}&sector={sector}",
            f"status=accepted&sort=cost&page={i % 3 + 1}",
            f"sort=title&page={i % 10 + 1}",
            f"q={quote(bulk.PLACES[(i * 13) % len(bulk.PLACES)].lower())}",
        ]
    return mix


def workloads(pages: int) -> dict[str, tuple[bool, list[str]]]:
    """Name: (signed in, paths)."""
    mix = query_mix(pages)
    themes = [key for key, _ in bulk.THEMES]
    base = f"/api/v1/dialogues/{SLUG}/proposals"
    return {
        "JSON list, 20 a page": (False, [f"{base}?per_page=20&{q}" for q in mix]),
        "JSON list, 100 a page": (False, [f"{base}?per_page=100&{q}" for q in mix[::3]]),
        "HTML grid, anonymous": (False, [f"/dialogues/{SLUG}/proposals?{q}" for q in mix]),
        "HTML list, signed in": (
            True,
            [f"/dialogues/{SLUG}/proposals?view=list&{q}" for q in mix],
        ),
        "GeoJSON, whole map": (False, [f"{base}.geojson"]),
        "GeoJSON, one theme": (False, [f"{base}.geojson?theme={t}" for t in themes]),
    }


def chosen_workloads(
    every: dict[str, tuple[bool, list[str]]], words: list[str] | None
) -> dict[str, tuple[bool, list[str]]]:
    """The workloads whose names hold one of ``words`` (any case), or all of them."""
    if not words:
        return every
    chosen = {
        name: workload
        for name, workload in every.items()
        if any(word.lower() in name.lower() for word in words)
    }
    if not chosen:
        raise SystemExit(f"--workloads: none of {words} names one of: {', '.join(every)}")
    return chosen


def paths_file(folder: Path, name: str, token: str | None, paths: list[str]) -> Path:
    path = folder / (name.replace(" ", "-").replace(",", "") + ".txt")
    path.write_text("\n".join([token or "-", *paths]) + "\n", encoding="utf-8")
    return path


HEADER = [
    "workload",
    "connections",
    "requests/s",
    "p50 (ms)",
    "p99 (ms)",
    "mean (ms)",
    "KiB/response",
    "errors",
    "load (1 min) after",
]


def row(name: str, connections: int, run: WrkRun, load: str) -> list[str]:
    f = run.figures
    size = f["bytes"] / max(1, f["ok"]) / 1024
    return [
        name,
        str(connections),
        f"{run.requests_per_second:,.0f}",
        f"{run.ms('p50_us'):.1f}",
        f"{run.ms('p99_us'):.1f}",
        f"{run.ms('mean_us'):.1f}",
        f"{size:,.1f}",
        str(run.errors),
        load,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--workloads",
        nargs="+",
        metavar="WORD",
        help="run only the workloads whose names contain one of these words (e.g. geojson); "
        "a partial run does not write bench/RESULTS.md",
    )
    args = parser.parse_args()
    every = workloads(args.proposals // 20)
    chosen = chosen_workloads(every, args.workloads)
    partial = len(chosen) < len(every)

    started = time.perf_counter()
    load_before = report.load_average()
    url, token, loaded, load_seconds = asyncio.run(prepare(args))
    rows: list[list[str]] = []
    notes: list[str] = []
    rss: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = app_environment(url, args.pool_size)
            log = Path(folder) / "app.log"
            with serve(
                args.server, "web.asgi:app_factory", workers=args.workers, env=env,
                probe="/api/v1/dialogues", log=log,
            ) as running:  # fmt: skip
                for name, (signed_in, paths) in chosen.items():
                    file = paths_file(Path(folder), name, token if signed_in else None, paths)
                    env_wrk = {"BENCH_PATHS_FILE": str(file)}
                    run_wrk(running.url, "paths.lua", connections=4, threads=args.threads,
                            seconds=3, env=env_wrk)  # fmt: skip
                    for connections in args.connections:
                        run = run_wrk(
                            running.url,
                            "paths.lua",
                            connections=connections,
                            threads=args.threads,
                            seconds=args.seconds,
                            env=env_wrk,
                        )
                        rows.append(row(name, connections, run, report.load_average()))
                        print(" | ".join(rows[-1]), flush=True)
                        if run.figures["error_samples"]:
                            notes.append(f"{name}: statuses {run.figures['error_samples'][:200]}")
                rss = running.worker_rss_mib()
            app_log = log.read_text(errors="replace")[-2000:]
    finally:
        if not args.keep:
            asyncio.run(seed.drop_database(args.database_url, DATABASE))
    if app_log.strip():
        print("app log (end):\n" + app_log)

    lines = [
        "## Browsing a large dialogue (`bench/bench_browsing.py`)",
        "",
        f"- date: {report.now()}",
        f"- machine: {report.machine()}",
        "- versions: "
        + report.package_versions([args.server, "litestar", "sqlalchemy", "psycopg", "jinja2"])
        + f"; {report.tool_version(['wrk', '--version'])}",
        f"- command: `{report.command_line()}` (total {time.perf_counter() - started:.0f} s)",
        f"- load average before the run: {load_before} (1, 5, 15 min)",
        f"- data: {loaded.proposals:,} proposals, {loaded.ballots:,} confirmed ballots holding "
        f"{loaded.votes:,} votes (and their vote log), {loaded.comments:,} comments, loaded "
        f"with COPY in {load_seconds:.0f} s",
        f"- set-up: {args.server}, {args.workers} workers, pool of {args.pool_size}; "
        f"{args.seconds:g} s per run after a 3 s warm-up; wrk with {args.threads} threads "
        "walking each workload's addresses in turn (`bench/paths.lua`): first and deep pages, "
        "theme, theme and sector, status with the cost order, the title order, a text search",
        "- resident memory of each worker after the runs: "
        + ", ".join(f"{value:.0f} MiB" for value in rss),
        "",
        *report.table(HEADER, rows),
        *(f"\n- {note}" for note in notes),
    ]
    print("\n".join(lines))
    if partial:
        print(f"(a partial run: {', '.join(chosen)}; bench/RESULTS.md left as it was)")
    elif not args.no_save:
        report.save_section(SECTION, lines)


if __name__ == "__main__":
    main()
