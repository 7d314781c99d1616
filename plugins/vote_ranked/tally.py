"""Counting ranked ballots: Borda, Schulze and instant runoff (pure, vectorised with numpy).

Ballots come as an integer array of shape ``(n_voters, max_ranks)``: row ``v`` lists
candidate *indices* (into ``candidate_ids``) from most to least preferred, padded on the
right with ``-1``. A ballot may rank only some candidates (truncated ballot); every ranked
candidate is preferred to every unranked one, and unranked candidates are tied.

Ties between candidates are always broken in favour of the lower candidate id.

- **Borda**: a candidate ranked at position ``r`` (0-based) gets ``m - 1 - r`` points;
  the ``m - k`` candidates a voter left unranked share the bottom positions equally, each
  getting ``(m - 1 - k) / 2``. Equivalently: one point per candidate ranked below it, half a
  point per candidate tied with it. On complete ballots this is the classic Borda count;
  on truncated ballots it orders candidates as pref_voting's symmetric Borda score does.
- **Schulze**: strongest paths over the pairwise margins (an edge ``a -> b`` exists when
  more voters prefer ``a`` to ``b`` than the reverse, with the margin as its strength),
  as pref_voting's ``beat_path``. ``a`` defeats ``b`` when the strongest path from ``a``
  to ``b`` is stronger than the reverse. The score is the number of candidates defeated;
  the order repeatedly takes, among candidates no remaining one defeats, the lowest id.
- **Instant runoff**: one candidate is eliminated per round, the one with the fewest
  ballots ranking it first among those remaining (on a tie, the higher id goes); ballots
  with no remaining candidate are exhausted. The score is the number of ballots held in
  the last round a candidate took part in; the order is the reverse of elimination. The
  winner is pref_voting's ``instant_runoff_tb`` with the ids in decreasing order as
  tie-breaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy
import numpy.typing as npt

__all__ = ["RankedTally", "borda", "instant_runoff", "pairwise_preferences", "schulze"]

IntArray = npt.NDArray[numpy.int64]

_CHUNK = 128
"""Ballots compared at once when building the pairwise matrix (bounds memory to
``_CHUNK * m * m`` bytes)."""


@dataclass(frozen=True)
class RankedTally:
    """A count's result. ``order`` lists every candidate id, best first; ``winners`` are the
    ids tied for first place before tie-breaking (ascending)."""

    scores: dict[int, float]
    order: tuple[int, ...]
    winners: tuple[int, ...]


def _check(ballots: npt.ArrayLike, candidate_ids: Sequence[int]) -> IntArray:
    array = numpy.asarray(ballots, dtype=numpy.int64)
    m = len(candidate_ids)
    if len(set(candidate_ids)) != m:
        raise ValueError("candidate ids must be unique")
    if array.ndim != 2:
        raise ValueError("ballots must be a 2-D array (voters x ranks)")
    if array.size and (int(array.min()) < -1 or int(array.max()) >= m):
        raise ValueError("ballots must hold candidate indices or -1")
    padding = array < 0
    if bool(numpy.any(padding[:, :-1] & ~padding[:, 1:])):
        raise ValueError("-1 padding must come after the ranked candidates")
    ranked = numpy.sort(array, axis=1)
    if bool(numpy.any((ranked[:, 1:] == ranked[:, :-1]) & (ranked[:, 1:] >= 0))):
        raise ValueError("a ballot ranks a candidate twice")
    return array


def _positions(ballots: IntArray, m: int) -> npt.NDArray[numpy.int16]:
    """Each voter's rank of each candidate; unranked candidates get ``m`` (all tied)."""
    n, k = ballots.shape
    positions = numpy.full((n, m + 1), m, dtype=numpy.int16)
    columns = numpy.where(ballots < 0, m, ballots)  # padding lands in a dropped column
    positions[numpy.arange(n)[:, None], columns] = numpy.arange(k, dtype=numpy.int16)
    return positions[:, :m]


def pairwise_preferences(ballots: npt.ArrayLike, candidate_ids: Sequence[int]) -> IntArray:
    """``P[a, b]``: how many voters rank candidate index ``a`` above ``b``."""
    array = _check(ballots, candidate_ids)
    m = len(candidate_ids)
    if 2 * array.shape[1] <= m:
        return _pairwise_truncated(array, m)
    positions = _positions(array, m)
    result = numpy.zeros((m, m), dtype=numpy.int64)
    for start in range(0, positions.shape[0], _CHUNK):
        block = positions[start : start + _CHUNK]
        result += (block[:, :, None] < block[:, None, :]).sum(axis=0, dtype=numpy.int64)
    return result


