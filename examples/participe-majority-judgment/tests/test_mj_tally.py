"""Counting by majority judgment: a published worked example, and properties checked
against the rule's definition (remove the median grades one by one)."""

from __future__ import annotations

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from participe_majority_judgment.rules import MajorityJudgment
from participe_majority_judgment.settings import MajorityJudgmentSettings
from participe_majority_judgment.tally import (
    majority_grade,
    majority_value,
    ranking,
    removal_order,
    tally_profiles,
)

from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes

#: The experiment of Orsay, first round of the 2007 French presidential election: 1 752
#: ballots graded the twelve candidates from "Très bien" to "À rejeter" (Balinski and
#: Laraki, "A theory of measuring, electing, and ranking", PNAS 104(21), 2007). Shares in
#: per mille, best mention first; "À rejeter" is what is left, which counts the ballots
#: that gave no mention, as the authors did.
ORSAY_2007 = {
    "Bayrou": (136, 307, 251, 148, 84),
    "Royal": (167, 227, 191, 168, 122),
    "Sarkozy": (191, 198, 143, 115, 71),
    "Voynet": (29, 93, 175, 237, 261),
    "Besancenot": (41, 99, 163, 160, 226),
    "Buffet": (25, 76, 125, 206, 264),
    "Bové": (15, 60, 114, 160, 257),
    "Laguiller": (21, 53, 102, 166, 259),
    "Nihous": (3, 18, 53, 110, 267),
    "de Villiers": (24, 64, 87, 113, 158),
    "Schivardi": (5, 10, 39, 95, 249),
    "Le Pen": (30, 46, 62, 65, 54),
}
#: The order the authors published, with each majority mention and its sign.
ORSAY_ORDER = [
    ("Bayrou", "Assez bien", "+"),
    ("Royal", "Assez bien", "−"),
    ("Sarkozy", "Assez bien", "−"),
    ("Voynet", "Passable", "−"),
    ("Besancenot", "Insuffisant", "+"),
    ("Buffet", "Insuffisant", "+"),
    ("Bové", "Insuffisant", "−"),
    ("Laguiller", "Insuffisant", "−"),
    ("Nihous", "À rejeter", "+"),
    ("de Villiers", "À rejeter", "+"),
    ("Schivardi", "À rejeter", "+"),
    ("Le Pen", "À rejeter", "+"),
]
SIX = MajorityJudgmentSettings(grades=6)


def _orsay_profiles() -> dict[int, list[int]]:
    profiles = {}
    for index, best_first in enumerate(ORSAY_2007.values()):
        lowest_first = [1000 - sum(best_first), *reversed(best_first)]
        profiles[index + 1] = lowest_first
    return profiles


def test_the_orsay_2007_experiment() -> None:
    names = list(ORSAY_2007)
    counts = VoteCounts.from_rows(
        list(range(1, 13)),
        [(pid, grade, n) for pid, p in _orsay_profiles().items() for grade, n in enumerate(p)],
        1000,
    )
    tally = MajorityJudgment().tally_counts(SIX, counts)
    order = sorted(tally, key=lambda pid: tally[pid]["rank"])
    shown = [
        (
            names[pid - 1],
            SIX.mention(tally[pid]["median"]),
            "+" if tally[pid]["better"] > tally[pid]["worse"] else "−",
        )
        for pid in order
    ]
    assert shown == ORSAY_ORDER
    assert [tally[pid]["rank"] for pid in order] == list(range(1, 13))
    bayrou = tally[1]
    assert bayrou["grades"] == [74, 84, 148, 251, 307, 136]
    assert (bayrou["better"], bayrou["worse"]) == (0.443, 0.306)


def test_a_tie_that_the_gauge_leaves_is_broken_further() -> None:
    # Both have the median 2, a quarter above and a quarter below it: the gauge ties.
    # Removing medians: first gives 2, 2, 0, 4 and second 2, 2, 1, 3, which wins.
    first, second = [1, 0, 2, 0, 1], [0, 1, 2, 1, 0]
    tally = tally_profiles({1: first, 2: second})
    assert (tally[1]["better"], tally[1]["worse"]) == (tally[2]["better"], tally[2]["worse"])
    assert (tally[2]["rank"], tally[1]["rank"]) == (1, 2)
    assert majority_value(first).tolist() == [2, 2, 0, 4]


