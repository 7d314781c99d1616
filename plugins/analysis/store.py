"""The analysis of a dialogue's proposals as stored, and what staff decided.

A proposal's stems are stored after its submission (:func:`analyse_proposal`, run by the
event handlers); the look-ups read them, and stem again only the proposals edited since
or never analysed, so that a look-up is right even before the handler ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.models import Dialogue, Proposal, User
from core.models.proposals import PUBLIC_STATUSES
from plugins.analysis.models import AnalysedText, DistinctPair
from plugins.analysis.similar import Document, Match, SimilarityIndex, analysed, duplicate_groups
from plugins.analysis.themes import Suggestion, ThemeSuggester
from plugins.analysis.topics import Topic, find_topics


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


def _public(dialogue: Dialogue) -> list[ColumnElement[bool]]:
    return [
        Proposal.dialogue_id == dialogue.id,
        Proposal.status.in_(PUBLIC_STATUSES),
        Proposal.hidden_at.is_(None),
    ]


async def proposals_of(session: AsyncSession, dialogue: Dialogue) -> list[Proposal]:
    """The dialogue's public proposals, in id order."""
    rows = await session.scalars(select(Proposal).where(*_public(dialogue)).order_by(Proposal.id))
    return list(rows)


async def similarity_index(
    session: AsyncSession, dialogue: Dialogue
) -> tuple[SimilarityIndex, dict[int, Listed]]:
    """The index of the dialogue's public proposals, and how to name them."""
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
        .where(*_public(dialogue))
        .order_by(Proposal.id)
    )
    ids: list[int] = []
    texts: list[str] = []
    listed: dict[int, Listed] = {}
    for pid, title, body, status, theme, updated_at, text, analysed_at in rows:
        fresh = text is not None and analysed_at is not None and analysed_at >= updated_at
        ids.append(pid)
        texts.append(text if fresh else analysed(title, body))
        listed[pid] = Listed(pid, title, str(status), theme)
    return SimilarityIndex(ids, texts), listed


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
    index, listed = await similarity_index(session, dialogue)
    found = index.similar(title, body, limit=limit, threshold=threshold, exclude=exclude)
    return [(listed[match.id], match) for match in found]


async def distinct_pairs(session: AsyncSession, dialogue: Dialogue) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(DistinctPair.first_id, DistinctPair.second_id).where(
            DistinctPair.dialogue_id == dialogue.id
        )
    )
    return [(a, b) for a, b in rows]


async def duplicates(
    session: AsyncSession, dialogue: Dialogue, threshold: float
) -> list[tuple[list[Listed], float]]:
    """The likely duplicate groups of the dialogue, best first, without the pairs staff
    said are distinct."""
    index, listed = await similarity_index(session, dialogue)
    groups = duplicate_groups(index.pairs(threshold), await distinct_pairs(session, dialogue))
    return [([listed[pid] for pid in members], score) for members, score in groups]


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


async def topics(
    session: AsyncSession, dialogue: Dialogue
) -> tuple[list[Topic], dict[int, Listed]]:
    """The dialogue's topics, and how to name their proposals."""
    proposals = await proposals_of(session, dialogue)
    listed = {p.id: Listed(p.id, p.title, str(p.status), p.theme) for p in proposals}
    return find_topics([Document(p.id, p.title, p.body) for p in proposals]), listed


async def theme_suggestions(
    session: AsyncSession, dialogue: Dialogue
) -> tuple[list[Suggestion], dict[int, Listed]]:
    """A theme for each public proposal without one, learnt from those with one; only
    the dialogue's themes are suggested."""
    proposals = await proposals_of(session, dialogue)
    keys = {option.get("key") for option in dialogue.themes or [] if isinstance(option, dict)}
    examples = [(p.title, p.body, p.theme) for p in proposals if p.theme in keys and p.theme]
    suggester = ThemeSuggester([(t, b, theme) for t, b, theme in examples if theme])
    without = [p for p in proposals if not p.theme]
    listed = {p.id: Listed(p.id, p.title, str(p.status), p.theme) for p in without}
    return suggester.suggest([(p.id, p.title, p.body) for p in without]), listed
