"""Counting from grouped votes (``tally_counts``, what an aggregate query gives) equals
counting vote by vote (``tally``), for every vote type that offers it."""

from __future__ import annotations

from array import array
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core.plugin_manager import Plugins
from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes, VoteType

CANDIDATES = [3, 5, 8, 13]
#: Proposal ids voted on: candidates and one that is not (hidden since).
VOTED = st.sampled_from([*CANDIDATES, 21])

SETTINGS: dict[str, list[dict[str, Any]]] = {
    "support": [{}],
    "binary": [{"options": ["yes", "no"]}, {"options": ["for", "against", "neutral"]}],
    "points": [{"mode": "distribute"}, {"mode": "scale", "scale_max": 5}],
}


@st.composite
def votes(draw: st.DrawFn) -> CountedVotes:
    rows = draw(st.lists(st.tuples(st.integers(1, 30), VOTED, st.integers(-1, 5)), max_size=60))
    unique = sorted({(ballot, proposal): value for ballot, proposal, value in rows}.items())
    return CountedVotes(
        CANDIDATES,
        array("q", [b for (b, _), _ in unique]),
        array("q", [p for (_, p), _ in unique]),
        array("q", [v for _, v in unique]),
        len({b for (b, _), _ in unique}),
    )


@settings(max_examples=150, deadline=None)
@given(counted=votes())
def test_grouped_counts_equal_vote_by_vote_counts(plugins: Plugins, counted: CountedVotes) -> None:
    grouped = VoteCounts.from_votes(
        counted.candidates, counted.proposal_ids, counted.values, counted.ballots_counted
    )
    for type_id, variants in SETTINGS.items():
        kind: VoteType[Any] = plugins.vote_types[type_id]
        for raw in variants:
            decoded = kind.decode_settings(raw)
            assert kind.tally_counts(decoded, grouped) == kind.tally(decoded, counted)


def test_rows_from_an_aggregate_query() -> None:
    counts = VoteCounts.from_rows([1, 2, 3], [(1, 1, 4), (2, -1, 2), (2, 1, 1), (9, 1, 7)], 6)
    assert counts.per_candidate() == {1: 4, 2: 3, 3: 0}
    assert counts.per_candidate(value=1) == {1: 4, 2: 1, 3: 0}
    assert counts.per_candidate(weighted=True) == {1: 4, 2: -1, 3: 0}
    empty = VoteCounts.from_rows([1], [], 0)
    assert empty.per_candidate() == {1: 0}


def test_ranked_votes_need_whole_ballots(plugins: Plugins) -> None:
    ranked = plugins.vote_types["ranked"]
    grouped = VoteCounts.from_rows([1, 2], [(1, 1, 3)], 3)
    assert ranked.tally_counts(ranked.decode_settings({}), grouped) is None
