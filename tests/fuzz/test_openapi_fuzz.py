"""Schemathesis over every operation of the OpenAPI document, against a real server on
the test database (PostgreSQL in ``tox -e fuzz``) seeded with the demo town, as its
administrator (a bearer token): no answer may be a server error (5xx).

A first pass generates every parameter, which mostly names nothing stored; then one pass
per demo dialogue fixes the dialogue's slug and one of its proposals' ids, so that the
generated bodies reach the rules behind them (a ballot in a vote phase, comments while
proposals are open, ...). Bounded in examples per operation and in wall time; the figures
of each pass are printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.db import Database
from core.plugin_manager import Plugins
from tests.conftest import LiveServer
from web.demo import seed_demo

SCHEMA_PATH = "/api/schema/openapi.json"
#: Test cases per operation and phase: in the first pass, then in each dialogue's.
MAX_EXAMPLES = int(os.environ.get("PARTICIPE_FUZZ_EXAMPLES", "30"))
DIALOGUE_EXAMPLES = int(os.environ.get("PARTICIPE_FUZZ_DIALOGUE_EXAMPLES", "20"))
#: Seconds a pass may last before it counts as a failure (it is killed).
PASS_SECONDS = int(os.environ.get("PARTICIPE_FUZZ_PASS_SECONDS", "150"))
#: Fixed, so that a failure found once is found again.
SEED = os.environ.get("PARTICIPE_FUZZ_SEED", "20270301")
#: The last lines of a run: ``3637 generated, 3637 passed`` or ``3813 generated, 5 found
#: 5 unique failures``.
GENERATED = re.compile(r"(\d+) generated, ")
FAILURES = re.compile(r"found (\d+) unique failures")


@dataclass
class Demo:
    token: str
    #: Per demo dialogue: its slug and the id of one of its proposals.
    targets: list[tuple[str, int]]


async def _seed(database_url: str, plugins: Plugins) -> Demo:
    database = Database(database_url)
    try:
        async with database.session() as session:
            world = await seed_demo(session, plugins)
            await session.commit()
            any_proposal = next(p for found in world.proposals.values() for p in found)
            targets = [
                (dialogue.slug, (world.proposals.get(key) or [any_proposal])[0].id)
                for key, dialogue in world.dialogues.items()
            ]
            return Demo(world.admin_token, targets)
    finally:
        await database.dispose()


def _command(server: LiveServer, token: str, directory: Path, examples: int) -> list[str]:
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        server.url + SCHEMA_PATH,
        "--url",
        server.url,
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(examples),
        "--seed",
        SEED,
        # One worker: hypothesis describes its strategies with ``ast.parse``, which
        # CPython 3.11 does not support from two threads at once.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "junit",
        "--report-junit-path",
        str(directory / "junit.xml"),
        "--generation-database",
        "none",
        "--no-color",
    ]


def _run(name: str, command: list[str], directory: Path) -> dict[str, object]:
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=PASS_SECONDS,
        check=False,
        cwd=directory,
    )
    output = result.stdout + result.stderr
    (directory / "output.txt").write_text(output)
    generated = GENERATED.search(output)
    failures = FAILURES.search(output)
    figures: dict[str, object] = {
        "pass": name,
        "seconds": round(time.monotonic() - started),
        "exit": result.returncode,
        "generated": int(generated[1]) if generated else None,
        "unique_failures": int(failures[1]) if failures else 0,
        "server_errors": output.count("Server error"),
    }
    print(json.dumps(figures))
    if result.returncode != 0:
        print(output[-20000:])
    return figures


def test_no_operation_answers_a_server_error(
    database: Database,
    database_url: str,
    plugins: Plugins,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    demo = asyncio.run(_seed(database_url, plugins))
    free = tmp_path / "free"
    runs = [
        _run(
            "every parameter generated", _command(live_server, demo.token, free, MAX_EXAMPLES), free
        )
    ]
    for slug, proposal_id in demo.targets:
        directory = tmp_path / slug
        command = _command(live_server, demo.token, directory, DIALOGUE_EXAMPLES)
        config = directory / "schemathesis.toml"
        directory.mkdir()
        config.write_text(
            f'[parameters]\n"path.slug" = "{slug}"\n"path.proposal_id" = {proposal_id}\n'
        )
        command_with = [command[0], "--config-file", str(config), *command[1:]]
        runs.append(_run(f"dialogue {slug}", command_with, directory))
    failed = [run for run in runs if run["exit"] != 0]
    assert not failed, failed
