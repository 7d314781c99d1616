"""A sign-in token never shows in a logged address: the confirmation posts it in its body,
its page sends no ``Referer``, and the server's access log writes ``/signin/…``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from tests.conftest import World, start_live_server, stop_live_server
from tests.signin_helpers import SESSION_COOKIE, csrf_in, latest_token
from web.access_log import redact


async def test_the_confirmation_page_sends_no_referer_and_posts_the_token(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
    token = await latest_token(database, "alice@example.org")
    page = await client.get(f"/signin/{token}?next=/me")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # The token is in the form's body, never in an address the page loads or posts to.
    assert re.findall(rf'(?:src|action)="[^"]*{token}', page.text) == []
    assert f'name="token" value="{token}"' in page.text
    signed_in = await client.post(
        "/signin/confirm",
        data={"csrf_token": csrf_in(page.text), "token": token, "next": "/me"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/me"
    assert signed_in.headers["referrer-policy"] == "no-referrer"
    assert SESSION_COOKIE in client.cookies


async def test_a_confirmation_without_a_token_is_refused(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    page = await client.get("/signin")
    refused = await client.post("/signin/confirm", data={"csrf_token": csrf_in(page.text)})
    assert refused.status_code == 400


def test_paths_with_a_token_are_redacted() -> None:
    assert redact("/signin/Abc_12-x?next=/me") == "/signin/…?next=/me"
    assert redact("/signin/check-your-email") == "/signin/check-your-email"
    assert redact("/signin/confirm") == "/signin/confirm"


@pytest.fixture
def logged_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``web.asgi`` served by uvicorn with its access log on, written to a file."""
    log = tmp_path / "server.log"
    server = start_live_server(database_url, tmp_path, {}, access_log=log)
    yield server.url, log
    stop_live_server(server)


async def test_the_access_log_never_shows_a_token(
    logged_server: tuple[str, Path], world: World, database: Database
) -> None:
    url, log = logged_server
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        asked = await http.post("/api/v1/auth/email", json={"email": "alice@example.org"})
        assert asked.status_code == 202
        token = await latest_token(database, "alice@example.org")
        page = await http.get(f"/signin/{token}?next=/me")
        assert page.status_code == 200
        old_form = await http.post(f"/signin/{token}", data={"csrf_token": "x"})
        assert old_form.status_code == 403
        signed_in = await http.post(
            "/signin/confirm",
            data={"csrf_token": csrf_in(page.text), "token": token},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
    for _ in range(100):  # the log is written after the answer
        if "/signin/confirm" in log.read_text():
            break
        await asyncio.sleep(0.05)
    written = log.read_text()
    assert '"GET /signin/…?next=/me HTTP/1.1" 200' in written, written
    assert '"POST /signin/… HTTP/1.1" 403' in written, written
    assert '"POST /signin/confirm HTTP/1.1" 303' in written, written
    assert token not in written
