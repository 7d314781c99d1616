"""A dialogue's analysis kept up to date after the commit, and read by the staff's pages
and the API without computing anything.

- the event handlers (:mod:`plugins.analysis.handlers`) store a proposal's stems and mark
  its dialogue's results stale (:func:`request_refresh`: one more ``generation``), in
  their job's short transaction;
- :func:`refresh_stale` recomputes each stale dialogue once, however many proposals
  arrived since (a burst of submissions costs one computation): under a per-dialogue
  task lease (one worker at a time), it reads the proposals in a read transaction,
  computes in a thread (the worker's event loop keeps serving), then writes the results
  in a short write transaction, marked with the generation it read: what arrived
  meanwhile leaves the dialogue stale for the next pass. The app runs it in a task of its
  own at the event jobs' pace (:func:`run_forever`), not in the event jobs' runner: a
  long computation holds up no other job, and no writer waits for it;
- a dialogue is stale too when its public proposals are no longer those the results
  reflect (:class:`~plugins.analysis.store.Version`: a proposal edited, hidden...).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, upsert, utcnow
from core.leases import HOLDER, hold_task, release_task
from core.models import Dialogue, Proposal
from core.services.merging import MERGEABLE_STATUSES
from plugins.analysis.models import AnalysisResult
from plugins.analysis.similar import Document, SimilarityIndex, duplicate_groups
from plugins.analysis.store import (
    Listed,
    Version,
    analysed_proposals,
    current_version,
    distinct_pairs,
    public_of,
)
from plugins.analysis.themes import Suggestion, ThemeSuggester
from plugins.analysis.topics import Topic, find_topics

log = logging.getLogger("participe.analysis")

#: How long a worker may compute a dialogue's analysis before another may take over.
REFRESH_LEASE = timedelta(minutes=15)


def lease_name(dialogue_id: int) -> str:
    return f"analysis:{dialogue_id}"


# -- asking for a refresh ------------------------------------------------------------


async def request_refresh(session: AsyncSession, dialogue_id: int) -> None:
    """Marks the dialogue's results stale, in ``session``'s transaction: one statement,
    whatever the results' size."""
    table: Any = AnalysisResult.__table__
    await session.execute(
        upsert(session, AnalysisResult)
        .values(
            dialogue_id=dialogue_id,
            generation=1,
            computed_generation=0,
            requested_at=utcnow(),
            proposal_count=0,
            threshold=0.0,
            groups=[],
            topics=[],
            themes=[],
        )
        .on_conflict_do_update(
            index_elements=["dialogue_id"],
            set_={"generation": table.c.generation + 1, "requested_at": utcnow()},
        )
    )


async def forget(
    session: AsyncSession,
    dialogue_id: int,
    *,
    pair: tuple[int, int] | None = None,
    proposals: frozenset[int] = frozenset(),
) -> None:
    """Takes out of the stored results at once a pair marked distinct, or the proposals
    merged into another, and marks them stale."""
    row = await session.get(AnalysisResult, dialogue_id)
    if row is not None:
        row.groups = _without(row.groups, [pair] if pair else [], proposals)
        if proposals:
            row.topics = [
                {**t, "proposal_ids": [i for i in t["proposal_ids"] if i not in proposals]}
                for t in row.topics
            ]
            row.themes = [s for s in row.themes if s["proposal_id"] not in proposals]
        await session.flush()
    await request_refresh(session, dialogue_id)


