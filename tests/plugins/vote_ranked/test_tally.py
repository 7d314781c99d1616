"""Ranked tallies: hand-computed examples (truncated ballots included) and equality with
pref_voting on random profiles."""

from __future__ import annotations

import numpy
import pytest
from pref_voting.iterative_methods import instant_runoff_tb
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import symmetric_borda_scores

from plugins.vote_ranked.tally import borda, instant_runoff, pairwise_preferences, schulze

_ = -1  # padding

# Three candidates with ids 10, 20, 30 (indices 0, 1, 2).
IDS = [10, 20, 30]


def test_borda_complete_ballots() -> None:
    ballots = [[0, 1, 2], [0, 1, 2], [1, 2, 0], [2, 1, 0]]
    tally = borda(ballots, IDS)
    assert tally.scores == {10: 4.0, 20: 5.0, 30: 3.0}
    assert tally.order == (20, 10, 30)
    assert tally.winners == (20,)


def test_borda_truncated_ballots_share_the_bottom() -> None:
    # [30] alone: 30 gets 2, 10 and 20 share positions 2 and 3: 0.5 each.
    # [10, 20]: 10 gets 2, 20 gets 1, 30 (unranked, alone at the bottom) gets 0.
    # []: everyone shares everything: 1 each.
    tally = borda([[2, _, _], [0, 1, _], [_, _, _]], IDS)
    assert tally.scores == {10: 3.5, 20: 2.5, 30: 3.0}
    assert tally.order == (10, 30, 20)


def test_borda_ties_go_to_the_lower_id() -> None:
    tally = borda([[0, 1], [1, 0]], [7, 3])
    assert tally.order == (3, 7)
    assert tally.winners == (3, 7)


def test_pairwise_counts_ranked_above_unranked() -> None:
    preferences = pairwise_preferences([[2, _, _], [0, 1, _]], IDS)
    assert preferences.tolist() == [[0, 1, 1], [0, 0, 1], [1, 1, 0]]


def test_schulze_condorcet_cycle() -> None:
    # A cycle A > B > C > A (A, B, C = indices 0, 1, 2) with margins 3, 5 and 1.
    ballots = [[0, 1, 2]] * 4 + [[1, 2, 0]] * 3 + [[2, 0, 1]] * 2
    # A>B: 6-3=3, B>C: 7-2=5, C>A: 5-4=1. Strongest paths: A->C via B = 3 > C->A = 1;
    # B->A via C = 1 < A->B = 3; B->C = 5 > C->B via A = 1. Order A, B, C.
    tally = schulze(ballots, IDS)
    assert tally.order == (10, 20, 30)
    assert tally.winners == (10,)
    assert tally.scores == {10: 2.0, 20: 1.0, 30: 0.0}


def test_schulze_full_tie_orders_by_id() -> None:
    tally = schulze([[0, 1, 2], [2, 1, 0]], [30, 20, 10])
    assert tally.order == (10, 20, 30)
    assert tally.winners == (10, 20, 30)


def test_instant_runoff_with_exhausted_ballots() -> None:
    # First preferences: 10 -> 3, 20 -> 2, 30 -> 2 (tie: 30 goes, higher id).
    # The [2] ballot is exhausted, [2, 1] moves to 20: 10 -> 3, 20 -> 3: 20 goes. 10 wins.
    ballots = [[0, _, _]] * 3 + [[1, 2, _]] * 2 + [[2, _, _], [2, 1, _]]
    tally = instant_runoff(ballots, IDS)
    assert tally.order == (10, 20, 30)
    assert tally.winners == (10,)
    assert tally.scores == {10: 3.0, 20: 3.0, 30: 2.0}


def test_instant_runoff_majority_candidate_survives() -> None:
    tally = instant_runoff([[1, 0, 2]] * 3 + [[0, 2, 1], [2, 0, 1]], IDS)
    assert tally.winners == (20,)


@pytest.mark.parametrize(
    "ballots",
    [[[0, 0, _]], [[0, _, 1]], [[3, _, _]], [[-2, _, _]], [0, 1]],
)
def test_malformed_ballots_are_refused(ballots: list[object]) -> None:
    with pytest.raises(ValueError):
        borda(ballots, IDS)


def _random_profile(rng: numpy.random.Generator) -> tuple[numpy.ndarray, list[int]]:
    m = int(rng.integers(2, 8))
    n = int(rng.integers(1, 40))
    # Some voters share a ranking so that ties and majorities are common.
    pool = numpy.argsort(rng.random((int(rng.integers(1, 6)), m)), axis=1)
    ballots = pool[rng.integers(0, pool.shape[0], size=n)]
    return ballots, [100 + 7 * j for j in range(m)]  # ids increase with the index


@pytest.mark.parametrize("seed", range(8))
def test_complete_ballots_equal_pref_voting(seed: int) -> None:
    rng = numpy.random.default_rng(seed)
    for _ in range(60):
        ballots, ids = _random_profile(rng)
        m = len(ids)
        profile = Profile(ballots.tolist())
        assert schulze(ballots, ids).winners == tuple(ids[c] for c in beat_path(profile))
        # pref_voting eliminates tie_breaker[0] first: the highest id.
        irv = instant_runoff_tb(profile, tie_breaker=list(range(m))[::-1])
        assert instant_runoff(ballots, ids).winners == tuple(ids[c] for c in irv)
        expected = profile.borda_scores()
        assert borda(ballots, ids).scores == {ids[c]: float(expected[c]) for c in range(m)}


@pytest.mark.parametrize("seed", range(8))
def test_truncated_ballots_equal_pref_voting(seed: int) -> None:
    rng = numpy.random.default_rng(100 + seed)
    for _ in range(60):
        ballots, ids = _random_profile(rng)
        n, m = ballots.shape
        truncated = ballots.copy()
        truncated[numpy.arange(m)[None, :] >= rng.integers(0, m + 1, size=n)[:, None]] = -1
        profile = ProfileWithTies(
            [{int(c): r for r, c in enumerate(row) if c >= 0} for row in truncated],
            candidates=list(range(m)),
        )
        profile.use_extended_strict_preference()
        assert schulze(truncated, ids).winners == tuple(ids[c] for c in beat_path(profile))
        symmetric = symmetric_borda_scores(profile)
        scores = borda(truncated, ids).scores
        for c in range(m):  # ours = ((m - 1) * n + symmetric) / 2: the same order
            assert scores[ids[c]] == pytest.approx(((m - 1) * n + symmetric[c]) / 2)
        irv = instant_runoff_tb(profile, tie_breaker=list(range(m))[::-1])
        assert instant_runoff(truncated, ids).winners == tuple(ids[c] for c in irv)
