"""The network a request comes from, as the vote log keeps it: a keyed digest
(:func:`core.networks.network_digest`), never the address. The core receives the digest
from here and never sees a request."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection

from core.networks import network_digest


@lru_cache(maxsize=4096)
def _digest(address: str, secret_key: str) -> str | None:
    # An HMAC per request is cheap, but a vote burst comes from few networks.
    return network_digest(address, secret_key)


def client_network(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The digest of the client's network; ``None`` when the client is not an IP
    address (a test client, a Unix socket)."""
    client = connection.scope.get("client")
    if not client:
        return None
    secret_key: str = connection.app.state.context.settings.secret_key
    return _digest(client[0], secret_key)
