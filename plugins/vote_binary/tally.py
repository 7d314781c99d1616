"""Counting for/against votes (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.vote_types import IntColumn


def count_options(
    candidates: Sequence[int],
    proposal_ids: IntColumn,
    values: IntColumn,
    options: Mapping[str, int],
) -> dict[int, dict[str, int]]:
    """How many votes each option got on every candidate.

    ``options`` maps each option key to its stored value; votes on proposals that are not
    candidates, or with a value no option has, are not counted.
    """
    option_of = {value: option for option, value in options.items()}
    counts = {proposal_id: dict.fromkeys(options, 0) for proposal_id in candidates}
    for proposal_id, value in zip(proposal_ids, values, strict=True):
        by_option = counts.get(proposal_id)
        option = option_of.get(value)
        if by_option is not None and option is not None:
            by_option[option] += 1
    return counts
