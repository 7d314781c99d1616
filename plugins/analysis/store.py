"""The analysis of a dialogue's proposals as stored, and what staff decided.

A proposal's stems are stored after its submission (:func:`analyse_proposal`, run by the
event handlers); the look-ups read them, and stem again only the proposals edited since
or never analysed, so that a look-up is right even before the handler ran.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.models import Dialogue, Proposal, User
from core.models.proposals import PUBLIC_STATUSES
from plugins.analysis.models import AnalysedText, DistinctPair
from plugins.analysis.similar import Match, SimilarityIndex, analysed


@dataclass(frozen=True)
class Listed:
    """A proposal as the analysis's answers name it."""

    id: int
    title: str
    status: str
    theme: str | None


async def analyse_proposal(session: AsyncSession, proposal_id: int) -> None:
    """Stores the stems of a proposal (again, when it changed)."""
    proposal = await session.get(Proposal, proposal_id)
    if proposal is None:
        return
    text = analysed(proposal.title, proposal.body)
    stored = await session.get(AnalysedText, proposal_id)
    if stored is None:
        session.add(
            AnalysedText(
                proposal_id=proposal.id,
                dialogue_id=proposal.dialogue_id,
                text=text,
                analysed_at=utcnow(),
            )
        )
    else:
        stored.text = text
        stored.analysed_at = utcnow()


def public_of(dialogue_id: int | None) -> list[ColumnElement[bool]]:
    """What makes a proposal of the dialogue one the analysis reads (of any dialogue for
    ``None``)."""
    public: list[ColumnElement[bool]] = [
        Proposal.status.in_(PUBLIC_STATUSES),
        Proposal.hidden_at.is_(None),
    ]
    return public if dialogue_id is None else [Proposal.dialogue_id == dialogue_id, *public]


def _public(dialogue: Dialogue) -> list[ColumnElement[bool]]:
    return public_of(dialogue.id)


@dataclass(frozen=True)
class Version:
    """Which public proposals a dialogue has: their count, the newest's id, the last
    change. Another proposal, one edited or one no longer public changes it."""

    count: int
    max_id: int | None
    max_updated_at: datetime | None


async def current_version(session: AsyncSession, dialogue_id: int) -> Version:
    count, max_id, max_updated_at = (
        await session.execute(
            select(
                func.count(Proposal.id), func.max(Proposal.id), func.max(Proposal.updated_at)
            ).where(*public_of(dialogue_id))
        )
    ).one()
    return Version(int(count or 0), max_id, max_updated_at)


@dataclass(frozen=True)
class Analysed:
    """A public proposal and its stems (stored, or read again when it changed since)."""

    id: int
    title: str
    body: str
    status: str
    theme: str | None
    text: str


async def analysed_proposals(session: AsyncSession, dialogue_id: int) -> list[Analysed]:
    """The dialogue's public proposals with their stems, in id order."""
    rows = await session.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.body,
            Proposal.status,
            Proposal.theme,
            Proposal.updated_at,
            AnalysedText.text,
            AnalysedText.analysed_at,
        )
        .outerjoin(AnalysedText, AnalysedText.proposal_id == Proposal.id)
        .where(*public_of(dialogue_id))
        .order_by(Proposal.id)
    )
    found: list[Analysed] = []
    for pid, title, body, status, theme, updated_at, text, analysed_at in rows:
        fresh = text is not None and analysed_at is not None and analysed_at >= updated_at
        found.append(
            Analysed(pid, title, body, str(status), theme, text if fresh else analysed(title, body))
        )
    return found


async def similarity_index(
    session: AsyncSession, dialogue: Dialogue
) -> tuple[SimilarityIndex, dict[int, Listed]]:
    """The index of the dialogue's public proposals, and how to name them."""
    found = await analysed_proposals(session, dialogue.id)
    listed = {p.id: Listed(p.id, p.title, p.status, p.theme) for p in found}
    return SimilarityIndex([p.id for p in found], [p.text for p in found]), listed


#: The similarity indexes this worker built, by dialogue and :class:`Version`, the most
#: recently used last: a look-up while writing rebuilds none while the proposals stay
#: the same.
_INDEXES: OrderedDict[tuple[int, Version], tuple[SimilarityIndex, dict[int, Listed]]] = (
    OrderedDict()
)
#: How many dialogues' indexes a worker keeps.
CACHED_INDEXES = 8


async def cached_index(
    session: AsyncSession, dialogue: Dialogue
) -> tuple[SimilarityIndex, dict[int, Listed]]:
    """:func:`similarity_index`, built again only when the dialogue's public proposals
    changed (one aggregate query tells)."""
    key = (dialogue.id, await current_version(session, dialogue.id))
    found = _INDEXES.get(key)
    if found is not None:
        _INDEXES.move_to_end(key)
        return found
    built = await similarity_index(session, dialogue)
    for old in [k for k in _INDEXES if k[0] == dialogue.id]:
        del _INDEXES[old]
    _INDEXES[key] = built
    while len(_INDEXES) > CACHED_INDEXES:
        _INDEXES.popitem(last=False)
    return built


async def similar(
    session: AsyncSession,
    dialogue: Dialogue,
    title: str,
    body: str,
    *,
    limit: int,
    threshold: float,
    exclude: Sequence[int] = (),
) -> list[tuple[Listed, Match]]:
    """The dialogue's proposals that say what ``title`` and ``body`` say, best first."""
    if not title.strip() and not body.strip():
        raise ValidationFailed("title: Écrivez au moins un titre.")
    index, listed = await cached_index(session, dialogue)
    found = index.similar(title, body, limit=limit, threshold=threshold, exclude=exclude)
    return [(listed[match.id], match) for match in found]


async def distinct_pairs(session: AsyncSession, dialogue: Dialogue) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(DistinctPair.first_id, DistinctPair.second_id).where(
            DistinctPair.dialogue_id == dialogue.id
        )
    )
    return [(a, b) for a, b in rows]


async def mark_distinct(
    session: AsyncSession, dialogue: Dialogue, first: int, second: int, actor: User
) -> bool:
    """Records that two proposals of the dialogue are not duplicates; ``False`` when it
    was already recorded."""
    if first == second:
        raise ValidationFailed("proposal_ids: Deux propositions différentes sont attendues.")
    low, high = min(first, second), max(first, second)
    found = await session.scalars(
        select(Proposal.id).where(Proposal.id.in_((low, high)), Proposal.dialogue_id == dialogue.id)
    )
    if len(set(found)) != 2:
        raise NotFound("Proposition introuvable dans ce dialogue.")
    if await session.get(DistinctPair, (low, high)) is not None:
        return False
    session.add(
        DistinctPair(
            first_id=low,
            second_id=high,
            dialogue_id=dialogue.id,
            decided_by=actor.id,
            decided_at=utcnow(),
        )
    )
    return True
