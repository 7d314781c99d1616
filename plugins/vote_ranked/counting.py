"""From counted ballots to the ranked tally: builds the ballot array that
:mod:`plugins.vote_ranked.tally` counts (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy
import numpy.typing as npt

from core.vote_types import CountedVotes
from plugins.vote_ranked.tally import RankedTally, borda, instant_runoff, schulze

METHODS: dict[str, Callable[[npt.ArrayLike, Sequence[int]], RankedTally]] = {
    "borda": borda,
    "schulze": schulze,
    "instant_runoff": instant_runoff,
}


def ballot_array(votes: CountedVotes, candidates: Sequence[int]) -> npt.NDArray[numpy.int64]:
    """One row per ballot listing candidate indices (into ``candidates``, ascending ids)
    from first to last choice, padded with -1. Votes on other proposals are dropped; the
    remaining ones keep their order, so a dropped rank leaves no gap."""
    ids = numpy.asarray(candidates, dtype=numpy.int64)
    ballots = numpy.asarray(votes.ballot_ids, dtype=numpy.int64)
    proposals = numpy.asarray(votes.proposal_ids, dtype=numpy.int64)
    ranks = numpy.asarray(votes.values, dtype=numpy.int64)
    positions = numpy.searchsorted(ids, proposals)
    known = positions < ids.size
    known[known] = ids[positions[known]] == proposals[known]
    ballots, positions, ranks = ballots[known], positions[known], ranks[known]
    if ballots.size == 0:
        return numpy.full((0, 1), -1, dtype=numpy.int64)
    order = numpy.lexsort((ranks, ballots))
    ballots, positions = ballots[order], positions[order]
    starts = numpy.flatnonzero(numpy.r_[True, ballots[1:] != ballots[:-1]])
    rows = numpy.cumsum(numpy.r_[False, ballots[1:] != ballots[:-1]])
    columns = numpy.arange(ballots.size) - starts[rows]
    array = numpy.full((starts.size, int(columns.max()) + 1), -1, dtype=numpy.int64)
    array[rows, columns] = positions
    return array


def count_ranked(method: str, votes: CountedVotes) -> dict[int, dict[str, Any]]:
    """Every candidate's ``score`` under ``method`` and its ``rank`` in the method's order
    (1 is the winner)."""
    candidates = sorted(set(votes.candidates))
    if not candidates:
        return {}
    result = METHODS[method](ballot_array(votes, candidates), candidates)
    return {
        proposal_id: {"score": result.scores[proposal_id], "rank": rank}
        for rank, proposal_id in enumerate(result.order, start=1)
    }
