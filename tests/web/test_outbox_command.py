"""``participe outbox``: what the demo reads its sign-in links from, and ``outbox send``."""

from __future__ import annotations

import asyncio
import os
import sys

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from tests.conftest import SmtpServer, World
from tests.signin_helpers import latest_token, outbox_messages


async def participe(database_url: str, *args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "web.cli",
        *args,
        env={
            **os.environ,
            "PARTICIPE_DATABASE_URL": database_url,
            "PARTICIPE_LOAD_ENTRY_POINTS": "off",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_outbox_lists_the_latest_mails_with_their_links(
    client: AsyncTestClient[Litestar], world: World, database: Database, database_url: str
) -> None:
    code, out, _ = await participe(database_url, "outbox")
    assert (code, out.strip()) == (0, "the outbox is empty")
    await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
    alice = await latest_token(database, "alice@example.org")
    await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
    bob = await latest_token(database, "bob@example.org")

    code, out, _ = await participe(database_url, "outbox")
    assert code == 0
    assert out.index("to bob@example.org") < out.index("to alice@example.org")  # latest first
    # Links come from PARTICIPE_BASE_URL (the tests' default), never from the request.
    assert f"http://localhost:8000/signin/{alice}" in out
    assert f"http://localhost:8000/signin/{bob}" in out
    assert "waiting in the outbox" in out

    code, out, _ = await participe(database_url, "outbox", "list", "--to", "alice@example.org")
    assert alice in out and bob not in out
    code, out, _ = await participe(database_url, "outbox", "--limit", "1", "--full")
    assert bob in out and alice not in out and "| Bonjour," in out
    code, out, err = await participe(database_url, "outbox", "--org", "nowhere")
    assert code == 1 and "nowhere" in err


async def test_outbox_send_delivers_what_waits(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    database_url: str,
    smtp_server: SmtpServer,
) -> None:
    await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
    code, _, err = await participe(database_url, "outbox", "send")
    assert code == 2 and "PARTICIPE_SMTP_URL" in err
    code, out, _ = await participe(
        database_url, "outbox", "send", PARTICIPE_SMTP_URL=smtp_server.url
    )
    assert (code, out.strip()) == (0, "1 message(s) sent")
    [mail] = await smtp_server.wait_for(1)
    assert mail["To"] == "alice@example.org"
    [message] = await outbox_messages(database)
    assert message.sent_at is not None
    code, out, _ = await participe(database_url, "outbox")
    assert "sent " in out and "/signin/" not in out
