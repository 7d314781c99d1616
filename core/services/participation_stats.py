"""Participation statistics of a dialogue for its organisers: participants, proposals,
votes and comments over time, by sector and by postal code.

Everything comes from aggregate queries (no counter columns). What counts:

- a proposal once published and not hidden; a comment not hidden;
- a vote: over time, each vote cast (the vote log's ``cast`` entries, and ``replace``
  entries that set a value); by sector and postal code, the votes ballots hold now
  (voided ballots left out);
- a participant: someone who published a proposal, commented or holds a vote; over time,
  on the day of their first contribution.

Days are French days (Europe/Paris) on PostgreSQL; SQLite, the development database,
groups by UTC day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Ballot, Comment, Dialogue, Proposal, User, Vote, VoteLogEntry
from core.models.ballots import VoteAction
from core.models.proposals import ProposalStatus

NO_SECTOR = ""
NO_POSTAL_CODE = ""


@dataclass
class Counts:
    """The figures of one row: a day, a sector, a postal code, or the whole dialogue."""

    key: str
    participants: int = 0
    proposals: int = 0
    comments: int = 0
    votes: int = 0


def _day(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/Paris", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def _public_proposals(dialogue: Dialogue) -> tuple[Any, ...]:
    return (
        Proposal.dialogue_id == dialogue.id,
        Proposal.status != ProposalStatus.DRAFT,
        Proposal.hidden_at.is_(None),
    )


def _activity(dialogue: Dialogue) -> Any:
    """Every contribution as ``(user_id, at)``: proposals, comments, ballots with votes."""
    proposals = select(
        Proposal.author_id.label("user_id"), Proposal.published_at.label("at")
    ).where(*_public_proposals(dialogue), Proposal.author_id.is_not(None))
    comments = (
        select(Comment.author_id.label("user_id"), Comment.created_at.label("at"))
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.dialogue_id == dialogue.id, Comment.hidden_at.is_(None))
        .where(Comment.author_id.is_not(None))
    )
    ballots = select(Ballot.user_id.label("user_id"), Ballot.created_at.label("at")).where(
        Ballot.dialogue_id == dialogue.id,
        Ballot.voided_at.is_(None),
        Ballot.user_id.is_not(None),
        select(Vote.ballot_id).where(Vote.ballot_id == Ballot.id).exists(),
    )
    return union_all(proposals, comments, ballots).subquery("activity")


async def totals(session: AsyncSession, dialogue: Dialogue) -> Counts:
    activity = _activity(dialogue)
    participants = await session.scalar(select(func.count(func.distinct(activity.c.user_id))))
    proposals = await session.scalar(
        select(func.count()).select_from(Proposal).where(*_public_proposals(dialogue))
    )
    comments = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.dialogue_id == dialogue.id, Comment.hidden_at.is_(None))
    )
    votes = await session.scalar(
        select(func.count())
        .select_from(Vote)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.dialogue_id == dialogue.id, Ballot.voided_at.is_(None))
    )
    return Counts("total", participants or 0, proposals or 0, comments or 0, votes or 0)


async def by_day(session: AsyncSession, dialogue: Dialogue) -> list[Counts]:
    """One row per day with a contribution, oldest first: new participants, proposals
    published, comments posted and votes cast that day."""
    rows: dict[str, Counts] = {}

    def row(key: str) -> Counts:
        return rows.setdefault(key, Counts(key))

    day = _day(session, Proposal.published_at)
    for key, count in await session.execute(
        select(day, func.count()).where(*_public_proposals(dialogue)).group_by(day)
    ):
        row(key).proposals = count
    day = _day(session, Comment.created_at)
    for key, count in await session.execute(
        select(day, func.count())
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.dialogue_id == dialogue.id, Comment.hidden_at.is_(None))
        .group_by(day)
    ):
        row(key).comments = count
    day = _day(session, VoteLogEntry.created_at)
    for key, count in await session.execute(
        select(day, func.count())
        .where(
            VoteLogEntry.dialogue_id == dialogue.id,
            (VoteLogEntry.action == VoteAction.CAST.value)
            | ((VoteLogEntry.action == VoteAction.REPLACE.value) & VoteLogEntry.value.is_not(None)),
        )
        .group_by(day)
    ):
        row(key).votes = count
    activity = _activity(dialogue)
    first = (
        select(activity.c.user_id, func.min(activity.c.at).label("first_at"))
        .group_by(activity.c.user_id)
        .subquery("first")
    )
    day = _day(session, first.c.first_at)
    for key, count in await session.execute(select(day, func.count()).group_by(day)):
        row(key).participants = count
    return [rows[key] for key in sorted(k for k in rows if k)]


async def by_sector(session: AsyncSession, dialogue: Dialogue) -> list[Counts]:
    """One row per sector of the dialogue (and one for proposals without a sector):
    its proposals, their comments and votes, and the people who took part in them."""
    rows: dict[str, Counts] = {
        str(option["key"]): Counts(str(option["key"])) for option in dialogue.sectors
    }

    def row(key: str | None) -> Counts:
        return rows.setdefault(key or NO_SECTOR, Counts(key or NO_SECTOR))

    sector = Proposal.sector
    for key, count in await session.execute(
        select(sector, func.count()).where(*_public_proposals(dialogue)).group_by(sector)
    ):
        row(key).proposals = count
    for key, count in await session.execute(
        select(sector, func.count())
        .select_from(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*_public_proposals(dialogue), Comment.hidden_at.is_(None))
        .group_by(sector)
    ):
        row(key).comments = count
    for key, count in await session.execute(
        select(sector, func.count())
        .select_from(Vote)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(*_public_proposals(dialogue), Ballot.voided_at.is_(None))
        .group_by(sector)
    ):
        row(key).votes = count
    people = union_all(
        select(Proposal.sector.label("sector"), Proposal.author_id.label("user_id")).where(
            *_public_proposals(dialogue)
        ),
        select(Proposal.sector.label("sector"), Comment.author_id.label("user_id"))
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(*_public_proposals(dialogue), Comment.hidden_at.is_(None)),
        select(Proposal.sector.label("sector"), Ballot.user_id.label("user_id"))
        .select_from(Vote)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(*_public_proposals(dialogue), Ballot.voided_at.is_(None)),
    ).subquery("people")
    for key, count in await session.execute(
        select(people.c.sector, func.count(func.distinct(people.c.user_id)))
        .where(people.c.user_id.is_not(None))
        .group_by(people.c.sector)
    ):
        row(key).participants = count
    return [rows[key] for key in rows if key != NO_SECTOR or _any(rows[key])]


async def by_postal_code(session: AsyncSession, dialogue: Dialogue) -> list[Counts]:
    """One row per postal code of the participants (as their accounts give it; an
    empty key for those who gave none): participants, and what they contributed."""
    rows: dict[str, Counts] = defaultdict(lambda: Counts(""))

    def row(key: str | None) -> Counts:
        found = rows[key or NO_POSTAL_CODE]
        found.key = key or NO_POSTAL_CODE
        return found

    code = User.postal_code
    for key, count in await session.execute(
        select(code, func.count())
        .select_from(Proposal)
        .join(User, User.id == Proposal.author_id)
        .where(*_public_proposals(dialogue))
        .group_by(code)
    ):
        row(key).proposals = count
    for key, count in await session.execute(
        select(code, func.count())
        .select_from(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .join(User, User.id == Comment.author_id)
        .where(Proposal.dialogue_id == dialogue.id, Comment.hidden_at.is_(None))
        .group_by(code)
    ):
        row(key).comments = count
    for key, count in await session.execute(
        select(code, func.count())
        .select_from(Vote)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .join(User, User.id == Ballot.user_id)
        .where(Ballot.dialogue_id == dialogue.id, Ballot.voided_at.is_(None))
        .group_by(code)
    ):
        row(key).votes = count
    activity = _activity(dialogue)
    for key, count in await session.execute(
        select(code, func.count(func.distinct(activity.c.user_id)))
        .select_from(activity)
        .join(User, User.id == activity.c.user_id)
        .group_by(code)
    ):
        row(key).participants = count
    return sorted(rows.values(), key=lambda item: (item.key == NO_POSTAL_CODE, item.key))


def _any(counts: Counts) -> bool:
    return bool(counts.participants or counts.proposals or counts.comments or counts.votes)
