"""A request id for every request: the client's or proxy's ``X-Request-ID`` when it is
sane (at most 128 characters among letters, digits and ``._:-``), a new one otherwise.

It is sent back in the ``X-Request-ID`` response header and set, while the request is
served, in :data:`web.logs.request_id`, which puts it on every log record. The app's
whole handler is wrapped, so that the router's own answers (404, 405) and error pages
carry it too.
"""

from __future__ import annotations

import re
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.logs import request_id

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def accepted(value: bytes | None) -> str | None:
    """The incoming id if it is one we may echo and log, else ``None``."""
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    return text if SANE.fullmatch(text) else None


def with_request_ids(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = next(
            (value for name, value in scope["headers"] if name.lower() == b"x-request-id"), None
        )
        current = accepted(incoming) or uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = current
            await send(message)

        token = request_id.set(current)
        try:
            await app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)

    return handle
