"""Benchmark telling 20,000 followers that a vote opens, on PostgreSQL: how long the news,
the emails and their delivery by SMTP take, and what a page costs meanwhile.

Usage: ``python bench/bench_notifications.py [--citizens 20000] [--rate 20]
[--high-rate 1000] [--window 60] [--high-window 30] [--seconds 15] [--connections 2]
[--workers 2]``

A dialogue in its proposals phase (20 proposals, written by some of the citizens) is
followed by ``--citizens`` citizens (users and ``follows`` rows loaded with ``COPY``: an
explicit follow each, each with an email). The app runs as in production (uvicorn,
``--workers`` workers, ``bench/servers.py``) with its mail queue sending by SMTP to a
server of the benchmark's own (aiosmtpd in its own process, ``bench/smtp_sink.py``),
which counts what it accepts.

1. The page (the dialogue's page and its proposals list, in turn, anonymous, with
   ``wrk`` and ``bench/paths.lua``) is measured on the idle server.
2. An admin switches the dialogue to its vote phase (``POST
   /api/v1/admin/dialogues/{slug}/phase``). While the page is under the same load, the
   benchmark watches the database and the SMTP server: when the news exists (the event
   job), when every email is composed into the outbox, how many are sent in
   ``--window`` seconds at ``--rate`` emails a second (the default rate).
3. The server is stopped with most emails still waiting, and started again at
   ``--high-rate``: the queue must survive the restart. The page is measured for
   ``--high-window`` seconds while it sends, then the rest is sent on an idle site: how
   fast delivery goes, busy and alone. The SMTP server's own pace (one connection, the
   same message, no database) is measured apart, to show that it is not what limits it.

At the end, the invariants: one piece of news per citizen, one email per citizen in the
outbox and at the SMTP server (no duplicate), none given up. Prints a table and writes
this script's section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench import bulk, report, seed  # noqa: E402
from bench.bench_browsing import paths_file  # noqa: E402
from bench.bench_vote_burst import app_environment  # noqa: E402
from bench.servers import SERVERS, Running, free_port, serve  # noqa: E402
from bench.smtp_sink import Sink, ceiling, running_sink  # noqa: E402
from bench.wrk import WrkRun, run_wrk, start_wrk  # noqa: E402
from core.db import Database, utcnow  # noqa: E402
from core.mail.delivery import MAX_ATTEMPTS  # noqa: E402
from core.mail.smtp import build_email  # noqa: E402
from core.models import OutboxMessage, Proposal  # noqa: E402
from core.models.proposals import ProposalStatus  # noqa: E402
from core.services import dialogues  # noqa: E402
from core.specs import DialogueSpec  # noqa: E402

SECTION = "bench_notifications"
DATABASE = "participe_bench_notifications"
SLUG = "notif"
PROPOSALS = 20


@dataclass
class Setup:
    url: str
    dialogue_id: int
    token: str
    emails: set[str]
    load_seconds: float


async def prepare(args: argparse.Namespace) -> Setup:
    plugins = seed.bench_plugins()
    url = await seed.fresh_database(args.database_url, DATABASE, plugins)
    database = Database(url)
    try:
        org = await seed.organisation(database)
        token = await seed.admin_token(database, org)
        now = utcnow()
        spec = msgspec.convert(
            {
                "slug": SLUG,
                "title": "Budget participatif 2027",
                "kind": "budget",
                "description": "Proposez puis votez pour les projets de votre quartier.",
                "vote": {"type": "support", "settings": {"max_votes": 3}},
                "budget": {"amount": 1_000_000, "rule": "greedy"},
                "phases": [
                    {
                        "kind": "proposals",
                        "starts_at": now - timedelta(days=10),
                        "ends_at": now + timedelta(days=10),
                    },
                    {
                        "kind": "vote",
                        "starts_at": now + timedelta(days=10),
                        "ends_at": now + timedelta(days=40),
                    },
                    {"kind": "results"},
                ],
                "results_visibility": "live",
            },
            DialogueSpec,
            strict=False,
        )
        async with database.session() as session:
            dialogue = await dialogues.create_dialogue(session, plugins, org, spec)
            await session.commit()
            dialogue_id = dialogue.id
        started = time.perf_counter()
        async with database.engine.begin() as connection:
            first = await bulk._load_citizens(connection, org.id, args.citizens, now, "citizen")
            stamp = now.isoformat()
            await bulk._copy(
                connection,
                "follows",
                ["user_id", "dialogue_id", "proposal_id", "active", "created_at", "updated_at"],
                bulk._copy_text(
                    (first + i, dialogue_id, None, "t", stamp, stamp) for i in range(args.citizens)
                ),
            )
        async with database.session() as session:
            session.add_all(
                Proposal(
                    dialogue_id=dialogue_id,
                    author_id=first + index,
                    title=f"Projet {index + 1}",
                    body=f"Description du projet {index + 1}.",
                    fields={},
                    cost=10_000 * (index % 9 + 1),
                    status=ProposalStatus.PUBLISHED,
                    published_at=now,
                )
                for index in range(PROPOSALS)
            )
            await session.commit()
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
        load_seconds = time.perf_counter() - started
        emails = {f"citizen{first + i}@bench.test" for i in range(args.citizens)}
        return Setup(url, dialogue_id, token, emails, load_seconds)
    finally:
        await database.dispose()


# -- watching the queue ------------------------------------------------------------

#: One scan of the news, a small table (the outbox holds the bodies): the news recorded,
#: and the news mailed, which is marked in the transaction that queues its email.
PROGRESS = """
SELECT count(*), count(mailed_at) FROM notifications WHERE kind = 'phase_opened'
"""


@dataclass
class Sample:
    at: float
    notified: int
    composed: int
    received: int


@dataclass
class Progress:
    """Samples, every ``every`` seconds, the news, the emails composed and what the SMTP
    server received; a thread of the benchmark's own."""

    dsn: str
    sink: Sink
    every: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self._stop.is_set():
                row = connection.execute(PROGRESS).fetchone()
                assert row is not None
                received = self.sink.read()
                notified, composed = (int(value) for value in row)
                self.samples.append(Sample(time.monotonic(), notified, composed, received))
                self._stop.wait(self.every)

    def last(self) -> Sample:
        while not self.samples:
            time.sleep(0.05)
        return self.samples[-1]

    def first(self, name: str, value: int, since: float = 0.0) -> float | None:
        """When the figure ``name`` first reached ``value``."""
        for sample in self.samples:
            if sample.at >= since and getattr(sample, name) >= value:
                return sample.at
        return None

    def wait_for(self, name: str, value: int, *, since: float, seconds: float) -> float | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self.first(name, value, since)
            if found is not None:
                return found
            time.sleep(0.1)
        return None


