"""Counting supports (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from core.vote_types import IntColumn


def count_supports(candidates: Sequence[int], proposal_ids: IntColumn) -> dict[int, int]:
    """The number of supports of every candidate, from one proposal id per support; a
    support of a proposal that is not a candidate is not counted."""
    ids = numpy.unique(numpy.asarray(candidates, dtype=numpy.int64))
    counts = numpy.zeros(ids.size, dtype=numpy.int64)
    if ids.size and len(proposal_ids):
        voted = numpy.asarray(proposal_ids, dtype=numpy.int64)
        positions = numpy.searchsorted(ids, voted)
        known = positions < ids.size
        known[known] = ids[positions[known]] == voted[known]
        numpy.add.at(counts, positions[known], 1)
    return {int(proposal_id): int(count) for proposal_id, count in zip(ids, counts, strict=True)}
