"""Participation figures of a dialogue, from aggregate queries (no counter columns)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Ballot, Comment, Dialogue, Proposal, Vote
from core.models.proposals import ProposalStatus


@dataclass(frozen=True)
class Figures:
    participants: int
    proposals: int
    votes: int
    comments: int


async def figures(session: AsyncSession, dialogue: Dialogue) -> Figures:
    """How many people took part (proposed, commented or voted), how many public
    proposals, votes (in ballots not voided) and visible comments ``dialogue`` has."""
    public = (
        Proposal.dialogue_id == dialogue.id,
        Proposal.status != ProposalStatus.DRAFT,
        Proposal.hidden_at.is_(None),
    )
    proposals = await session.scalar(select(func.count()).select_from(Proposal).where(*public))
    comments = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*public, Comment.hidden_at.is_(None))
    )
    votes = await session.scalar(
        select(func.count())
        .select_from(Vote)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.dialogue_id == dialogue.id, Ballot.voided_at.is_(None))
    )
    people = union(
        select(Proposal.author_id.label("user_id")).where(*public),
        select(Comment.author_id.label("user_id"))
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*public, Comment.hidden_at.is_(None)),
        select(Ballot.user_id.label("user_id")).where(
            Ballot.dialogue_id == dialogue.id,
            Ballot.voided_at.is_(None),
            select(Vote.ballot_id).where(Vote.ballot_id == Ballot.id).exists(),
        ),
    ).subquery()
    participants = await session.scalar(
        select(func.count()).select_from(people).where(people.c.user_id.is_not(None))
    )
    return Figures(
        participants=participants or 0,
        proposals=proposals or 0,
        votes=votes or 0,
        comments=comments or 0,
    )
