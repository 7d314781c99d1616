"""The tally of a dialogue from its counted ballots.

Counts come from queries over ``votes`` (there is no per-proposal counter column): the
votes of counted ballots are streamed in chunks into compact arrays, handed to the vote
type's pure :meth:`~core.vote_types.VoteType.tally`.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ballot_sources import extra_ballots, with_extra_votes
from core.models import Ballot, Dialogue, Proposal, Vote
from core.models.ballots import BallotStatus
from core.models.proposals import CANDIDATE_STATUSES
from core.plugin_manager import Plugins
from core.services.ballot_box import vote_rules
from core.services.proposal_facts import FACT_COLUMNS, facts_from
from core.vote_types import CountedVotes, ProposalFacts

CHUNK = 10_000


@dataclass(frozen=True)
class Tally:
    """A dialogue's tally: ``proposals`` maps every candidate to its vote type's tally."""

    vote_type: str
    ballots_counted: int
    proposals: dict[int, dict[str, Any]]


def candidates_query(dialogue: Dialogue) -> Select[Any]:
    return select(Proposal.id).where(
        Proposal.dialogue_id == dialogue.id,
        Proposal.status.in_(CANDIDATE_STATUSES),
        Proposal.hidden_at.is_(None),
    )


def counted_condition(dialogue: Dialogue) -> Any:
    """The ballots the tally counts: confirmed and not voided."""
    return (
        (Ballot.dialogue_id == dialogue.id)
        & (Ballot.status == BallotStatus.CONFIRMED)
        & Ballot.voided_at.is_(None)
    )


async def candidate_facts(session: AsyncSession, dialogue: Dialogue) -> dict[int, ProposalFacts]:
    """The facts of every candidate of ``dialogue`` (every proposal in the vote), in
    ascending ids, in one query: its keys are the candidates."""
    rows = await session.execute(
        candidates_query(dialogue).add_columns(*FACT_COLUMNS).order_by(Proposal.id)
    )
    return {proposal_id: facts_from(*facts) for proposal_id, *facts in rows}


async def counted_votes(session: AsyncSession, dialogue: Dialogue) -> CountedVotes:
    """The votes of ``dialogue``'s counted ballots on its candidates, in the order
    :class:`CountedVotes` promises, with the candidates' facts."""
    ballots_counted = (
        await session.scalar(
            select(func.count()).select_from(Ballot).where(counted_condition(dialogue))
        )
        or 0
    )
    ballot_ids, proposal_ids, values = array("q"), array("q"), array("q")
    result = await session.stream(
        select(Vote.ballot_id, Vote.proposal_id, Vote.value)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(counted_condition(dialogue), Vote.proposal_id.in_(candidates_query(dialogue)))
        .order_by(Vote.ballot_id, Vote.proposal_id)
        .execution_options(yield_per=CHUNK)
    )
    async for rows in result.partitions(CHUNK):
        for ballot_id, proposal_id, value in rows:
            ballot_ids.append(ballot_id)
            proposal_ids.append(proposal_id)
            values.append(value)
    facts = await candidate_facts(session, dialogue)
    return CountedVotes(
        candidates=list(facts),
        ballot_ids=ballot_ids,
        proposal_ids=proposal_ids,
        values=values,
        ballots_counted=ballots_counted,
        facts=facts,
    )


async def tally_dialogue(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> Tally:
    """Counts ``dialogue``'s ballots with its vote type, with those of the ballot sources
    that apply to it (:mod:`core.ballot_sources`)."""
    rules = vote_rules(plugins, dialogue)
    votes = await counted_votes(session, dialogue)
    extra = await extra_ballots(session, plugins, dialogue, votes.candidates)
    votes = with_extra_votes(votes, extra)
    return Tally(
        vote_type=rules.kind.id,
        ballots_counted=votes.ballots_counted,
        proposals=rules.kind.tally(rules.settings, votes),
    )
