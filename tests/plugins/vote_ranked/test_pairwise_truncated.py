"""Pairwise preferences of ballots that rank few candidates (the sparse count) equal the
dense count of the same ballots."""

from __future__ import annotations

import numpy

from plugins.vote_ranked import tally


def test_pairwise_preferences_of_truncated_ballots_equal_the_dense_count() -> None:
    rng = numpy.random.default_rng(4)
    for _ in range(40):
        m = int(rng.integers(2, 30))
        k = int(rng.integers(1, max(2, m // 2) + 1))
        n = int(rng.integers(0, 60))
        ballots = numpy.argsort(rng.random((n, m)), axis=1)[:, :k]
        lengths = rng.integers(0, k + 1, size=n)
        ballots[numpy.arange(k)[None, :] >= lengths[:, None]] = -1
        ids = list(range(10, 10 + m))
        sparse = tally.pairwise_preferences(ballots, ids)
        # The dense count of the same ballots, padded to m columns.
        padded = numpy.full((n, m), -1)
        padded[:, :k] = ballots
        assert sparse.tolist() == tally.pairwise_preferences(padded, ids).tolist()
