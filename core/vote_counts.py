"""Counted votes grouped by proposal and value: what an aggregate query returns.

Most vote types count without knowing which ballot a vote belongs to: supports, for and
against, points are sums over the votes of each proposal. For them the database can do the
work (``GROUP BY proposal_id, value`` over the votes of counted ballots) and hand back a
few hundred rows instead of a million; :meth:`core.vote_types.VoteType.tally_counts` turns
those rows into the same tally as :meth:`~core.vote_types.VoteType.tally`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy
import numpy.typing as npt

__all__ = ["VoteCounts"]

IntArray = npt.NDArray[numpy.int64]


@dataclass(frozen=True, eq=False)
class VoteCounts:
    """``counts[i]`` counted ballots gave the value ``values[i]`` to ``proposal_ids[i]``.

    One row per (proposal, value) pair that occurs, in any order, only for proposals
    among ``candidates`` (every proposal in the vote, ascending ids, voted on or not).
    ``ballots_counted`` is the number of counted ballots.
    """

    candidates: Sequence[int]
    proposal_ids: IntArray
    values: IntArray
    counts: IntArray
    ballots_counted: int

    @classmethod
    def from_rows(
        cls,
        candidates: Sequence[int],
        rows: Sequence[tuple[int, int, int]],
        ballots_counted: int,
    ) -> VoteCounts:
        """From ``(proposal_id, value, count)`` rows, as an aggregate query gives them."""
        array = numpy.asarray(rows, dtype=numpy.int64).reshape(-1, 3)
        return cls(candidates, array[:, 0], array[:, 1], array[:, 2], ballots_counted)

    @classmethod
    def from_votes(
        cls,
        candidates: Sequence[int],
        proposal_ids: npt.ArrayLike,
        values: npt.ArrayLike,
        ballots_counted: int,
    ) -> VoteCounts:
        """Grouped from one row per vote (votes on non-candidates are dropped)."""
        ids = numpy.asarray(candidates, dtype=numpy.int64)
        proposals = numpy.asarray(proposal_ids, dtype=numpy.int64)
        given = numpy.asarray(values, dtype=numpy.int64)
        positions = numpy.searchsorted(ids, proposals)
        known = positions < ids.size
        known[known] = ids[positions[known]] == proposals[known]
        positions, given = positions[known], given[known]
        if not given.size:
            empty = numpy.zeros(0, dtype=numpy.int64)
            return cls(candidates, empty, empty, empty, ballots_counted)
        # One integer per (candidate, value) pair: counting them is one pass of numpy.
        low = int(given.min())
        span = int(given.max()) - low + 1
        keys = positions * span + (given - low)
        unique, counts = numpy.unique(keys, return_counts=True)
        return cls(
            candidates,
            ids[unique // span],
            unique % span + low,
            counts.astype(numpy.int64),
            ballots_counted,
        )

    def _index(self) -> tuple[IntArray, npt.NDArray[numpy.bool_]]:
        ids = numpy.asarray(self.candidates, dtype=numpy.int64)
        positions = numpy.searchsorted(ids, self.proposal_ids)
        known = positions < ids.size
        known[known] = ids[positions[known]] == self.proposal_ids[known]
        return positions, known

    def per_candidate(self, *, weighted: bool = False, value: int | None = None) -> dict[int, int]:
        """For every candidate: how many votes it got (``weighted``: the sum of their
        values), counting only the votes of ``value`` when it is given."""
        ids = numpy.asarray(self.candidates, dtype=numpy.int64)
        positions, known = self._index()
        if value is not None:
            known &= self.values == value
        weights = self.counts * self.values if weighted else self.counts
        totals = numpy.bincount(positions[known], weights=weights[known], minlength=ids.size)
        return {int(p): round(float(t)) for p, t in zip(ids, totals, strict=True)}