def _pairwise_truncated(array: IntArray, m: int) -> IntArray:
    """:func:`pairwise_preferences` for ballots that rank few of the candidates.

    ``a`` is above ``b`` on a ballot when both are ranked in that order, or when only ``a``
    is ranked: ``P[a, b] = before[a, b] + ranked[a] - both[a, b]``. ``before`` counts the
    ordered pairs found on the ballots, one offset between positions at a time, which
    costs ``n * k * k / 2`` instead of ``n * m * m`` for ``k`` ranks out of ``m``.
    """
    k = array.shape[1]
    ranked = numpy.bincount(array[array >= 0], minlength=m).astype(numpy.int64)
    before = numpy.zeros(m * m, dtype=numpy.int64)
    for offset in range(1, k):
        upper, lower = array[:, :-offset], array[:, offset:]
        pairs = lower >= 0  # padding is on the right: the upper one is ranked too
        before += numpy.bincount(upper[pairs] * m + lower[pairs], minlength=m * m)
    matrix = before.reshape(m, m)
    both = matrix + matrix.T
    result = matrix + ranked[:, None] - both
    numpy.fill_diagonal(result, 0)
    return result


def _ordered(candidate_ids: Sequence[int], scores: npt.NDArray[numpy.float64]) -> RankedTally:
    ids = numpy.asarray(candidate_ids, dtype=numpy.int64)
    order = numpy.lexsort((ids, -scores))
    top = scores.max() if scores.size else 0.0
    return RankedTally(
        scores={int(ids[j]): float(scores[j]) for j in range(ids.size)},
        order=tuple(int(ids[j]) for j in order),
        winners=tuple(sorted(int(ids[j]) for j in numpy.flatnonzero(scores == top))),
    )


def borda(ballots: npt.ArrayLike, candidate_ids: Sequence[int]) -> RankedTally:
    """Borda count; unranked candidates share the bottom positions."""
    array = _check(ballots, candidate_ids)
    m = len(candidate_ids)
    ranked = array >= 0
    lengths = ranked.sum(axis=1)
    points = numpy.broadcast_to(m - 1 - numpy.arange(array.shape[1]), array.shape)
    # Give every candidate the unranked share, then top up the ranked ones.
    share = (m - 1 - lengths) / 2.0
    scores = numpy.full(m, share.sum(), dtype=numpy.float64)
    extra = points - share[:, None]
    scores += numpy.bincount(array[ranked], weights=extra[ranked], minlength=m)
    return _ordered(candidate_ids, scores)


def schulze(ballots: npt.ArrayLike, candidate_ids: Sequence[int]) -> RankedTally:
    """Schulze method (beat path) on pairwise margins."""
    preferences = pairwise_preferences(ballots, candidate_ids)
    m = len(candidate_ids)
    margins = (preferences - preferences.T).astype(numpy.float64)
    strength = numpy.where(margins > 0, margins, -numpy.inf)
    numpy.fill_diagonal(strength, -numpy.inf)
    for k in range(m):
        numpy.maximum(
            strength, numpy.minimum(strength[:, k : k + 1], strength[k : k + 1, :]), out=strength
        )
    defeats = strength > strength.T
    numpy.fill_diagonal(defeats, False)
    ids = numpy.asarray(candidate_ids, dtype=numpy.int64)
    remaining = numpy.ones(m, dtype=numpy.bool_)
    order: list[int] = []
    for _ in range(m):
        undefeated = remaining & ~defeats[remaining].any(axis=0)
        pick = int(numpy.flatnonzero(undefeated)[numpy.argmin(ids[undefeated])])
        order.append(pick)
        remaining[pick] = False
    unbeaten = ~defeats.any(axis=0)
    return RankedTally(
        scores={int(ids[j]): float(defeats[j].sum()) for j in range(m)},
        order=tuple(int(ids[j]) for j in order),
        winners=tuple(sorted(int(ids[j]) for j in numpy.flatnonzero(unbeaten))),
    )


def instant_runoff(ballots: npt.ArrayLike, candidate_ids: Sequence[int]) -> RankedTally:
    """Instant runoff, one elimination per round (ties: the higher id is eliminated)."""
    array = _check(ballots, candidate_ids)
    n, k = array.shape
    m = len(candidate_ids)
    ids = numpy.asarray(candidate_ids, dtype=numpy.int64)
    padded = numpy.concatenate([array, numpy.full((n, 1), -1, dtype=numpy.int64)], axis=1)
    head = numpy.zeros(n, dtype=numpy.int64)
    tops = padded[:, 0]
    eliminated = numpy.zeros(m + 1, dtype=numpy.bool_)  # slot m stands for "exhausted"
    scores = numpy.zeros(m, dtype=numpy.float64)
    removed: list[int] = []
    for _ in range(m):
        held = numpy.bincount(tops[tops >= 0], minlength=m).astype(numpy.float64)
        alive = numpy.flatnonzero(~eliminated[:m])
        scores[alive] = held[alive]
        fewest = held[alive].min()
        tied = alive[held[alive] == fewest]
        loser = int(tied[numpy.argmax(ids[tied])])
        removed.append(loser)
        eliminated[loser] = True
        moving = numpy.flatnonzero(tops == loser)
        while moving.size:
            head[moving] += 1
            tops[moving] = padded[moving, numpy.minimum(head[moving], k)]
            blocked = tops[moving]
            moving = moving[(blocked >= 0) & eliminated[numpy.where(blocked < 0, m, blocked)]]
    order = tuple(int(ids[j]) for j in reversed(removed))
    return RankedTally(
        scores={int(ids[j]): float(scores[j]) for j in range(m)},
        order=order,
        winners=order[:1],
    )