def switch_to_vote(url: str, token: str) -> tuple[int, float]:
    request = urllib.request.Request(
        f"{url}/api/v1/admin/dialogues/{SLUG}/phase",
        data=json.dumps({"kind": "vote"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        status = answer.status
    return status, time.perf_counter() - started


def outbox_queue(url: str) -> list[str]:
    """What ``participe outbox queue`` prints."""
    done = seed.participe(url, "outbox", "queue")
    return [line.strip() for line in (done.stdout or done.stderr).strip().splitlines()]


async def invariants(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            news = (
                await connection.execute(
                    text(
                        "SELECT count(*), count(DISTINCT user_id),"
                        " count(*) FILTER (WHERE mailed_at IS NULL)"
                        " FROM notifications WHERE kind = 'phase_opened'"
                    )
                )
            ).one()
            mail = (
                await connection.execute(
                    text(
                        "SELECT count(*), count(DISTINCT recipient),"
                        " count(*) FILTER (WHERE sent_at IS NOT NULL),"
                        " count(*) FILTER (WHERE sent_at IS NULL AND attempts >= :max),"
                        " count(*) FILTER (WHERE attempts > 1),"
                        " count(*) FILTER (WHERE last_error IS NOT NULL)"
                        " FROM outbox_messages WHERE kind = 'notification'"
                    ),
                    {"max": MAX_ATTEMPTS},
                )
            ).one()
    finally:
        await database.dispose()
    names = ["news", "news_users", "news_unmailed"]
    names += ["emails", "email_recipients", "sent", "given_up", "retried", "errors"]
    return dict(zip(names, (int(value) for value in (*news, *mail)), strict=True))


async def one_email(url: str) -> tuple[OutboxMessage, int]:
    """A composed email, and the size of its MIME message."""
    database = Database(url)
    try:
        async with database.read_session() as session:
            message = await session.get(
                OutboxMessage,
                await session.scalar(text("SELECT min(id) FROM outbox_messages")),
            )
            assert message is not None
            return message, len(build_email(message).as_bytes())
    finally:
        await database.dispose()


# -- the report ----------------------------------------------------------------------

HEADER = [
    "while",
    "seconds",
    "requests/s",
    "p50 (ms)",
    "p90 (ms)",
    "p99 (ms)",
    "max (ms)",
    "errors",
    "emails sent meanwhile",
    "load (1 min) after",
]


@dataclass
class Stage:
    name: str
    run: WrkRun
    sent: int
    load: str

    def row(self) -> list[str]:
        run = self.run
        return [
            self.name,
            f"{run.figures['duration_us'] / 1e6:.0f}",
            f"{run.requests_per_second:,.0f}",
            f"{run.ms('p50_us'):.1f}",
            f"{run.ms('p90_us'):.1f}",
            f"{run.ms('p99_us'):.1f}",
            f"{run.ms('max_us'):.0f}",
            str(run.errors),
            f"{self.sent:,}",
            self.load,
        ]


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def mib(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values) + " MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=20, help="emails/s at first")
    parser.add_argument("--high-rate", type=float, default=1000, help="emails/s after restart")
    parser.add_argument("--window", type=float, default=60, help="seconds of sending at --rate")
    parser.add_argument(
        "--high-window", type=float, default=30, help="seconds of page load at --high-rate"
    )
    parser.add_argument("--seconds", type=float, default=15, help="idle page measure")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=900, help="longest wait per stage")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARTICIPE_BENCH_DATABASE_URL", seed.DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    n = args.citizens

    started = time.perf_counter()
    load_before = report.load_average()
    setup = asyncio.run(prepare(args))
    print(f"seeded {n:,} followers in {setup.load_seconds:.1f} s", flush=True)
    stages: list[Stage] = []
    times: dict[str, float | None] = {}
    rss: dict[str, list[float]] = {}
    notes: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            paths = paths_file(
                Path(folder), "page", None, [f"/dialogues/{SLUG}", f"/dialogues/{SLUG}/proposals"]
            )
            wrk_env = {"BENCH_PATHS_FILE": str(paths)}
            log = Path(folder) / "app.log"
            with running_sink(free_port(), Path(folder) / "smtp.txt") as sink:
                progress = Progress(seed.plain_url(setup.url), sink)

                def environment(rate: float) -> dict[str, str]:
                    return {
                        **app_environment(setup.url, args.pool_size),
                        "PARTICIPE_SMTP_URL": sink.url,
                        "PARTICIPE_MAIL_RATE": f"{rate:g}",
                    }

                def server(rate: float) -> AbstractContextManager[Running]:
                    return serve(
                        args.server, "web.asgi:app_factory", workers=args.workers,
                        env=environment(rate), probe="/api/v1/dialogues", log=log,
                    )  # fmt: skip

                def page(url: str, seconds: float) -> WrkRun:
                    return run_wrk(
                        url, "paths.lua", connections=args.connections, threads=args.threads,
                        seconds=seconds, env=wrk_env,
                    )  # fmt: skip

                def measured(name: str, run: WrkRun, sent: int) -> None:
                    stages.append(Stage(name, run, sent, report.load_average()))
                    print(" | ".join(stages[-1].row()), flush=True)

                def until(name: str, value: int, since: float, key: str, label: str) -> None:
                    """The page under load from now until figure ``name`` reaches
                    ``value``; the time it took, since ``since``, is ``times[key]``."""
                    sent_before = progress.last().received
                    running_wrk = start_wrk(
                        running.url, "paths.lua", connections=args.connections,
                        threads=args.threads, env=wrk_env,
                    )  # fmt: skip
                    reached = progress.wait_for(name, value, since=since, seconds=args.timeout)
                    run = running_wrk.stop()
                    times[key] = None if reached is None else reached - since
                    sent = progress.last().received - sent_before
                    measured(label, run, sent)

                with server(args.rate) as running:
                    page(running.url, 3)
                    idle = page(running.url, args.seconds)
                    measured("idle, before the switch", idle, 0)
                    rss["before the switch"] = running.worker_rss_mib()
                    progress.start()
                    progress.last()
                    switched = time.monotonic()
                    status, times["switch request"] = switch_to_vote(running.url, setup.token)
                    if status != 200:
                        raise SystemExit(f"the switch answered {status}")
                    until("notified", n, switched, "news recorded", "the news being recorded")
                    until(
                        "composed", n, switched, "emails composed",
                        f"the emails being composed (sending at {args.rate:g}/s)",
                    )  # fmt: skip
                    rss["after the composition"] = running.worker_rss_mib()
                    before = progress.last()
                    window = page(running.url, args.window)
                    after = progress.last()
                    sent = after.received - before.received
                    times["window rate"] = sent / (after.at - before.at)
                    measured(f"sending at {args.rate:g}/s", window, sent)
                    rss[f"after {args.window:g} s at {args.rate:g}/s"] = running.worker_rss_mib()
                time.sleep(1)
                at_stop = progress.last()
                waiting = outbox_queue(setup.url)
                print("\n".join(waiting), flush=True)
                with server(args.high_rate) as running:
                    restarted = time.monotonic()
                    resumed = progress.wait_for(
                        "received", at_stop.received + 1, since=restarted, seconds=args.timeout
                    )
                    times["first after restart"] = None if resumed is None else resumed - restarted
                    # The page while sending at the high rate, for a window; then the rest
                    # is sent on an idle site: the pace of delivery alone.
                    before = progress.last()
                    window = page(running.url, args.high_window)
                    after = progress.last()
                    sent = after.received - before.received
                    times["high rate under load"] = sent / (after.at - before.at)
                    measured(f"sending at {args.high_rate:g}/s after a restart", window, sent)
                    done = progress.wait_for("received", n, since=after.at, seconds=args.timeout)
                    times["delivered after restart"] = None if done is None else done - restarted
                    last = progress.last()
                    times["high rate alone"] = (last.received - after.received) / max(
                        1e-9, last.at - after.at
                    )
                    rss["after the delivery"] = running.worker_rss_mib()
                    time.sleep(2)
                    idle_after = page(running.url, args.seconds)
                    measured("idle, after the delivery", idle_after, 0)
                progress.stop()
                sink.read()
                first_sent = progress.first("received", 1, switched)
                message, size = asyncio.run(one_email(setup.url))
            # The SMTP server's own pace, on a server of its own: one connection, the
            # same message.
            with running_sink(free_port(), Path(folder) / "ceiling.txt") as other:
                sink_ceiling = asyncio.run(ceiling(other.port, build_email(message), 3000))
            app_log = log.read_text(errors="replace")[-3000:]
        held = asyncio.run(invariants(setup.url))
    finally:
        if not args.keep:
            asyncio.run(seed.drop_database(args.database_url, DATABASE))

    if app_log.strip():
        print("app log (end):\n" + app_log)
    received = sink.recipients()
    counted = Counter(received)
    duplicates = sum(count - 1 for count in counted.values() if count > 1)
    unknown = len(set(counted) - setup.emails)
    rest = n - at_stop.received
    delivered = times["delivered after restart"]
    ok = (
        held["news"] == n
        and held["news_users"] == n
        and held["emails"] == n
        and held["email_recipients"] == n
        and held["sent"] == n
        and held["given_up"] == 0
        and len(received) == n
        and len(counted) == n
        and unknown == 0
    )
    for stage in stages:
        if stage.run.figures["error_samples"]:
            notes.append(f"{stage.name}: statuses {stage.run.figures['error_samples'][:200]}")
    figures = [
        ("switch request (`POST .../phase`, answered)", seconds(times["switch request"])),
        (f"the {n:,} pieces of news recorded (event job), after the switch",
         seconds(times["news recorded"])),
        ("first email received by the SMTP server, after the switch",
         seconds(None if first_sent is None else first_sent - switched)),
        (f"the {n:,} emails composed into the outbox, after the switch",
         seconds(times["emails composed"])),
        ("composition pace", "-" if not times["emails composed"] else
         f"{n / times['emails composed']:,.0f} emails/s"),
        (f"sent in {args.window:g} s at PARTICIPE_MAIL_RATE={args.rate:g}",
         f"{times['window rate']:.1f} emails/s"),
        ("sent before the server was stopped, waiting in the outbox",
         f"{at_stop.received:,} sent, {rest:,} waiting"),
        ("first email after the restart, after the new server answered",
         seconds(times["first after restart"])),
        (f"delivery pace at PARTICIPE_MAIL_RATE={args.high_rate:g}, under the page load "
         f"({args.high_window:g} s)", f"{times['high rate under load']:.1f} emails/s"),
        (f"delivery pace at PARTICIPE_MAIL_RATE={args.high_rate:g}, the site idle",
         f"{times['high rate alone']:.1f} emails/s"),
        (f"the {rest:,} others delivered, after the restart", seconds(delivered)),
        ("the SMTP server alone (one connection, the same message, no database)",
         f"{sink_ceiling:,.0f} emails/s"),
        ("SMTP connections opened by the app (at most at once)",
         f"{sink.connections():,} ({sink.most_at_once()})"),
    ]  # fmt: skip
    lines = [
        "## Telling 20,000 followers that a vote opens (`bench/bench_notifications.py`)",
        "",
        f"- date: {report.now()}",
        f"- machine: {report.machine()}",
        "- versions: "
        + report.package_versions(
            [args.server, "litestar", "sqlalchemy", "psycopg", "jinja2", "aiosmtplib", "aiosmtpd"]
        )
        + f"; {report.tool_version(['wrk', '--version'])}; PostgreSQL on 127.0.0.1",
        f"- command: `{report.command_line()}` (total {time.perf_counter() - started:.0f} s)",
        f"- load average before the run: {load_before} (1, 5, 15 min)",
        f"- data: {n:,} citizens following the dialogue (explicit follows, loaded with COPY "
        f"with their users in {setup.load_seconds:.1f} s), {PROPOSALS} proposals written by "
        "some of them; every citizen wants this news by email at once (the default)",
        f"- set-up: {args.server}, {args.workers} workers, pool of {args.pool_size}; "
        "PARTICIPE_MAIL_SECONDS and PARTICIPE_EVENT_JOBS_SECONDS left at their defaults (the "
        "switch wakes both); the SMTP server is aiosmtpd in a process of its own "
        "(`bench/smtp_sink.py`) on the same machine; the page load is wrk with "
        f"{args.connections} connections and {args.threads} threads walking "
        f"`/dialogues/{SLUG}` and `/dialogues/{SLUG}/proposals` in turn (anonymous), a closed "
        "loop: it takes all the CPU it can, so that both the page figures and the mail "
        "figures are those of a busy site; after the restart the page load lasts "
        f"{args.high_window:g} s, then the rest is sent on an idle site; the benchmark reads "
        "the news' counts every 0.5 s (one scan of `notifications`) and the SMTP server's "
        f"file; one email is {size / 1024:.1f} KiB (text and HTML)",
        f"- invariants: {held['news']:,} pieces of news for {held['news_users']:,} citizens; "
        f"{held['emails']:,} emails in the outbox to {held['email_recipients']:,} addresses, "
        f"{held['sent']:,} marked sent, {held['given_up']} given up, {held['retried']} tried "
        f"more than once, {held['errors']} with an error; the SMTP server received "
        f"{len(received):,} for {len(counted):,} addresses ({duplicates} duplicates, "
        f"{unknown} unknown)",
        "- `participe outbox queue` while the server was stopped: "
        + "; ".join(" ".join(line.split()) for line in waiting),
        "- resident memory of each worker: "
        + "; ".join(f"{when}: {mib(values)}" for when, values in rss.items()),
        "",
        *report.table(["what", "figure"], [list(pair) for pair in figures]),
        "",
        "The page meanwhile:",
        "",
        *report.table(HEADER, [stage.row() for stage in stages]),
        *(f"\n- {note}" for note in notes),
    ]
    print("\n".join(lines))
    if not args.no_save:
        report.save_section(SECTION, lines)
    if not ok:
        raise SystemExit(f"invariants broken: {held}, {len(received)} received, {duplicates} dup")


if __name__ == "__main__":
    main()
