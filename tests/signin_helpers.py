"""Helpers for tests of sign-in, sessions and CSRF: links from the outbox, signed-in
clients, tokens from forms."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.models import OutboxMessage
from participe.testing import Outbox

LINK = re.compile(r"https?://[^\s\"<>]+/signin/([A-Za-z0-9_-]+)")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "participe_session"


async def outbox_messages(database: Database, recipient: str | None = None) -> list[OutboxMessage]:
    """The messages queued for ``recipient`` (or anyone), newest first."""
    return await Outbox(database).messages(recipient)


async def latest_token(database: Database, recipient: str) -> str:
    """The token of the latest sign-in link sent to ``recipient``."""
    messages = await outbox_messages(database, recipient)
    assert messages, f"no mail to {recipient}"
    match = LINK.search(messages[0].text_body)
    assert match, messages[0].text_body
    return match.group(1)


async def ask_link(client: AsyncTestClient[Litestar], email: str, **headers: str) -> Any:
    return await client.post("/api/v1/auth/email", json={"email": email}, headers=headers)


async def sign_in(
    client: AsyncTestClient[Litestar], database: Database, email: str, **headers: str
) -> dict[str, Any]:
    """Signs ``client`` in as ``email`` through the API; the cookie stays in its jar.
    Returns ``{"user", "csrf_token"}``."""
    asked = await ask_link(client, email, **headers)
    assert asked.status_code == 202, asked.text
    token = await latest_token(database, email.lower())
    verified = await client.post("/api/v1/auth/verify", json={"token": token}, headers=headers)
    assert verified.status_code == 200, verified.text
    body: dict[str, Any] = verified.json()
    return body


def csrf_in(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


async def form_token(client: AsyncTestClient[Litestar], path: str, **headers: str) -> str:
    """The CSRF token of the first form of the page at ``path``."""
    page = await client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    return csrf_in(page.text)
