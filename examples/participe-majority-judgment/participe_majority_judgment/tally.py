"""Counting by majority judgment (pure, no I/O).

Each proposal's *merit profile* is how many citizens gave it each grade. Its *majority
grade* is the median grade; with an even number of grades, the lower of the two middle
ones (Balinski and Laraki's "lower middlemost"), so that a majority always grants at least
that grade.

Ties between proposals of the same majority grade are broken by Balinski and Laraki's
*majority value* (Majority Judgment, MIT Press 2011, ch. 13): remove one median grade from
each profile and compare the new medians, again and again, until they differ. This module
implements that rule exactly: a profile's majority value is the sequence of medians it
gives when its median grades are removed one by one, and proposals are ordered by
comparing those sequences, best grade first. Two proposals tie only when their profiles
are the same.

The *majority gauge* (``better``: the share of grades above the majority grade,
``worse``: the share below) is given in the tally because it is what people read; it is
the first step of the same comparison (a majority grade "+" when ``better > worse``),
and decides the order in nearly every real case, but not in all, which is why the order
itself comes from the majority values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cmp_to_key
from typing import Any

import numpy
import numpy.typing as npt

Profile = Sequence[int]
"""A merit profile: ``profile[g]`` citizens gave the grade ``g`` (0 is the lowest)."""


def majority_grade(profile: Profile) -> int | None:
    """The lower median grade of ``profile``; ``None`` when nobody graded."""
    total = sum(profile)
    if total == 0:
        return None
    position = (total + 1) // 2  # 1-based, among grades sorted from the lowest
    seen = 0
    for grade, count in enumerate(profile):
        seen += count
        if seen >= position:
            return grade
    raise AssertionError("unreachable")


def removal_order(total: int) -> npt.NDArray[numpy.int64]:
    """The positions (0-based, in the grades sorted from the lowest) of the medians that
    are removed one after the other from ``total`` grades.

    The lower median of what remains is, in turn, the last grade left of the removed
    block when both sides are as long, and the first grade right of it when the left side
    is one shorter: the centre first, then outwards, left first when ``total`` is odd and
    right first when it is even (``tests`` check this against removing them one by one).
    """
    steps = numpy.arange(total, dtype=numpy.int64)
    distance = (steps + 1) // 2
    odd_step = steps % 2 == 1
    outwards = numpy.where(odd_step, -distance, distance)
    if total % 2 == 0:
        outwards = -outwards
    return (total + 1) // 2 - 1 + outwards


def majority_value(profile: Profile) -> npt.NDArray[numpy.int8]:
    """The sequence of medians given by removing median grades one by one."""
    grades = numpy.repeat(numpy.arange(len(profile), dtype=numpy.int8), list(profile))
    return grades[removal_order(len(grades))]


def compare(first: npt.NDArray[numpy.int8], second: npt.NDArray[numpy.int8]) -> int:
    """-1 when the majority value ``first`` is better, 1 when worse, 0 when neither (on
    the grades both have: profiles judged by different numbers of citizens are compared
    as far as the shorter goes)."""
    length = min(len(first), len(second))
    differ = numpy.flatnonzero(first[:length] != second[:length])
    if not differ.size:
        return 0
    index = int(differ[0])
    return -1 if first[index] > second[index] else 1


def ranking(profiles: Mapping[int, Profile]) -> dict[int, int]:
    """The rank of every proposal (1 is the best; equal majority values share a rank and
    the next rank is skipped, as in "1, 2, 2, 4")."""
    values = {proposal_id: majority_value(profile) for proposal_id, profile in profiles.items()}

    def better_first(first: int, second: int) -> int:
        """By majority value, then (a tie) by proposal id."""
        return compare(values[first], values[second]) or (first > second) - (first < second)

    order = sorted(values, key=cmp_to_key(better_first))
    ranks: dict[int, int] = {}
    for position, proposal_id in enumerate(order):
        previous = order[position - 1] if position else None
        if previous is not None and compare(values[previous], values[proposal_id]) == 0:
            ranks[proposal_id] = ranks[previous]
        else:
            ranks[proposal_id] = position + 1
    return ranks


def gauge(profile: Profile) -> tuple[float, float]:
    """The shares of grades above and below the majority grade (``better``, ``worse``)."""
    total = sum(profile)
    grade = majority_grade(profile)
    if grade is None:
        return 0.0, 0.0
    return sum(profile[grade + 1 :]) / total, sum(profile[:grade]) / total


def tally_profiles(profiles: Mapping[int, Profile]) -> dict[int, dict[str, Any]]:
    """The tally of every proposal from its merit profile: ``grades`` (the profile,
    lowest grade first), ``median`` (the majority grade, ``None`` without any grade),
    ``better`` and ``worse`` (the majority gauge, as shares) and ``rank``."""
    ranks = ranking(profiles)
    tally: dict[int, dict[str, Any]] = {}
    for proposal_id, profile in profiles.items():
        better, worse = gauge(profile)
        tally[proposal_id] = {
            "grades": [int(count) for count in profile],
            "median": majority_grade(profile),
            "better": round(better, 4),
            "worse": round(worse, 4),
            "rank": ranks[proposal_id],
        }
    return tally


def profiles_from_votes(
    candidates: Sequence[int],
    proposal_ids: npt.ArrayLike,
    values: npt.ArrayLike,
    grades: int,
) -> dict[int, list[int]]:
    """The merit profile of every candidate from one row per vote (votes on proposals
    that are not candidates, and values off the scale, are not counted)."""
    ids = numpy.asarray(candidates, dtype=numpy.int64)
    proposals = numpy.asarray(proposal_ids, dtype=numpy.int64)
    given = numpy.asarray(values, dtype=numpy.int64)
    positions = numpy.searchsorted(ids, proposals)
    keep = positions < ids.size
    keep[keep] = ids[positions[keep]] == proposals[keep]
    keep &= (given >= 0) & (given < grades)
    counts = numpy.bincount(
        positions[keep] * grades + given[keep], minlength=ids.size * grades
    ).reshape(ids.size, grades)
    return {int(pid): [int(n) for n in row] for pid, row in zip(ids, counts, strict=True)}


def fill_unrated(profiles: Mapping[int, Profile], ballots: int) -> dict[int, list[int]]:
    """The profiles where every counted ballot that did not grade a proposal gives it the
    lowest grade."""
    filled = {}
    for proposal_id, profile in profiles.items():
        counts = list(profile)
        counts[0] += max(ballots - sum(counts), 0)
        filled[proposal_id] = counts
    return filled
