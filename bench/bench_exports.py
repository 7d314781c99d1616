"""Benchmark the back office's exports on PostgreSQL: 1,000,000 ballot rows (one per vote)
to CSV and to XLSX, and 250,000 questionnaire answers, through the export route.

Usage: ``python bench/bench_exports.py [--ballots 100000] [--responses 25000]``

``--only ballots-csv`` (one or more ``WHAT-FORMAT`` cases) runs a part of the
benchmark, ``--repeat 3`` each export three times; such partial runs print their table
but never write ``bench/RESULTS.md``.

Each export runs in a process of its own (``bench/export_once.py``): the app is built
there and ``GET /api/v1/admin/dialogues/{slug}/export?what=...&format=...`` is called
in-process, the streamed file counted and dropped. Reported: the time until the last
byte, the size, and the process's resident memory before the export and at its peak
(``VmHWM``), so that the export's own share shows. Prints a table and writes this
script's section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench import bulk, report, seed  # noqa: E402
from core.db import Database, utcnow  # noqa: E402

SECTION = "bench_exports"
DATABASE = "participe_bench_exports"
#: The exported datasets, with the dialogue that holds each.
CASES = (("ballots", "ballots"), ("responses", "questions"))


def _options(*keys: str) -> list[dict[str, str]]:
    return [{"key": key, "label": key.capitalize()} for key in keys]


QUESTIONS = [
    {"kind": "single", "text": "Votre quartier ?", "options": _options(*"abcdefgh")},
    {"kind": "multiple", "text": "Vos trajets ?", "options": _options("pied", "velo", "bus")},
    {"kind": "scale", "text": "Votre satisfaction ?", "min": 1, "max": 5},
    {"kind": "ranking", "text": "Vos priorités ?", "options": _options("parcs", "ecoles", "sport")},
    {"kind": "text", "text": "Une idée ?"},
] * 2


async def prepare(args: argparse.Namespace) -> tuple[str, str, float]:
    plugins = seed.bench_plugins()
    url = await seed.fresh_database(args.database_url, DATABASE, plugins)
    database = Database(url)
    try:
        org = await seed.organisation(database)
        token = await seed.admin_token(database, org)
        started = time.perf_counter()
        await bulk.load_dialogue(
            database, org.id, slug="ballots", proposals=1_000, ballots=args.ballots,
            votes_per_ballot=10, comments=0,
        )  # fmt: skip
        setup = await seed.vote_dialogue(
            database, plugins, org, slug="questions", proposals=0, max_votes=1,
            extra={"kind": "questionnaire", "vote": None, "budget": None,
                   "questionnaire": {"questions": QUESTIONS}},
        )  # fmt: skip
        await load_answers(database, setup.dialogue_id, args.responses)
        return url, token, time.perf_counter() - started
    finally:
        await database.dispose()


async def load_answers(database: Database, dialogue_id: int, responses: int) -> None:
    """``responses`` responses of citizens to every question (10 answers each)."""
    rng = numpy.random.default_rng(3)
    now = utcnow().isoformat()
    async with database.engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        questions = (
            await connection.execute(
                text(
                    "SELECT id, kind FROM questionnaire_questions WHERE dialogue_id = :d"
                    " ORDER BY position"
                ),
                {"d": dialogue_id},
            )
        ).all()
        first_user = (await connection.execute(text("SELECT min(id) FROM users"))).scalar_one()
        first = (
            await connection.execute(
                text("SELECT coalesce(max(id), 0) + 1 FROM questionnaire_responses")
            )
        ).scalar_one()
        await bulk._copy(
            connection,
            "questionnaire_responses",
            ["id", "dialogue_id", "user_id", "submitted_at", "updated_at"],
            bulk._copy_text(
                (first + i, dialogue_id, first_user + i, now, now) for i in range(responses)
            ),
        )

        def value(kind: str) -> str:
            if kind == "single":
                return json.dumps("abcdefgh"[int(rng.integers(0, 8))])
            if kind == "multiple":
                return json.dumps(["pied", "velo", "bus"][: int(rng.integers(1, 4))])
            if kind == "scale":
                return str(int(rng.integers(1, 6)))
            if kind == "ranking":
                return json.dumps(["ecoles", "parcs", "sport"])
            return json.dumps(bulk._sentence(rng, 8))

        await bulk._copy(
            connection,
            "questionnaire_answers",
            ["response_id", "question_id", "value"],
            bulk._copy_text(
                (first + i, question_id, value(kind))
                for i in range(responses)
                for question_id, kind in questions
            ),
        )
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))


def export(url: str, slug: str, token: str, what: str, format: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.export_once", url, slug, token, what, format],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("EXPORT_JSON "):
            figures: dict[str, float] = json.loads(line.removeprefix("EXPORT_JSON "))
            return figures
    raise RuntimeError(f"the export printed no figures:\n{done.stdout}\n{done.stderr[-3000:]}")


HEADER = [
    "export",
    "rows",
    "format",
    "seconds",
    "MiB written",
    "RSS before (MiB)",
    "peak RSS (MiB)",
    "status",
    "load (1 min) after",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000, help="10 votes each")
    parser.add_argument("--responses", type=int, default=25_000, help="10 answers each")
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[f"{what}-{format}" for what, _ in CASES for format in ("csv", "xlsx")],
        help="run only these exports (a partial run: RESULTS.md is not written)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each export N times (N > 1: not saved)"
    )
    args = parser.parse_args()
    partial = args.only is not None or args.repeat != 1
    if args.only is not None and not any(c.startswith("responses-") for c in args.only):
        args.responses = 0  # nothing reads them: skip loading them

    started = time.perf_counter()
    load_before = report.load_average()
    url, token, load_seconds = asyncio.run(prepare(args))
    rows: list[list[str]] = []
    try:
        for (what, slug), format, _ in itertools.product(CASES, args.formats, range(args.repeat)):
            count = args.ballots * 10 if what == "ballots" else args.responses * 10
            if args.only is None or f"{what}-{format}" in args.only:
                figures = export(url, slug, token, what, format)
                rows.append(
                    [
                        what,
                        f"{count:,} " + ("votes" if what == "ballots" else "answers"),
                        format,
                        f"{figures['seconds']:.1f}",
                        f"{figures['bytes'] / 2**20:,.1f}",
                        f"{figures['rss_before_mib']:.0f}",
                        f"{figures['peak_rss_mib']:.0f}",
                        str(int(figures["status"])),
                        report.load_average(),
                    ]
                )
                print(" | ".join(rows[-1]), flush=True)
    finally:
        if not args.keep:
            asyncio.run(seed.drop_database(args.database_url, DATABASE))
    lines = [
        "## Exports (`bench/bench_exports.py`)",
        "",
        f"- date: {report.now()}",
        f"- machine: {report.machine()}",
        "- versions: " + report.package_versions(["litestar", "sqlalchemy", "psycopg", "openpyxl"]),
        f"- command: `{report.command_line()}` (total {time.perf_counter() - started:.0f} s)",
        f"- load average before the run: {load_before} (1, 5, 15 min)",
        f"- data: {args.ballots:,} confirmed ballots of 10 votes (one export row per vote), "
        f"{args.responses:,} questionnaire responses of 10 answers (one row per response, a "
        f"column per question), loaded with COPY in {load_seconds:.0f} s",
        "- each export in a process of its own through the export route (in-process ASGI, "
        "`bench/export_once.py`), the file streamed and counted; peak RSS is the process's "
        "`VmHWM` (the app included: compare with the RSS before)",
        "",
        *report.table(HEADER, rows),
    ]
    print("\n".join(lines))
    if not args.no_save and not partial:
        report.save_section(SECTION, lines)


if __name__ == "__main__":
    main()
