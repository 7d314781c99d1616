"""The Method of Equal Shares, completed by "add1" and then greedily.

Semantics (identical to pabutools 1.2.3's ``completion_by_rule_combination`` of
``method_of_equal_shares(sat_class=S, voter_budget_increment=1)`` followed by
``greedy_utilitarian_welfare``, with lexicographic tie-breaking on names that sort like ids;
``S`` is ``Cost_Sat`` for approval ballots and the points for points ballots):

1. **One run at per-voter budget x.** Every voter holds ``x``. Supported projects of cost 0
   are funded first (by id). In each round, the price factor ``rho_j`` of a remaining
   project ``j`` is the smallest ``rho`` with ``sum(min(b_i, rho * u_ij)) == cost_j`` over
   its supporters; a project whose supporters hold less than its cost in total is dropped.
   The project with the smallest ``rho`` is funded (equal ``rho``: lower proposal id) and
   each supporter pays ``min(b_i, rho * u_ij)``. The run stops when no project is left.
2. **add1.** With ``x = budget / n_voters + k`` for ``k = 0, 1, 2, ...``: if the run's
   outcome costs more than the budget, the previous outcome is kept (for ``k = 0``: only the
   free projects); if no supported project outside the outcome still fits in the budget
   (the outcome is *exhaustive*), the outcome is kept; otherwise ``k`` grows.
3. **Completion.** The kept outcome is extended by :func:`complete_greedily` (most
   supported first, then lower id; unsupported projects last), which adds nothing when the
   outcome is already exhaustive.

Speed. Prices are found per project on numpy arrays of its supporters, lazily (a price only
grows between rounds, so a stale price is a lower bound and most projects are not
re-priced). For add1, a run does not only return its outcome: it also certifies an interval
of ``x`` over which the outcome cannot change. While the sequence of decisions stays the
same, every budget and price is an affine function of ``x``; the run carries each voter's
budget slope along, and every comparison it made (who pays in full, which price is the
smallest, which project cannot be afforded) becomes a linear inequality in ``x`` whose
crossing point bounds the interval. Any formula for a price built from one split of the
supporters into "pays in full" and "pays its share" is a lower bound of the true price,
which is what makes stale prices usable in the certificate. The next run is then made at the
first ``k`` past the interval instead of at ``k + 1``, so that only increments that can
change the outcome are computed. This is the idea of "Streamlining Equal Shares".

Exactness. pabutools computes with exact fractions; this module uses float64 and compares
with a relative tolerance of :data:`TOLERANCE` (prices within it are a tie, a project is
affordable if its supporters hold at least ``cost * (1 - TOLERANCE)``). Exact ties, which are
frequent with integer costs, are thus seen as ties and broken as pabutools does; two exact
values closer than one part in a billion but not equal would be treated as a tie here.
The certificate is evaluated conservatively (any comparison that is tight at ``x`` ends the
interval), so skipping increments never changes the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy
import numpy.typing as npt

from core.aggregation import BudgetElection, BudgetOutcome
from plugins.budget.greedy import complete_greedily

__all__ = ["TOLERANCE", "EqualSharesRule", "equal_shares", "equal_shares_add1"]

TOLERANCE = 1e-9
_POOR_RICH_ROUNDS = 8

FloatArray = npt.NDArray[numpy.float64]
BoolArray = npt.NDArray[numpy.bool_]


@dataclass(frozen=True)
class _Run:
    winners: list[int]
    stable_for: float
    """How much the per-voter budget can grow with ``winners`` provably unchanged."""


def _price(
    budgets: FloatArray, slopes: FloatArray, utilities: FloatArray, cost: float
) -> tuple[float, float, BoolArray]:
    """Price factor of a project, its slope in x, and which supporters pay their share.

    Supporters that cannot pay ``rho * u`` pay all they have; the others share the rest in
    proportion to their utility.
    """
    total_utility = float(utilities.sum())
    rich = numpy.ones(budgets.shape, dtype=numpy.bool_)
    rho = cost / total_utility
    # Moving voters who cannot pay their share to "pays in full" only raises the price, so
    # this converges to the price; a few rounds settle the usual case, else sort.
    for _ in range(_POOR_RICH_ROUNDS):
        poorer = rich & (budgets < rho * utilities)
        if not bool(poorer.any()):
            sharing_utility = float(utilities[rich].sum())
            rho = (cost - float(budgets[~rich].sum())) / sharing_utility
            return rho, -float(slopes[~rich].sum()) / sharing_utility, rich
        rich &= ~poorer
        if not bool(rich.any()):
            break
        rho = (cost - float(budgets[~rich].sum())) / float(utilities[rich].sum())
    ratio = budgets / utilities
    order = numpy.argsort(ratio, kind="stable")
    sorted_budgets = budgets[order]
    sorted_utilities = utilities[order]
    paid_before = numpy.concatenate(([0.0], numpy.cumsum(sorted_budgets)[:-1]))
    utility_from = total_utility - numpy.concatenate(([0.0], numpy.cumsum(sorted_utilities)[:-1]))
    fits = (cost - paid_before) <= ratio[order] * utility_from
    first = int(numpy.argmax(fits)) if bool(fits.any()) else order.size - 1
    sharing_utility = float(sorted_utilities[first:].sum())
    rho = (cost - float(sorted_budgets[:first].sum())) / sharing_utility
    rich = numpy.zeros(budgets.shape, dtype=numpy.bool_)
    rich[order[first:]] = True
    slope = -float(slopes[order[:first]].sum()) / sharing_utility
    return rho, slope, rich


def _first_crossing(gap: FloatArray, gap_slope: FloatArray) -> float:
    """Smallest growth of x at which some ``gap >= 0`` stops holding (``inf`` if none)."""
    closing = gap_slope < 0
    if not bool(closing.any()):
        return math.inf
    return float((numpy.maximum(gap[closing], 0.0) / -gap_slope[closing]).min())


class _Solver:
    """Per-election arrays shared by the runs of add1."""

    def __init__(self, election: BudgetElection) -> None:
        self.election = election
        support = election.by_project()
        self.ptr = support.ptr
        self.voters = support.voters
        self.utilities = support.utilities
        self.costs = election.costs
        self.ids = numpy.array(election.project_ids, dtype=numpy.int64)
        counts = numpy.diff(self.ptr)
        owner = numpy.repeat(numpy.arange(election.n_projects), counts)
        utility_sum = numpy.bincount(owner, weights=self.utilities, minlength=election.n_projects)
        supported = utility_sum > 0
        by_id = numpy.argsort(self.ids, kind="stable")
        self.free = [int(j) for j in by_id if supported[j] and self.costs[j] == 0]
        self.pool = [int(j) for j in by_id if supported[j] and self.costs[j] > 0]
        self.initial_price = numpy.divide(
            self.costs, utility_sum, out=numpy.full(self.costs.shape, math.inf), where=supported
        )

    def run(self, x: float) -> _Run:
        budgets = numpy.full(self.election.n_voters, x, dtype=numpy.float64)
        slopes = numpy.ones(self.election.n_voters, dtype=numpy.float64)
        lower = self.initial_price.copy()
        lower_slope = numpy.zeros_like(lower)
        pool = set(self.pool)
        winners = list(self.free)
        stable = math.inf
        while pool:
            candidates: list[tuple[int, float, float, BoolArray]] = []
            best = math.inf
            for j in sorted(pool, key=lambda p: (lower[p], self.ids[p])):
                part = slice(self.ptr[j], self.ptr[j + 1])
                who = self.voters[part]
                held = budgets[who]
                total = float(held.sum())
                cost = float(self.costs[j])
                if total < cost * (1 - TOLERANCE):
                    pool.discard(j)
                    total_slope = float(slopes[who].sum())
                    if total_slope > 0:
                        stable = min(stable, max(cost - total, 0.0) / total_slope)
                    continue
                if lower[j] > best * (1 + TOLERANCE):
                    break
                rho, rho_slope, rich = _price(held, slopes[who], self.utilities[part], cost)
                lower[j], lower_slope[j] = rho, rho_slope
                best = min(best, rho)
                candidates.append((j, rho, rho_slope, rich))
            if not candidates:
                break
            tied = [c for c in candidates if c[1] <= best * (1 + TOLERANCE)]
            w, rho, rho_slope, rich = min(tied, key=lambda c: self.ids[c[0]])
            pool.discard(w)
            winners.append(w)
            part = slice(self.ptr[w], self.ptr[w + 1])
            who = self.voters[part]
            share = rho * self.utilities[part]
            held, held_slope = budgets[who], slopes[who]
            share_slope = rho_slope * self.utilities[part]
            if pool:
                others = numpy.fromiter(pool, dtype=numpy.int64)
                stable = min(
                    stable,
                    _first_crossing(lower[others] - rho, lower_slope[others] - rho_slope),
                )
            # Sharing supporters must keep share <= budget, the others share > budget.
            sign = numpy.where(rich, 1.0, -1.0)
            stable = min(
                stable,
                _first_crossing(sign * (held - share), sign * (held_slope - share_slope)),
            )
            budgets[who] = numpy.where(rich, numpy.maximum(held - share, 0.0), 0.0)
            slopes[who] = numpy.where(rich, held_slope - share_slope, 0.0)
        return _Run(winners, stable)

    def spent(self, winners: list[int]) -> float:
        return float(self.costs[winners].sum())

    def exhaustive(self, winners: list[int]) -> bool:
        """True when no supported project outside ``winners`` still fits in the budget."""
        room = self.election.budget - self.spent(winners) + _slack(self.election)
        chosen = set(winners)
        return all(j in chosen or self.costs[j] > room for j in self.pool)


def _slack(election: BudgetElection) -> float:
    return TOLERANCE * max(election.budget, 1.0)


def equal_shares(election: BudgetElection, voter_budget: float | None = None) -> list[int]:
    """One run of the method (step 1 above); ``voter_budget`` defaults to budget / voters."""
    if election.n_voters == 0:
        return []
    x = election.budget / election.n_voters if voter_budget is None else voter_budget
    return _Solver(election).run(x).winners


def equal_shares_add1(election: BudgetElection) -> list[int]:
    """Steps 1 and 2 above: the method with add1, as project indices in selection order."""
    if election.n_voters == 0:
        return []
    solver = _Solver(election)
    base = election.budget / election.n_voters
    limit = election.budget + _slack(election)
    previous = list(solver.free)
    step = 0
    while True:
        run = solver.run(base + step)
        if solver.spent(run.winners) > limit:
            return previous
        if solver.exhaustive(run.winners) or math.isinf(run.stable_for):
            # An infinite certificate means no increment changes the outcome any more; the
            # reference implementation would loop for ever there.
            return run.winners
        previous = run.winners
        step += max(1, math.ceil(run.stable_for * (1 - TOLERANCE)))


@dataclass(frozen=True)
class EqualSharesRule:
    """Proportional participatory budgeting: each voter controls an equal share."""

    id: ClassVar[str] = "equal_shares"
    title: ClassVar[str] = "Parts égales (Method of Equal Shares)"

    def select(self, election: BudgetElection) -> BudgetOutcome:
        winners = equal_shares_add1(election)
        winners += complete_greedily(election, winners)
        return BudgetOutcome(
            winners=tuple(election.project_ids[j] for j in winners),
            spent=float(election.costs[winners].sum()),
        )
