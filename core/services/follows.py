"""Who follows what.

A user follows a dialogue or a proposal explicitly (``follow``), and without asking what
they took part in: their own proposals and those they voted for or commented on, and the
dialogues where they did. ``unfollow`` writes a refusal that also stops the automatic
follow; following again lifts it. Nothing is written when a citizen votes or comments:
the automatic followers are read from the ballots, proposals and comments themselves when
news is sent (:func:`proposal_followers`, :func:`dialogue_followers`), so following costs
the vote nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import upsert, utcnow
from core.models import Ballot, Comment, Dialogue, Follow, Proposal, User, Vote
from core.models.proposals import ProposalStatus


async def set_follow(
    session: AsyncSession,
    user: User,
    dialogue: Dialogue,
    proposal: Proposal | None,
    *,
    active: bool,
    now: datetime | None = None,
) -> None:
    """Follows (``active``) or stops following ``proposal``, or ``dialogue`` when
    ``proposal`` is ``None``; at once safe when two requests of the user race."""
    now = now or utcnow()
    insert = upsert(session, Follow)
    where = Follow.proposal_id.is_(None) if proposal is None else Follow.proposal_id.is_not(None)
    statement = insert.values(
        user_id=user.id,
        dialogue_id=dialogue.id,
        proposal_id=proposal.id if proposal is not None else None,
        active=active,
        created_at=now,
        updated_at=now,
    ).on_conflict_do_update(
        index_elements=["user_id", "dialogue_id"]
        if proposal is None
        else ["user_id", "proposal_id"],
        index_where=where,
        set_={"active": active, "updated_at": now},
    )
    await session.execute(statement)


def _followers(chosen: Any, refused: Any, *participants: Any) -> Select[Any]:
    """The users of ``chosen`` and ``participants`` (selects of user ids), less those of
    ``refused``, whose account is not deleted."""
    everyone = union(chosen, *participants).subquery()
    column = everyone.c.user_id
    return select(column).where(
        column.not_in(refused),
        exists().where(User.id == column, User.deleted_at.is_(None)),
    )


def _proposal_participants(proposal_ids: Any) -> Any:
    """Users who wrote, voted for or commented on one of ``proposal_ids`` (a selectable
    of ids or a list)."""
    authors = select(Proposal.author_id.label("user_id")).where(
        Proposal.id.in_(proposal_ids), Proposal.author_id.is_not(None)
    )
    voters = (
        select(Ballot.user_id.label("user_id"))
        .join(Vote, Vote.ballot_id == Ballot.id)
        .where(
            Vote.proposal_id.in_(proposal_ids),
            Ballot.user_id.is_not(None),
            Ballot.voided_at.is_(None),
        )
    )
    commenters = select(Comment.author_id.label("user_id")).where(
        Comment.proposal_id.in_(proposal_ids),
        Comment.author_id.is_not(None),
        Comment.hidden_at.is_(None),
    )
    return authors, voters, commenters


def proposal_followers(proposal_id: int) -> Select[Any]:
    """The ids of the users who follow proposal ``proposal_id``: explicitly, or as its
    author, a voter or a commenter who did not stop following it."""
    ids = [proposal_id]
    chosen = select(Follow.user_id).where(Follow.proposal_id == proposal_id, Follow.active)
    refused = select(Follow.user_id).where(
        Follow.proposal_id == proposal_id, Follow.active.is_(False)
    )
    return _followers(chosen, refused, *_proposal_participants(ids))


def dialogue_followers(dialogue_id: int) -> Select[Any]:
    """The ids of the users who follow dialogue ``dialogue_id``: explicitly, or as an
    author, a voter or a commenter in it who did not stop following it."""
    dialogue_follows = and_(Follow.dialogue_id == dialogue_id, Follow.proposal_id.is_(None))
    chosen = select(Follow.user_id).where(dialogue_follows, Follow.active)
    refused = select(Follow.user_id).where(dialogue_follows, Follow.active.is_(False))
    proposals = select(Proposal.id).where(
        Proposal.dialogue_id == dialogue_id, Proposal.status != ProposalStatus.DRAFT
    )
    voters = select(Ballot.user_id).where(
        Ballot.dialogue_id == dialogue_id,
        Ballot.user_id.is_not(None),
        Ballot.voided_at.is_(None),
    )
    authors, _, commenters = _proposal_participants(proposals)
    return _followers(chosen, refused, authors, voters, commenters)


async def follows_dialogue(session: AsyncSession, user: User, dialogue_id: int) -> bool:
    followers = dialogue_followers(dialogue_id).subquery()
    return bool(await session.scalar(select(exists().where(followers.c.user_id == user.id))))


async def follows_proposal(session: AsyncSession, user: User, proposal_id: int) -> bool:
    followers = proposal_followers(proposal_id).subquery()
    return bool(await session.scalar(select(exists().where(followers.c.user_id == user.id))))


@dataclass(frozen=True)
class Followed:
    """One thing a user follows: a dialogue (``proposal_id`` ``None``) or a proposal."""

    dialogue_id: int
    dialogue_slug: str
    proposal_id: int | None
    title: str
    automatic: bool


async def followed_by(session: AsyncSession, user: User) -> list[Followed]:
    """What ``user`` follows, explicitly or automatically, dialogues first."""
    rows = (
        await session.execute(
            select(Follow.dialogue_id, Follow.proposal_id, Follow.active).where(
                Follow.user_id == user.id
            )
        )
    ).all()
    chosen_dialogues = {r.dialogue_id for r in rows if r.proposal_id is None and r.active}
    refused_dialogues = {r.dialogue_id for r in rows if r.proposal_id is None and not r.active}
    chosen_proposals = {r.proposal_id for r in rows if r.proposal_id is not None and r.active}
    refused_proposals = {r.proposal_id for r in rows if r.proposal_id is not None and not r.active}
    taken_part = {
        proposal_id
        for proposal_id in await session.scalars(
            union(
                select(Proposal.id).where(
                    Proposal.author_id == user.id, Proposal.status != ProposalStatus.DRAFT
                ),
                select(Vote.proposal_id)
                .join(Ballot, Ballot.id == Vote.ballot_id)
                .where(Ballot.user_id == user.id, Ballot.voided_at.is_(None)),
                select(Comment.proposal_id).where(
                    Comment.author_id == user.id, Comment.hidden_at.is_(None)
                ),
            )
        )
    }
    voted_in = set(
        await session.scalars(
            select(Ballot.dialogue_id).where(Ballot.user_id == user.id, Ballot.voided_at.is_(None))
        )
    )
    proposal_ids = (taken_part - refused_proposals) | chosen_proposals
    proposals = {
        p.id: p
        for p in await session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)))
    }
    automatic_dialogues = (
        {p.dialogue_id for p in proposals.values() if p.id in taken_part} | voted_in
    ) - refused_dialogues
    dialogue_ids = chosen_dialogues | automatic_dialogues
    dialogues = {
        d.id: d
        for d in await session.scalars(
            select(Dialogue).where(
                Dialogue.id.in_(dialogue_ids | {p.dialogue_id for p in proposals.values()})
            )
        )
    }
    followed = [
        Followed(
            d_id, dialogues[d_id].slug, None, dialogues[d_id].title, d_id not in chosen_dialogues
        )
        for d_id in sorted(dialogue_ids)
        if d_id in dialogues
    ]
    followed += [
        Followed(
            p.dialogue_id,
            dialogues[p.dialogue_id].slug,
            p.id,
            p.title,
            p.id not in chosen_proposals,
        )
        for p in sorted(proposals.values(), key=lambda p: p.id)
        if p.dialogue_id in dialogues
    ]
    return followed
