"""Rate limits on routes, by name: ``guards=[rate_limited("vote")]``.

A guarded request counts once against ``<name>_ip`` for its network address (an IPv6
address counts for its /64, what one subscriber usually gets) and, when signed in, once
against ``<name>`` for its account. Over a limit it is refused with 429, a
``Retry-After`` header and the code ``rate_limited``.

Apply it to a route::

    from web.rate_limits import rate_limited

    @put("/{slug:str}/ballot/votes/{proposal_id:int}", guards=[rate_limited("vote")])
    async def cast_vote(...): ...

    @post("/{proposal_id:int}/comments", status_code=201, guards=[rate_limited("comment")])
    async def post_comment(...): ...

The names ``signin``, ``verify``, ``proposal``, ``comment`` and ``vote`` have defaults
(:data:`core.rate_limits.DEFAULT_RATES`); a plugin passes its own defaults:
``rate_limited("petition", default="5/hour", ip_default="50/hour")``. Operators change any
of them with ``PARTICIPE_RATE_LIMIT_<NAME>`` and ``PARTICIPE_RATE_LIMIT_<NAME>_IP``
(``5/minute``, ``100/hour``, ``10/15minutes``), and turn all off with
``PARTICIPE_RATE_LIMITS=off``. A handler can also count a subject of its own (the email
address a sign-in link is asked for) with :func:`enforce`.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from core.db import utcnow
from core.models import ApiToken, User
from core.rate_limits import ALLOWED, Decision, Hit, RateLimiter
from core.services.sessions import user_id_for_session
from core.services.users import hash_token
from web.session_cookies import read_session_id


class RateLimited(TooManyRequestsException):
    """429 with ``Retry-After``; rendered with the code ``rate_limited``."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail="Trop de demandes en peu de temps : réessayez dans quelques instants.",
            headers={"Retry-After": str(retry_after)},
        )


def limiter_of(connection: ASGIConnection[Any, Any, Any, Any]) -> RateLimiter:
    limiter: RateLimiter = connection.app.state.context.rate_limiter
    return limiter


def client_subject(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """``ip:<address>`` of the client; an IPv6 address stands for its /64."""
    host = connection.client.host if connection.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"ip:{host}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def _check(decision: Decision) -> None:
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


async def enforce(
    connection: ASGIConnection[Any, Any, Any, Any],
    name: str,
    subject: str,
    *,
    default: str | None = None,
) -> None:
    """Counts one hit of ``subject`` for ``name``; raises :class:`RateLimited` over it."""
    _check(await limiter_of(connection).hit(name, subject, default=default))


#: How long a worker remembers which account a credential names, for counting only.
ACCOUNT_MEMORY_SECONDS = 30.0
ACCOUNT_MEMORY_SIZE = 10_000


class _AccountMemory:
    """Which account a token or a session cookie named, for a few seconds: counting a
    busy citizen's requests then costs no database read. It decides nothing else (the
    ``actor`` dependency checks the credentials of every request), so a credential
    revoked meanwhile is at worst counted against its former account."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, int | None]] = {}

    def get(self, key: str) -> tuple[bool, int | None]:
        found = self._known.get(key)
        if found is None or found[0] <= time.monotonic():
            return False, None
        return True, found[1]

    def put(self, key: str, user_id: int | None) -> None:
        if len(self._known) >= ACCOUNT_MEMORY_SIZE:
            self._known.clear()
        self._known[key] = (time.monotonic() + ACCOUNT_MEMORY_SECONDS, user_id)


def _account_memory(connection: ASGIConnection[Any, Any, Any, Any]) -> _AccountMemory:
    state = connection.app.state
    memory: _AccountMemory | None = state.get("rate_limit_accounts")
    if memory is None:
        memory = state["rate_limit_accounts"] = _AccountMemory()
    return memory


async def _account_id(connection: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    """The user id the request's credentials name, if any (whether the credentials are
    good for this organisation is checked later, by the ``actor`` dependency)."""
    context = connection.app.state.context
    authorization = connection.headers.get("authorization", "")
    session_id = read_session_id(connection, context.settings)
    if not authorization and not session_id:
        return None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        key = "token:" + hash_token(token.strip())
    else:
        key = "session:" + hash_token(session_id)
    memory = _account_memory(connection)
    known, user_id = memory.get(key)
    if known:
        return user_id
    async with context.database.read_session() as session:
        if authorization:
            user_id = await session.scalar(
                select(ApiToken.user_id).where(
                    ApiToken.token_hash == hash_token(token.strip()),
                    ApiToken.revoked_at.is_(None),
                )
            )
        else:
            user_id = await user_id_for_session(session, session_id, now=utcnow())
    memory.put(key, user_id)
    return user_id


def proposal_limit_name(user: User, *, draft: bool) -> str:
    """The account counter a new proposal counts against: ``proposal_draft`` for a draft
    (it publishes nothing, but is stored: it needs a bound, a higher one),
    ``proposal_staff`` for staff publishing (they type in what was collected on paper),
    else ``proposal``."""
    if draft:
        return "proposal_draft"
    return "proposal_staff" if user.is_staff else "proposal"


async def limit_proposal(
    connection: ASGIConnection[Any, Any, Any, Any], user: User | None, *, draft: bool
) -> Decision:
    """Counts a new proposal (the API's and the form's alike) against ``proposal_ip`` for
    the network address and, signed in, against the account's counter
    (:func:`proposal_limit_name`); the first refusal, or an allowance. The handler
    decides what to do with a refusal: the API answers 429, the form comes back with
    what was typed."""
    limiter = limiter_of(connection)
    if not limiter.enabled:
        return ALLOWED
    hits = [Hit("proposal_ip", client_subject(connection))]
    if user is not None:
        hits.append(Hit(proposal_limit_name(user, draft=draft), f"user:{user.id}"))
    for decision in await limiter.hit_all(hits):
        if not decision.allowed:
            return decision
    return ALLOWED


def rate_limited(name: str, *, default: str | None = None, ip_default: str | None = None) -> Any:
    """A guard that limits a route under ``name`` (see the module's documentation)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        limiter = limiter_of(connection)
        if not limiter.enabled:
            return
        hits = [Hit(f"{name}_ip", client_subject(connection), ip_default)]
        user_id = await _account_id(connection)
        if user_id is not None:
            hits.append(Hit(name, f"user:{user_id}", default))
        # Both counters in one round trip; the address is judged first, as a refusal
        # says when to retry.
        for decision in await limiter.hit_all(hits):
            _check(decision)

    guard.__name__ = guard.__qualname__ = f"rate_limited_{name}"
    return guard
