"""The server and the commands write to one database at once: on SQLite, a command's
write waits for the server's and the server's for the command's (``BEGIN IMMEDIATE``, WAL,
a busy timeout) instead of failing with "database is locked"."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx

from tests.conftest import LiveServer, World, load_entry_points

#: Commands run together, and sign-in links the server is asked for meanwhile.
COMMANDS = 6
REQUESTS = 60


async def _command(database_url: str, email: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "web.cli",
        "token",
        "create",
        "--email",
        email,
        env={
            **os.environ,
            "PARTICIPE_DATABASE_URL": database_url,
            "PARTICIPE_LOAD_ENTRY_POINTS": "on" if load_entry_points() else "off",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, stderr.decode()


async def _ask_links(url: str, start: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        return [
            await http.post("/api/v1/auth/email", json={"email": f"reader{n}@example.org"})
            for n in range(start, REQUESTS, 4)
        ]


async def test_commands_write_while_the_server_writes(
    live_server: LiveServer, database_url: str, world: World
) -> None:
    commands = [_command(database_url, f"agent{n}@ville.test") for n in range(COMMANDS)]
    answers = [_ask_links(live_server.url, start) for start in range(4)]
    results = await asyncio.gather(*commands, *answers)
    for returncode, stderr in results[:COMMANDS]:
        assert "locked" not in stderr, stderr
        assert returncode == 0, stderr
    responses = [response for batch in results[COMMANDS:] for response in batch]  # type: ignore[union-attr]
    assert len(responses) == REQUESTS
    assert [r.status_code for r in responses if r.status_code != 202] == []
