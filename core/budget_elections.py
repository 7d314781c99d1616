"""From counted votes to the :class:`~core.aggregation.BudgetElection` that budget rules
judge, vectorised (pure, no I/O).

A vote type says how budget rules read its ballots through its ``budget_ballots``:

- ``"approval"``: a vote of value 1 approves the proposal (a support, a "yes", a "for");
  the election is built as :meth:`BudgetElection.from_approvals` builds it: cost
  utilities, and approvals of proposals that cost nothing left out;
- ``"points"``: the value is the voter's utility (points, grades); 0 means no support,
  as in :meth:`BudgetElection.from_ballots`.

Every counted ballot is a voter, even one whose votes all went to proposals that are no
longer candidates: equal shares gives each voter ``budget / voters``. A proposal without a
cost costs 0 (it always fits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from core.aggregation import BallotKind, BudgetElection
from core.vote_types import CountedVotes

__all__ = ["APPROVAL", "POINTS", "election_from_votes"]

APPROVAL = "approval"
POINTS = "points"


def election_from_votes(
    budget: float,
    candidate_ids: Sequence[int],
    costs: Sequence[int | None],
    votes: CountedVotes,
    ballots: str,
) -> BudgetElection:
    """The election of ``votes`` (rows by ballot) for ``ballots`` (``"approval"`` or
    ``"points"``); ``costs`` are the candidates' costs, in the order of ``candidate_ids``
    (ascending)."""
    if ballots not in (APPROVAL, POINTS):
        raise ValueError(f"unknown kind of budget ballots {ballots!r}")
    ids = numpy.asarray(candidate_ids, dtype=numpy.int64)
    cost_array = numpy.array([float(c or 0) for c in costs], dtype=numpy.float64)
    ballot_ids = numpy.asarray(votes.ballot_ids, dtype=numpy.int64)
    proposals = numpy.asarray(votes.proposal_ids, dtype=numpy.int64)
    values = numpy.asarray(votes.values, dtype=numpy.int64)

    # Voter index of each row: rows are grouped by ballot.
    starts = numpy.r_[True, ballot_ids[1:] != ballot_ids[:-1]] if ballot_ids.size else None
    voter = numpy.cumsum(starts) - 1 if starts is not None else numpy.zeros(0, dtype=numpy.int64)
    voters_seen = int(voter[-1]) + 1 if voter.size else 0
    n_voters = max(votes.ballots_counted, voters_seen)

    positions = numpy.searchsorted(ids, proposals)
    known = positions < ids.size
    known[known] = ids[positions[known]] == proposals[known]
    if ballots == APPROVAL:
        keep = known & (values == 1)
        keep[keep] = cost_array[positions[keep]] > 0
        utilities = cost_array[positions[keep]]
        kind = BallotKind.APPROVAL
    else:
        keep = known & (values > 0)
        utilities = values[keep].astype(numpy.float64)
        kind = BallotKind.POINTS
    kept_voters = voter[keep]
    ptr = numpy.zeros(n_voters + 1, dtype=numpy.int64)
    numpy.cumsum(numpy.bincount(kept_voters, minlength=n_voters), out=ptr[1:])
    return BudgetElection(
        budget=float(budget),
        project_ids=tuple(int(i) for i in ids),
        costs=cost_array,
        voter_ptr=ptr,
        voter_projects=positions[keep].astype(numpy.int64),
        voter_utilities=utilities,
        ballot_kind=kind,
    )
