"""Snapshots of organisations and dialogues that a worker keeps for a moment.

Every request reads its organisation, and most read a dialogue with its phases and their
groups: two of the six statements of a vote, and the most expensive ones to turn into
objects. Both change rarely, so each worker keeps what it read as a detached snapshot and
hands each request its own copy (``Session.merge(load=False)``: no statement).

How long a snapshot may be served:

- in the worker (the process) that changes an organisation, a host, a dialogue, a phase
  or a group, never after the change commits: a flush of any of these models, or an ORM
  ``UPDATE``/``DELETE`` of their tables, forgets every snapshot at once, again when the
  transaction ends, and snapshots read meanwhile are not kept;
- in the other workers, at most ``seconds`` after it (``PARTICIPE_READ_CACHE_SECONDS``,
  2 by default; 0 turns the cache off), as for a read replica's lag. A phase opens and
  closes on time whatever the cache holds: its dates are compared with the clock at each
  request.

Values of JSON columns are shared between the snapshot and its copies. That is safe
because nothing changes them in place: those columns are not mutable-tracked, so a change
has to assign a new value to be saved at all.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from core.models import Dialogue, Group, Organisation, OrganisationHost, Phase, PhaseGroup

#: The models a snapshot is made of: a change to any of them forgets every snapshot.
WATCHED: tuple[type, ...] = (Organisation, OrganisationHost, Dialogue, Phase, PhaseGroup, Group)

#: The key in ``AsyncSession.info`` under which a request's session carries its app's cache.
SESSION_KEY = "participe.read_cache"
#: Set in a session's ``info`` while its transaction holds changes to watched models.
_CHANGING = "participe.read_cache.changing"
#: Set in a session's ``info`` by a request that changes something: what it reads with
#: ``judges=True`` (a dialogue whose phases open an action) comes from the database.
JUDGING_KEY = "participe.read_cache.judging"

T = TypeVar("T")


class _Generation:
    """Counts the changes to watched models committed or under way in this process."""

    value = 0

    @classmethod
    def bump(cls) -> None:
        cls.value += 1


class ReadCache:
    """One app's snapshots, by key, each with the generation and the time it was read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[int, float, Any]] = {}

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        generation, expires, value = entry
        if generation != _Generation.value or time.monotonic() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, value: Any, generation: int) -> None:
        """Keeps ``value``, read when the generation was ``generation``, unless a change
        happened since (it may then be older than that change)."""
        if generation == _Generation.value:
            self._entries[key] = (generation, time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        self._entries.clear()


def cache_of(session: AsyncSession) -> ReadCache | None:
    """The cache the request's session carries, when it may be used now: not once the
    session's own transaction changed watched models (it must read its own changes)."""
    cache: ReadCache | None = session.info.get(SESSION_KEY)
    if cache is None or not cache.enabled or session.info.get(_CHANGING):
        return None
    return cache


async def cached(
    session: AsyncSession,
    key: Hashable,
    load: Callable[[AsyncSession], Awaitable[T | None]],
    *,
    judges: bool = False,
) -> T | None:
    """The object ``load`` reads, as a copy of this worker's snapshot in ``session``.

    ``judges``: the object decides what a request that changes something may do (a
    dialogue's phases); such a request (``JUDGING_KEY`` in the session's ``info``) reads it
    from the database, never from a snapshot.

    On a miss the snapshot is read by ``load`` in a session of its own, so that it is never
    attached to a request's session (where a change would reach other requests), then
    copied into ``session``. That session works on the request's own connection and
    transaction: a second connection per request would exhaust the pool under a burst of
    misses. Without a usable cache, ``load`` reads in ``session`` itself.
    """
    cache = cache_of(session)
    if cache is None or (judges and session.info.get(JUDGING_KEY)):
        return await load(session)
    snapshot = cache.get(key)
    if snapshot is None:
        generation = _Generation.value
        connection = await session.connection()
        async with AsyncSession(bind=connection, expire_on_commit=False) as own:
            snapshot = await load(own)
        if snapshot is None:
            return None
        cache.put(key, snapshot, generation)
    copy: T = await session.merge(snapshot, load=False)
    return copy


def _watched(instances: Any) -> bool:
    return any(isinstance(instance, WATCHED) for instance in instances)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if _watched(session.new) or _watched(session.dirty) or _watched(session.deleted):
        session.info[_CHANGING] = True
        _Generation.bump()


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, WATCHED):
        state.session.info[_CHANGING] = True
        _Generation.bump()


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.pop(_CHANGING, False):
        _Generation.bump()
