"""Greedy participatory budgeting: most supported first, skip what no longer fits.

A project's support is read from :meth:`BudgetElection.support`: its number of supporters
for approval ballots, its sum of points for points ballots. Projects are considered by
decreasing support, ties going to the lower proposal id; each one is funded if its cost
still fits in what is left of the budget. Projects nobody supports come last (by id) and
are funded too if they fit, as pabutools' ``greedy_utilitarian_welfare`` does.

With approval ballots this is exactly pabutools' ``greedy_utilitarian_welfare`` with
``Cost_Sat`` (satisfaction per unit of cost is then the number of supporters) and its
default tie-breaking, provided project names sort like their ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy

from core.aggregation import BudgetElection, BudgetOutcome

__all__ = ["FIT_TOLERANCE", "GreedyRule", "complete_greedily", "greedy_order"]

FIT_TOLERANCE = 1e-9
"""Relative slack (of the budget) when checking that a cost fits, so that float sums of
integer costs never refuse a project that fits exactly."""


def greedy_order(election: BudgetElection) -> list[int]:
    """Project indices by decreasing support, then increasing proposal id."""
    ids = numpy.array(election.project_ids, dtype=numpy.int64)
    order = numpy.lexsort((ids, -election.support()))
    return [int(j) for j in order]


def complete_greedily(election: BudgetElection, selected: Sequence[int]) -> list[int]:
    """Extend ``selected`` (project indices) greedily; returns the new indices, in order."""
    chosen = set(selected)
    remaining = election.budget - float(election.costs[list(chosen)].sum())
    slack = FIT_TOLERANCE * max(election.budget, 1.0)
    added: list[int] = []
    for j in greedy_order(election):
        cost = float(election.costs[j])
        if j not in chosen and cost <= remaining + slack:
            added.append(j)
            remaining -= cost
    return added


@dataclass(frozen=True)
class GreedyRule:
    """Most votes first: the classic participatory-budget count."""

    id: ClassVar[str] = "greedy"
    title: ClassVar[str] = "Glouton (les plus soutenus d'abord)"

    def select(self, election: BudgetElection) -> BudgetOutcome:
        winners = complete_greedily(election, ())
        return BudgetOutcome(
            winners=tuple(election.project_ids[j] for j in winners),
            spent=float(election.costs[winners].sum()),
        )