def test_identical_profiles_share_a_rank() -> None:
    ranks = ranking({5: [1, 2, 3], 7: [3, 0, 0], 9: [1, 2, 3]})
    assert ranks == {5: 1, 9: 1, 7: 3}
    assert tally_profiles({1: [0, 0, 0]})[1]["median"] is None


def test_unrated_proposals_get_the_lowest_mention() -> None:
    kind = MajorityJudgment()
    votes = CountedVotes([1, 2], [10, 10, 11], [1, 2, 1], [4, 4, 4], 2)
    lowest = kind.tally(MajorityJudgmentSettings(grades=5), votes)
    assert lowest[2]["grades"] == [1, 0, 0, 0, 1]  # ballot 11 did not grade it
    ignored = kind.tally(MajorityJudgmentSettings(grades=5, unrated_as_lowest=False), votes)
    assert ignored[2]["grades"] == [0, 0, 0, 0, 1]


def _removed_one_by_one(grades: list[int]) -> list[int]:
    """The definition: take the lower median of what remains, again and again."""
    remaining = sorted(grades)
    taken = []
    while remaining:
        taken.append(remaining.pop((len(remaining) + 1) // 2 - 1))
    return taken


@given(st.integers(min_value=0, max_value=80))
def test_the_removal_order_is_the_definition(total: int) -> None:
    positions = list(range(total))
    assert removal_order(total).tolist() == _removed_one_by_one(positions)


profile = st.lists(st.integers(min_value=0, max_value=6), min_size=7, max_size=7)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), min_size=5, max_size=5), min_size=1, max_size=6))
def test_the_ranking_follows_the_definition(profiles: list[list[int]]) -> None:
    """Same numbers of grades everywhere (every ballot grades every proposal)."""
    total = max(sum(p) for p in profiles)
    filled = {i: [p[0] + total - sum(p), *p[1:]] for i, p in enumerate(profiles)}
    ranks = ranking(filled)
    values = {
        i: tuple(_removed_one_by_one([g for g, n in enumerate(p) for _ in range(n)]))
        for i, p in filled.items()
    }
    for a in filled:
        assert majority_value(filled[a]).tolist() == list(values[a])
        for b in filled:
            if values[a] > values[b]:
                assert ranks[a] < ranks[b]
            elif values[a] == values[b]:
                assert ranks[a] == ranks[b]


@settings(max_examples=200, deadline=None)
@given(profile, st.integers(0, 5))
def test_a_better_grade_never_hurts(grades: list[int], which: int) -> None:
    """Monotonicity: one citizen raising a proposal's grade never lowers its rank."""
    other = [0, 0, 0, sum(grades), 0, 0, 0]
    if not grades[which]:
        return
    raised = list(grades)
    raised[which] -= 1
    raised[which + 1] += 1
    before = ranking({1: grades, 2: other})
    after = ranking({1: raised, 2: other})
    assert after[1] <= before[1]
    median_before, median_after = majority_grade(grades), majority_grade(raised)
    assert median_before is not None and median_after is not None
    assert median_after >= median_before


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.integers(1, 5), st.integers(0, 6), min_size=0, max_size=5),
        min_size=0,
        max_size=25,
    ),
    st.booleans(),
)
def test_counting_ballots_and_counting_groups_agree(
    ballots: list[dict[int, int]], unrated_as_lowest: bool
) -> None:
    """``tally`` (whole ballots) and ``tally_counts`` (an aggregate query) agree."""
    settings_ = MajorityJudgmentSettings(grades=7, unrated_as_lowest=unrated_as_lowest)
    rows = [(b, p, v) for b, votes in enumerate(ballots) for p, v in sorted(votes.items())]
    candidates = [1, 2, 3, 4, 5]
    votes = CountedVotes(
        candidates,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        len(ballots),
    )
    counts = VoteCounts.from_votes(
        candidates,
        numpy.array([r[1] for r in rows]),
        numpy.array([r[2] for r in rows]),
        len(ballots),
    )
    kind = MajorityJudgment()
    assert kind.tally(settings_, votes) == kind.tally_counts(settings_, counts)
