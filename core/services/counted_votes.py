"""Reading the votes of counted ballots fast, for the results.

Two ways, both over ``votes`` (there is no per-proposal counter to read):

- :func:`vote_counts`: an aggregate query, ``GROUP BY proposal_id, value``; the database
  hands back a few hundred rows however many votes there are. Enough for every vote type
  whose :meth:`~core.vote_types.VoteType.tally_counts` answers.
- :func:`vote_arrays`: one row per vote, as numpy arrays, for tallies and budget rules
  that need whole ballots (ranks, equal shares). On PostgreSQL the rows come packed in one
  ``bytea`` (``string_agg`` of ``int4send``), decoded by numpy in one go, with no Python
  object per row; elsewhere they are fetched.

Both read the votes *on the dialogue's candidates* (a vote's proposal is always in its
ballot's dialogue), which the covering index ``ix_votes_proposal_value`` serves with an
index-only scan, and leave out the votes of the dialogue's ballots that do not count
(drafts, voided ones: usually few), read apart. A million votes are read in about a
fifth of a second this way (``bench/bench_tallies.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
import numpy.typing as npt
from sqlalchemy import Select, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Ballot, Dialogue, Proposal, Vote
from core.services.proposal_facts import FACT_COLUMNS, facts_from
from core.services.tally import candidates_query, counted_condition
from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes, ProposalFacts

__all__ = [
    "Candidate",
    "ballots_counted",
    "candidates",
    "decode_packed",
    "facts_of",
    "vote_arrays",
    "vote_counts",
]

IntArray = npt.NDArray[numpy.int64]

#: One vote packed by ``int4send(ballot_id) || int4send(proposal_id) || int4send(value)``.
_PACKED = numpy.dtype([("ballot", ">i4"), ("proposal", ">i4"), ("value", ">i4")])


@dataclass(frozen=True)
class Candidate:
    """A proposal in the vote, as the results show it and its vote type counts it."""

    id: int
    title: str
    facts: ProposalFacts

    @property
    def cost(self) -> int | None:
        return self.facts.cost


async def candidates(session: AsyncSession, dialogue: Dialogue) -> list[Candidate]:
    """Every proposal of ``dialogue`` in the vote (or chosen from it), ascending ids, with
    its facts."""
    rows = await session.execute(
        candidates_query(dialogue).add_columns(Proposal.title, *FACT_COLUMNS).order_by(Proposal.id)
    )
    return [Candidate(id, title, facts_from(*facts)) for id, title, *facts in rows]


def facts_of(found: Sequence[Candidate]) -> dict[int, ProposalFacts]:
    """The facts of ``found`` by id, as :class:`CountedVotes` holds them."""
    return {candidate.id: candidate.facts for candidate in found}


async def ballots_counted(session: AsyncSession, dialogue: Dialogue) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Ballot).where(counted_condition(dialogue))
    )
    return int(count or 0)


def _uncounted(dialogue: Dialogue) -> Select[Any]:
    """The dialogue's ballots that do not count."""
    return select(Ballot.id).where(
        Ballot.dialogue_id == dialogue.id, not_(counted_condition(dialogue))
    )


async def vote_counts(
    session: AsyncSession, dialogue: Dialogue, candidate_ids: list[int], counted: int
) -> VoteCounts:
    """The votes of counted ballots on the candidates, grouped by proposal and value."""
    on_candidates = Vote.proposal_id.in_(candidates_query(dialogue))
    grouped = Counter[tuple[int, int]]()
    everyone = await session.execute(
        select(Vote.proposal_id, Vote.value, func.count())
        .where(on_candidates)
        .group_by(Vote.proposal_id, Vote.value)
    )
    for proposal_id, value, count in everyone:
        grouped[proposal_id, value] += count
    left_out = await session.execute(
        select(Vote.proposal_id, Vote.value, func.count())
        .where(on_candidates, Vote.ballot_id.in_(_uncounted(dialogue)))
        .group_by(Vote.proposal_id, Vote.value)
    )
    for proposal_id, value, count in left_out:
        grouped[proposal_id, value] -= count
    known = set(candidate_ids)
    rows = [(p, v, n) for (p, v), n in sorted(grouped.items()) if n > 0 and p in known]
    return VoteCounts.from_rows(candidate_ids, rows, counted)


async def vote_arrays(
    session: AsyncSession,
    dialogue: Dialogue,
    candidate_ids: list[int],
    counted: int,
    *,
    facts: Mapping[int, ProposalFacts] | None = None,
) -> CountedVotes:
    """The votes of counted ballots on the candidates, one row per vote, as
    :class:`CountedVotes` holding numpy arrays (rows by ballot, then proposal), with the
    candidates' ``facts`` when given (:func:`facts_of` the :func:`candidates`)."""
    if session.get_bind().dialect.name == "postgresql":
        packed = await session.scalar(
            select(
                func.string_agg(
                    func.int4send(Vote.ballot_id)
                    .op("||")(func.int4send(Vote.proposal_id))
                    .op("||")(func.int4send(Vote.value)),
                    func.decode("", "hex"),
                )
            ).where(Vote.proposal_id.in_(candidates_query(dialogue)))
        )
        ballot_ids, proposal_ids, values = decode_packed(bytes(packed or b""))
    else:
        result = await session.execute(
            select(Vote.ballot_id, Vote.proposal_id, Vote.value).where(
                Vote.proposal_id.in_(candidates_query(dialogue))
            )
        )
        array = numpy.array(result.all(), dtype=numpy.int64).reshape(-1, 3)
        ballot_ids, proposal_ids, values = array[:, 0], array[:, 1], array[:, 2]
    uncounted = numpy.fromiter(await session.scalars(_uncounted(dialogue)), dtype=numpy.int64)
    keep = numpy.isin(proposal_ids, numpy.asarray(candidate_ids, dtype=numpy.int64))
    if uncounted.size:
        keep &= ~numpy.isin(ballot_ids, uncounted)
    ballot_ids, proposal_ids, values = ballot_ids[keep], proposal_ids[keep], values[keep]
    order = numpy.lexsort((proposal_ids, ballot_ids))
    return CountedVotes(
        candidates=candidate_ids,
        ballot_ids=ballot_ids[order],
        proposal_ids=proposal_ids[order],
        values=values[order],
        ballots_counted=counted,
        facts=facts or {},
    )


def decode_packed(data: bytes) -> tuple[IntArray, IntArray, IntArray]:
    """The ballot ids, proposal ids and values packed by :func:`vote_arrays`' query."""
    if len(data) % _PACKED.itemsize:
        raise ValueError("packed votes are three int4 per vote")
    rows = numpy.frombuffer(data, dtype=_PACKED)
    return (
        rows["ballot"].astype(numpy.int64),
        rows["proposal"].astype(numpy.int64),
        rows["value"].astype(numpy.int64),
    )
