"""The cache of computed results, shared by every worker when Redis is configured.

Entries are never invalidated: their key names the state of the ballots they were computed
from (see :func:`core.services.results.ballots_version`), so a ballot change makes a new key
and the old entry is simply never asked for again. Memory keeps the most recent entries of
one worker; Redis keeps each entry for :data:`REDIS_TTL` seconds. A Redis that cannot be
reached makes a miss (the results are computed), never an error page.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Protocol

log = logging.getLogger("participe.results")

#: Entries kept by one worker's memory cache.
MEMORY_ENTRIES = 256
#: Seconds a Redis entry lives (older versions are never read again).
REDIS_TTL = 7 * 24 * 3600


class ResultsCache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes) -> None: ...

    async def close(self) -> None: ...


class MemoryResultsCache:
    """The most recently used entries of one worker."""

    def __init__(self, size: int = MEMORY_ENTRIES) -> None:
        self.size = size
        self._entries: OrderedDict[str, bytes] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()


class RedisResultsCache:
    """Entries in Redis under ``PREFIX:results:...``, shared by every worker."""

    def __init__(self, url: str, prefix: str, ttl: int = REDIS_TTL) -> None:
        from redis.asyncio import Redis

        self.prefix = prefix
        self.ttl = ttl
        self._redis: Any = Redis.from_url(url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}:results:{key}"

    async def get(self, key: str) -> bytes | None:
        from redis.exceptions import RedisError

        try:
            value: bytes | None = await self._redis.get(self._key(key))
        except (RedisError, OSError) as error:
            log.warning("results cache: Redis unavailable (%s); computing", error)
            return None
        return value

    async def set(self, key: str, value: bytes) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.set(self._key(key), value, ex=self.ttl)
        except (RedisError, OSError) as error:
            log.warning("results cache: Redis unavailable (%s); not stored", error)

    async def close(self) -> None:
        await self._redis.aclose()


def make_results_cache(redis_url: str | None, prefix: str = "participe") -> ResultsCache:
    """Redis when ``redis_url`` is set, else one worker's memory."""
    if redis_url:
        return RedisResultsCache(redis_url, prefix)
    return MemoryResultsCache()
