"""Rate limits: how many times a subject (an address, an account) may do a named thing
per period.

Rates are written ``N/period``: ``5/minute``, ``30/hour``, ``10/15minutes``, ``3/day``.
Each name has a default (:data:`DEFAULT_RATES`), which ``PARTICIPE_RATE_LIMIT_<NAME>``
overrides; ``<name>`` counts per account (or per email address for sign-in) and
``<name>_ip`` per network address. ``PARTICIPE_RATE_LIMITS=off`` turns every limit off.

Counters are fixed windows. They live in memory (one worker) or in Redis when
``PARTICIPE_REDIS_URL`` is set, so that every worker shares them.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import ConfigurationError

#: Per account (``name``) and per network address (``name_ip``).
DEFAULT_RATES: Mapping[str, str] = {
    # Sign-in links asked for one email address, and from one network address.
    "signin": "5/hour",
    "signin_ip": "30/hour",
    # Redemptions of sign-in links from one network address.
    "verify_ip": "60/hour",
    # Proposals published by a citizen; saving a draft publishes nothing and counts
    # against a higher limit of its own; staff (who type in proposals collected on paper
    # at a public meeting) publish under a higher one (web.rate_limits.limit_proposal).
    "proposal": "10/hour",
    "proposal_draft": "60/hour",
    "proposal_staff": "200/hour",
    "proposal_ip": "100/hour",
    "comment": "30/hour",
    "comment_ip": "300/hour",
    # Tries at verifying an account by the residents list (against guessing).
    "verification": "5/hour",
    "verification_ip": "30/hour",
    # Codes sent by SMS (the ``sms_code`` verification) per account, and to one number
    # (counted by its keyed digest), against flooding a phone; tries at a code per account
    # and per number, against guessing its 6 digits.
    "sms_send": "3/hour",
    "sms_send_ip": "30/hour",
    "sms_send_number": "5/day",
    "sms_check": "5/hour",
    "sms_check_ip": "30/hour",
    "sms_check_number": "10/hour",
    "vote": "120/minute",
    "vote_ip": "1200/minute",
}

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"5/minute"`` → ``Rate(5, 60)``; raises ``ValueError`` on anything else."""
        match = RATE.match(text.lower())
        if not match:
            raise ValueError(f"{text!r} is not a rate like 5/minute or 10/15minutes")
        count, multiple, unit = match.groups()
        period = PERIODS[unit] * (int(multiple) if multiple else 1)
        if int(count) < 1 or period < 1:
            raise ValueError(f"{text!r}: the count and the period must be positive")
        return cls(int(count), period)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: Seconds until the window ends (when refused: the ``Retry-After``).
    retry_after: int
    remaining: int


ALLOWED = Decision(allowed=True, retry_after=0, remaining=-1)


@dataclass(frozen=True)
class Hit:
    """One request counted under ``name`` for ``subject``; ``default`` is the rate of a
    name that has none configured or built in."""

    name: str
    subject: str
    default: str | None = None


class CounterStore(Protocol):
    async def increment(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """Adds one to each ``key`` of ``counters`` (created with a lifetime of ``ttl``
        seconds, the pair's second item) and returns their new counts, in one round trip
        to a shared store."""

    async def close(self) -> None: ...


class MemoryStore:
    """Counters of one process; enough for one worker."""

    def __init__(self) -> None:
        self._counters: dict[str, tuple[float, int]] = {}

    async def increment(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        now = time.monotonic()
        if len(self._counters) > 10_000:
            self._counters = {k: v for k, v in self._counters.items() if v[0] > now}
        counts = []
        for key, ttl in counters:
            expires, count = self._counters.get(key, (0.0, 0))
            if expires <= now:
                expires, count = now + ttl, 0
            self._counters[key] = (expires, count + 1)
            counts.append(count + 1)
        return counts

    async def close(self) -> None:
        self._counters.clear()


class RedisStore:
    """Counters in Redis, shared by every worker and machine."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url)

    async def increment(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, ttl in counters:
                pipe.incr(key)
                pipe.expire(key, ttl, nx=True)
            replies = await pipe.execute()
        return [int(count) for count in replies[::2]]

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    """Counts hits of ``(name, subject)`` and says whether one more is allowed."""

    def __init__(
        self,
        rates: Mapping[str, Rate],
        store: CounterStore | None = None,
        *,
        enabled: bool = True,
        prefix: str = "participe",
        clock: Any = time.time,
    ) -> None:
        self.rates = dict(rates)
        self.store: CounterStore = store or MemoryStore()
        self.enabled = enabled
        self.prefix = prefix
        self.clock = clock

    @classmethod
    def configure(
        cls,
        overrides: Mapping[str, str],
        *,
        enabled: bool = True,
        redis_url: str | None = None,
        prefix: str = "participe",
    ) -> RateLimiter:
        """The limiter of one app: defaults, then ``overrides`` (``{"signin": "5/minute"}``).
        A malformed rate is a :class:`ConfigurationError`."""
        rates: dict[str, Rate] = {}
        for name, text in {**DEFAULT_RATES, **overrides}.items():
            key = name.lower()
            if not NAME.match(key):
                raise ConfigurationError(f"PARTICIPE_RATE_LIMIT_{name.upper()}: invalid name")
            try:
                rates[key] = Rate.parse(text)
            except ValueError as error:
                raise ConfigurationError(f"PARTICIPE_RATE_LIMIT_{key.upper()}: {error}") from None
        store: CounterStore = RedisStore(redis_url) if redis_url and enabled else MemoryStore()
        return cls(rates, store, enabled=enabled, prefix=prefix)

    def rate(self, name: str, default: str | None = None) -> Rate | None:
        """The rate of ``name``: configured, else built in, else ``default``."""
        if name in self.rates:
            return self.rates[name]
        return Rate.parse(default) if default else None

    async def hit(self, name: str, subject: str, *, default: str | None = None) -> Decision:
        """Counts one hit of ``subject`` (``"ip:…"``, ``"user:…"``) for ``name``; a name
        without a rate is not limited."""
        (decision,) = await self.hit_all([Hit(name, subject, default)])
        return decision

    async def hit_all(self, hits: Sequence[Hit]) -> list[Decision]:
        """Counts every one of ``hits`` in one round trip to the store, and says for each
        whether it is allowed (in the same order)."""
        now = self.clock()
        counted: list[tuple[int, Rate, float]] = []  # index in hits, rate, window end
        counters: list[tuple[str, int]] = []
        for index, hit in enumerate(hits):
            rate = self.rate(hit.name, hit.default)
            if not self.enabled or rate is None:
                continue
            window = math.floor(now / rate.period)
            window_end = (window + 1) * rate.period
            counted.append((index, rate, window_end))
            key = f"{self.prefix}:rl:{hit.name}:{hit.subject}:{window}"
            counters.append((key, max(1, math.ceil(window_end - now)) + 1))
        decisions = [ALLOWED] * len(hits)
        if not counters:
            return decisions
        counts = await self.store.increment(counters)
        for (index, rate, window_end), count in zip(counted, counts, strict=True):
            decisions[index] = Decision(
                allowed=count <= rate.limit,
                retry_after=max(1, math.ceil(window_end - now)),
                remaining=max(0, rate.limit - count),
            )
        return decisions

    async def close(self) -> None:
        await self.store.close()
