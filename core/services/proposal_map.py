"""The map of a dialogue's proposals: the GeoJSON document of its located public proposals,
the version it is known by, and one worker's cache of encoded documents.

The document (``GET /api/v1/dialogues/{slug}/proposals.geojson``)::

    {"type": "FeatureCollection",
     "features": [{"type": "Feature", "id",
                   "geometry": {"type": "Point", "coordinates": [lng, lat]},
                   "properties": {"id", "title", "status", "theme", "sector", "url"}}]}

A whole map holds thousands of features (7,000 proposals make 1.6 MB), so the rows are read
as plain tuples of seven columns (no ORM objects, the status as stored) and encoded through
msgspec Structs, which the encoder writes without a dict per feature.

The encoded document is then kept by the worker under the map's version
(:func:`map_version`): the dialogue's id, the number of its proposals, the latest of their
``updated_at`` and the sum of them all, read in one statement from the index
``ix_proposals_dialogue_updated`` alone. Every change of a proposal (edition, publication,
review, moderation) sets its ``updated_at`` (the column's ``onupdate``, which SQLAlchemy
applies to the ORM's writes and to Core ``UPDATE`` statements alike; a plugin writing raw
SQL must set it too) and a deletion changes the number, so a document is never served from
the cache after a change that any worker committed. The sum is what makes that hold when two
changes commit in the opposite order of their ``updated_at``: the latest does not move for
the one that commits last, the sum does (to the microsecond on PostgreSQL, the millisecond
on SQLite). The version is read before the proposals, so a cached document is never older
than its version. It also names the document for HTTP (:attr:`ProposalMap.etag`) without
reading the proposals.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Select, String, bindparam, func, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from core.errors import NotFound
from core.models import Dialogue, Proposal
from core.services.proposals import (
    LOCATED,
    SORTS,
    ProposalFilters,
    filter_clauses,
    filter_values,
)

__all__ = [
    "Feature",
    "FeatureCollection",
    "MapCache",
    "ProposalMap",
    "map_document",
    "map_version",
]

#: Changed when the document changes, so that no cached document nor ETag of the previous
#: shape is taken for the new one.
FORMAT = "1"
#: The most features a map holds.
MAX_FEATURES = 10_000
#: Bytes of encoded documents one worker keeps.
CACHE_BYTES = 32 * 1024 * 1024


class Point(msgspec.Struct, tag_field="type", tag="Point", gc=False):
    coordinates: tuple[float, float]
    """Longitude, latitude (GeoJSON's order)."""


class FeatureProperties(msgspec.Struct, gc=False):
    id: int
    title: str
    status: str
    theme: str | None
    sector: str | None
    url: str


class Feature(msgspec.Struct, tag_field="type", tag="Feature", gc=False):
    id: int
    geometry: Point
    properties: FeatureProperties


class FeatureCollection(msgspec.Struct, tag_field="type", tag="FeatureCollection", gc=False):
    features: list[Feature]


def encode(rows: Iterable[Any]) -> bytes:
    """The document of ``rows`` of ``(id, title, status, theme, sector, lat, lng)``."""
    return msgspec.json.encode(
        FeatureCollection(
            [
                Feature(
                    id_,
                    Point((lng, lat)),
                    FeatureProperties(id_, title, status, theme, sector, f"/proposals/{id_}"),
                )
                for id_, title, status, theme, sector, lat, lng in rows
            ]
        )
    )


class _age(FunctionElement[Any]):
    """The time from 2000 to a timestamp, exact and cheap to add up: an interval on
    PostgreSQL (summed as integers, unlike the numeric of ``EXTRACT(EPOCH ...)``), seconds
    on SQLite. Only ever turned into text, so it has no type to convert it."""

    type = NullType()
    name = "age"
    inherit_cache = True


@compiles(_age)
def _age_sql(element: _age, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - TIMESTAMPTZ '2000-01-01 00:00:00+00')"


@compiles(_age, "sqlite")
def _age_sqlite(element: _age, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2451544.5) * 86400.0)"


def _totals() -> tuple[Any, ...]:
    """The number of a dialogue's proposals (of a column never null: 0 without any), the
    latest of their ``updated_at`` and the sum of them."""
    return (
        func.count(Proposal.updated_at).label("proposals"),
        func.max(Proposal.updated_at).label("latest"),
        func.sum(_age(Proposal.updated_at)).label("total"),
    )


