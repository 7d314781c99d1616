"""Counting points (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

from core.vote_types import IntColumn


def sum_points(
    candidates: Sequence[int], proposal_ids: IntColumn, values: IntColumn
) -> tuple[dict[int, int], dict[int, int]]:
    """The points of every candidate and the number of citizens who gave them (votes
    on proposals that are not candidates are not counted)."""
    points = dict.fromkeys(candidates, 0)
    voters = dict.fromkeys(candidates, 0)
    for proposal_id, value in zip(proposal_ids, values, strict=True):
        if proposal_id in points:
            points[proposal_id] += value
            voters[proposal_id] += 1
    return points, voters