# -- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """The results as the pages and the API show them: ``computed_at`` (``None``: never
    computed yet), ``stale`` (being updated), the duplicate ``groups`` without the pairs
    marked distinct, the ``topics`` with ``listed`` to name their proposals, the theme
    ``suggestions`` with ``without`` to name theirs. Proposals no longer public are left
    out."""

    computed_at: datetime | None
    stale: bool
    groups: list[tuple[list[Listed], float]]
    topics: list[Topic]
    listed: dict[int, Listed]
    suggestions: list[Suggestion]
    without: dict[int, Listed]


def _without(
    groups: list[Any], distinct: list[tuple[int, int]], gone: Collection[int]
) -> list[Any]:
    """Stored groups without the proposals ``gone`` and, of each pair marked distinct in
    a group, its later proposal (the group's first is the one the page marks against);
    a group left with one proposal is no group."""
    later: set[tuple[int, int]] = {(min(a, b), max(a, b)) for a, b in distinct}
    found = []
    for group in groups:
        ids = [int(i) for i in group["proposal_ids"] if i not in gone]
        ids = [i for i in ids if not any((low, i) in later for low in ids if low < i)]
        if len(ids) > 1:
            found.append({**group, "proposal_ids": ids})
    return found


def _version(row: AnalysisResult) -> Version:
    return Version(row.proposal_count, row.max_proposal_id, row.max_updated_at)


async def stored(session: AsyncSession, dialogue: Dialogue, threshold: float) -> Stored:
    """The dialogue's stored results: a few short queries, no computation."""
    rows = await session.execute(
        select(Proposal.id, Proposal.title, Proposal.status, Proposal.theme)
        .where(*public_of(dialogue.id))
        .order_by(Proposal.id)
    )
    listed = {pid: Listed(pid, title, str(status), theme) for pid, title, status, theme in rows}
    row = await session.get(AnalysisResult, dialogue.id)
    if row is None:
        return Stored(None, True, [], [], listed, [], {})
    stale = (
        row.generation > row.computed_generation
        or _version(row) != await current_version(session, dialogue.id)
        or threshold != row.threshold
    )
    # A duplicate group is one staff may merge: a proposal merged already (closed as
    # refused) or closed otherwise is in none.
    closed = {pid for pid, p in listed.items() if p.status not in MERGEABLE_STATUSES}
    gone = closed | {pid for group in row.groups for pid in group["proposal_ids"]} - set(listed)
    groups = [
        (group["proposal_ids"], float(group["score"]))
        for group in _without(row.groups, await distinct_pairs(session, dialogue), gone)
    ]
    topics = [
        Topic(list(t["key_words"]), ids)
        for t in row.topics
        if (ids := [int(i) for i in t["proposal_ids"] if i in listed])
    ]
    suggestions = [
        Suggestion(int(s["proposal_id"]), str(s["theme"]), float(s["confidence"]))
        for s in row.themes
        if s["proposal_id"] in listed and not listed[s["proposal_id"]].theme
    ]
    return Stored(
        computed_at=row.computed_at if row.computed_generation > 0 else None,
        stale=stale,
        groups=[([listed[pid] for pid in members], score) for members, score in groups],
        topics=topics,
        listed=listed,
        suggestions=suggestions,
        without={s.proposal_id: listed[s.proposal_id] for s in suggestions},
    )


# -- computing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the computation reads, loaded in one read transaction."""

    version: Version
    threshold: float
    documents: list[Document]
    texts: list[str]
    themes: list[str | None]
    theme_keys: frozenset[str]
    distinct: list[tuple[int, int]]


@dataclass(frozen=True)
class Computed:
    groups: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    themes: list[dict[str, Any]]


async def snapshot(session: AsyncSession, dialogue: Dialogue, threshold: float) -> Snapshot:
    version = await current_version(session, dialogue.id)
    found = await analysed_proposals(session, dialogue.id)
    documents = [Document(p.id, p.title, p.body) for p in found]
    texts = [p.text for p in found]
    themes = [p.theme for p in found]
    keys = frozenset(
        str(option["key"])
        for option in dialogue.themes or []
        if isinstance(option, dict) and option.get("key")
    )
    distinct = await distinct_pairs(session, dialogue)
    return Snapshot(version, threshold, documents, texts, themes, keys, distinct)


def compute(data: Snapshot) -> Computed:
    """The whole analysis of a dialogue: pure, and the costly part (seconds at thousands
    of proposals), run in a thread."""
    index = SimilarityIndex([d.id for d in data.documents], data.texts)
    groups = [
        {"proposal_ids": ids, "score": score}
        for ids, score in duplicate_groups(index.pairs(data.threshold), data.distinct)
    ]
    topics = [
        {"key_words": t.key_words, "proposal_ids": t.proposal_ids}
        for t in find_topics(data.documents)
    ]
    examples = [
        (d.title, d.body, theme)
        for d, theme in zip(data.documents, data.themes, strict=True)
        if theme and theme in data.theme_keys
    ]
    without = [
        (d.id, d.title, d.body)
        for d, theme in zip(data.documents, data.themes, strict=True)
        if not theme
    ]
    themes = [
        {"proposal_id": s.proposal_id, "theme": s.theme, "confidence": s.confidence}
        for s in ThemeSuggester(examples).suggest(without)
    ]
    return Computed(groups, topics, themes)


#: The dialogues this process is computing: one task at a time each (the task lease
#: tells processes apart, not the tasks of one).
_computing: set[int] = set()


async def refresh(database: Database, dialogue_id: int, *, holder: str = HOLDER) -> bool:
    """Recomputes the dialogue's results unless another worker is at it (the task lease
    ``analysis:<id>``, taken by ``holder``); whether it did."""
    if dialogue_id in _computing:
        return False
    _computing.add(dialogue_id)
    try:
        name = lease_name(dialogue_id)
        if not await hold_task(database, name, lease=REFRESH_LEASE, holder=holder):
            return False
        try:
            return await _refresh(database, dialogue_id)
        finally:
            await release_task(database, name, holder=holder)
    finally:
        _computing.discard(dialogue_id)


async def _refresh(database: Database, dialogue_id: int) -> bool:
    from plugins.analysis.module import ANALYSIS, settings_of

    async with database.read_session() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        row = await session.get(AnalysisResult, dialogue_id)
        if dialogue is None or not ANALYSIS.enabled_on(dialogue):
            return False
        generation = row.generation if row is not None else 0
        data = await snapshot(session, dialogue, settings_of(dialogue).threshold)
    if row is None:
        async with database.write_session() as session:
            await request_refresh(session, dialogue_id)
        generation = 1
    computed = await asyncio.to_thread(compute, data)
    async with database.write_session() as session:
        await session.execute(
            update(AnalysisResult)
            .where(AnalysisResult.dialogue_id == dialogue_id)
            .values(
                computed_generation=generation,
                computed_at=utcnow(),
                proposal_count=data.version.count,
                max_proposal_id=data.version.max_id,
                max_updated_at=data.version.max_updated_at,
                threshold=data.threshold,
                groups=computed.groups,
                topics=computed.topics,
                themes=computed.themes,
            )
        )
    return True


async def stale_dialogues(database: Database) -> list[int]:
    """The dialogues whose results are stale: asked for, computed at another threshold,
    or whose public proposals changed since."""
    from plugins.analysis.module import settings_of

    async with database.read_session() as session:
        # The versions only: not the results themselves, read every pass.
        rows = await session.execute(
            select(
                AnalysisResult.dialogue_id,
                AnalysisResult.generation,
                AnalysisResult.computed_generation,
                AnalysisResult.proposal_count,
                AnalysisResult.max_proposal_id,
                AnalysisResult.max_updated_at,
                AnalysisResult.threshold,
                Dialogue,
            ).join(Dialogue, Dialogue.id == AnalysisResult.dialogue_id)
        )
        # Behind: asked for, or computed at another threshold than the module's now.
        asked = {
            row.dialogue_id: (
                row.generation > row.computed_generation
                or row.threshold != settings_of(row.Dialogue).threshold,
                Version(row.proposal_count, row.max_proposal_id, row.max_updated_at),
            )
            for row in rows
        }
        if not asked:
            return []
        versions = {
            dialogue_id: Version(int(count), max_id, max_updated_at)
            for dialogue_id, count, max_id, max_updated_at in await session.execute(
                select(
                    Proposal.dialogue_id,
                    func.count(Proposal.id),
                    func.max(Proposal.id),
                    func.max(Proposal.updated_at),
                )
                .where(*public_of(None), Proposal.dialogue_id.in_(asked))
                .group_by(Proposal.dialogue_id)
            )
        }
    return [
        dialogue_id
        for dialogue_id, (behind, version) in sorted(asked.items())
        if behind or version != versions.get(dialogue_id, Version(0, None, None))
    ]


async def refresh_stale(database: Database) -> int:
    """Recomputes each stale dialogue once; how many it recomputed."""
    done = 0
    for dialogue_id in await stale_dialogues(database):
        if await refresh(database, dialogue_id):
            done += 1
    return done


async def run_forever(database: Database, seconds: float) -> None:
    """The app's task: a pass every ``seconds``; a failure is logged and tried again."""
    while True:
        try:
            await refresh_stale(database)
        except Exception as failure:  # the next pass tries again
            log.warning("analysis: refreshing the results failed: %s", failure)
        await asyncio.sleep(seconds)