_BY_SLUG = (
    Dialogue.organisation_id == bindparam("organisation_id"),
    Dialogue.slug == bindparam("slug"),
)
_LATERAL = select(*_totals()).where(Proposal.dialogue_id == Dialogue.id).lateral("totals")
#: The dialogue's id and its proposals' totals: on PostgreSQL, totals in a ``LATERAL``
#: subquery, which the database does not group afterwards (a third cheaper); elsewhere
#: (SQLite, which has no ``LATERAL``), an outer join grouped by the dialogue.
VERSION = {
    "postgresql": select(Dialogue.id, *_LATERAL.c)
    .select_from(Dialogue)
    .join(_LATERAL, true())
    .where(*_BY_SLUG),
    "sqlite": select(Dialogue.id, *_totals())
    .select_from(Dialogue)
    .outerjoin(Proposal, Proposal.dialogue_id == Dialogue.id)
    .where(*_BY_SLUG)
    .group_by(Dialogue.id),
}


@dataclass(frozen=True)
class ProposalMap:
    """A map as asked for: whose, with which filters, and the version of its proposals."""

    dialogue_id: int
    #: The bound values of the filters (:func:`core.services.proposals.filter_values`).
    values: tuple[tuple[str, Any], ...]
    sort: str
    version: str

    @property
    def key(self) -> tuple[Any, ...]:
        """What names the map in the cache, whatever its version."""
        return (self.dialogue_id, self.values, self.sort)

    @property
    def etag(self) -> str:
        """A strong HTTP entity tag: the same document has the same tag, in every worker."""
        named = repr((FORMAT, self.version, self.values, self.sort)).encode()
        return '"' + hashlib.blake2b(named, digest_size=16).hexdigest() + '"'


async def map_version(
    session: AsyncSession, organisation_id: int, slug: str, filters: ProposalFilters
) -> ProposalMap:
    """The map of the dialogue ``slug`` with ``filters`` (validated), and its version: one
    statement. Raises :class:`NotFound` for an unknown dialogue."""
    statement = VERSION.get(session.get_bind().dialect.name, VERSION["sqlite"])
    row = (
        await session.execute(statement, {"organisation_id": organisation_id, "slug": slug})
    ).first()
    if row is None:
        raise NotFound(f"démarche {slug!r} introuvable")
    values = filter_values(row[0], filters)
    return ProposalMap(
        dialogue_id=row[0],
        values=tuple(sorted(values.items())),
        sort=filters.sort if filters.sort in SORTS else "recent",
        version=".".join("-" if part is None else str(part) for part in row),
    )


@functools.lru_cache(maxsize=64)
def _features_statement(
    sort: str, filtered: frozenset[str]
) -> Select[int, str, str, str | None, str | None, float | None, float | None]:
    """The features' columns for one order and one set of filters, built once. The status
    is read as the stored string: no enum made for each row."""
    return (
        select(
            Proposal.id,
            Proposal.title,
            type_coerce(Proposal.status, String()),
            Proposal.theme,
            Proposal.sector,
            Proposal.lat,
            Proposal.lng,
        )
        .where(*filter_clauses(filtered), *LOCATED)
        .order_by(*SORTS[sort])
        .limit(bindparam("limit"))
    )


async def map_document(session: AsyncSession, cache: MapCache, found: ProposalMap) -> bytes:
    """The encoded document of ``found``: from ``cache`` when it holds this version, else
    read, encoded and kept there. Requests that miss the same version at once (after a
    change, under load) wait for the first one's document instead of each reading it."""
    body = cache.get(found)
    if body is not None:
        return body
    async with cache.lock(found):
        body = cache.get(found)
        if body is None:
            values = dict(found.values)
            statement = _features_statement(found.sort, frozenset(values))
            body = encode(await session.execute(statement, {**values, "limit": MAX_FEATURES}))
            cache.put(found, body)
    return body


class MapCache:
    """The encoded documents of one worker: the latest version of each map asked for, the
    least recently used dropped past ``max_bytes``. A document is only returned for the
    version it was read at."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[Any, ...], tuple[str, bytes]] = OrderedDict()
        # Gone when no request holds or awaits them.
        self._locks: weakref.WeakValueDictionary[tuple[Any, ...], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def lock(self, found: ProposalMap) -> asyncio.Lock:
        """The lock of one version of one map, held while its document is read."""
        name = (*found.key, found.version)
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, found: ProposalMap) -> bytes | None:
        entry = self._entries.get(found.key)
        if entry is None or entry[0] != found.version:
            return None
        self._entries.move_to_end(found.key)
        return entry[1]

    def put(self, found: ProposalMap, body: bytes) -> None:
        previous = self._entries.pop(found.key, None)
        if previous is not None:
            self.size -= len(previous[1])
        if len(body) > self.max_bytes:
            return
        self._entries[found.key] = (found.version, body)
        self.size += len(body)
        while self.size > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.size -= len(dropped)
