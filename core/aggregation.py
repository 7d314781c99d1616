"""Neutral data types handed to participatory-budget aggregation rules.

A rule sees a :class:`BudgetElection` (budget, project costs and ballots in compressed
sparse row form) and answers with a :class:`BudgetOutcome`. Nothing here knows about the
database, the web layer or any reference library, so rules stay pure and easy to test.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy
import numpy.typing as npt

__all__ = ["AggregationRule", "BallotKind", "BudgetElection", "BudgetOutcome", "ProjectSupport"]

FloatArray = npt.NDArray[numpy.float64]
IndexArray = npt.NDArray[numpy.int64]


class BallotKind(enum.Enum):
    """How the ballots were cast, which fixes what "most supported" means.

    ``APPROVAL``: each voter approves projects; utilities are the projects' costs (the
    "cost utilities" of equalshares.net) and a project's support is its number of
    supporters. ``POINTS``: each voter gives points; utilities are the points and a
    project's support is its sum of points.
    """

    APPROVAL = "approval"
    POINTS = "points"


@dataclass(frozen=True)
class ProjectSupport:
    """The ballots transposed: project ``j``'s supporters are
    ``voters[ptr[j]:ptr[j+1]]`` (ascending voter index) with the matching ``utilities``."""

    ptr: IndexArray
    voters: IndexArray
    utilities: FloatArray


@dataclass(frozen=True, eq=False)
class BudgetElection:
    """A participatory-budget election in compressed-sparse-row form.

    Voter ``i``'s ballot is ``voter_projects[voter_ptr[i]:voter_ptr[i+1]]`` (project indices
    ``j``, each at most once) with the matching ``voter_utilities`` (all positive).
    ``project_ids[j]`` is the proposal id of index ``j``; rules break ties by the lower id.
    """

    budget: float
    project_ids: tuple[int, ...]
    costs: FloatArray
    voter_ptr: IndexArray
    voter_projects: IndexArray
    voter_utilities: FloatArray
    ballot_kind: BallotKind = BallotKind.APPROVAL

    def __post_init__(self) -> None:
        m = len(self.project_ids)
        if len(set(self.project_ids)) != m:
            raise ValueError("project ids must be unique")
        if self.costs.shape != (m,) or bool(numpy.any(self.costs < 0)):
            raise ValueError("costs must be one non-negative number per project")
        if self.voter_ptr.ndim != 1 or self.voter_ptr.size < 1 or self.voter_ptr[0] != 0:
            raise ValueError("voter_ptr must start at 0")
        if bool(numpy.any(numpy.diff(self.voter_ptr) < 0)):
            raise ValueError("voter_ptr must be non-decreasing")
        nnz = int(self.voter_ptr[-1])
        if self.voter_projects.shape != (nnz,) or self.voter_utilities.shape != (nnz,):
            raise ValueError("voter_projects and voter_utilities must have voter_ptr[-1] entries")
        if nnz and (int(self.voter_projects.min()) < 0 or int(self.voter_projects.max()) >= m):
            raise ValueError("a ballot names an unknown project index")
        if bool(numpy.any(self.voter_utilities <= 0)):
            raise ValueError("utilities must be positive (leave unsupported projects out)")

    @property
    def n_voters(self) -> int:
        return int(self.voter_ptr.size - 1)

    @property
    def n_projects(self) -> int:
        return len(self.project_ids)

    def support(self) -> FloatArray:
        """Each project's support: supporters (approval) or sum of points (points)."""
        weights = None if self.ballot_kind is BallotKind.APPROVAL else self.voter_utilities
        return numpy.bincount(
            self.voter_projects, weights=weights, minlength=self.n_projects
        ).astype(numpy.float64)

    def by_project(self) -> ProjectSupport:
        """Transpose the ballots so that each project's supporters are contiguous."""
        voters = numpy.repeat(
            numpy.arange(self.n_voters, dtype=numpy.int64), numpy.diff(self.voter_ptr)
        )
        order = numpy.argsort(self.voter_projects, kind="stable")
        counts = numpy.bincount(self.voter_projects, minlength=self.n_projects)
        ptr = numpy.zeros(self.n_projects + 1, dtype=numpy.int64)
        numpy.cumsum(counts, out=ptr[1:])
        return ProjectSupport(ptr, voters[order], self.voter_utilities[order])

    @classmethod
    def from_ballots(
        cls,
        budget: float,
        costs: Mapping[int, float],
        ballots: Sequence[Mapping[int, float]],
    ) -> BudgetElection:
        """Build a points election; zero points mean "not supported" and are dropped."""
        ids = tuple(sorted(costs))
        index = {pid: j for j, pid in enumerate(ids)}
        ptr = [0]
        projects: list[int] = []
        utilities: list[float] = []
        for ballot in ballots:
            for pid, points in sorted(ballot.items()):
                if pid not in index:
                    raise ValueError(f"ballot names unknown project {pid}")
                if points < 0:
                    raise ValueError(f"negative points for project {pid}")
                if points > 0:
                    projects.append(index[pid])
                    utilities.append(float(points))
            ptr.append(len(projects))
        return cls(
            budget=float(budget),
            project_ids=ids,
            costs=numpy.array([float(costs[pid]) for pid in ids], dtype=numpy.float64),
            voter_ptr=numpy.array(ptr, dtype=numpy.int64),
            voter_projects=numpy.array(projects, dtype=numpy.int64),
            voter_utilities=numpy.array(utilities, dtype=numpy.float64),
            ballot_kind=BallotKind.POINTS,
        )

    @classmethod
    def from_approvals(
        cls,
        budget: float,
        costs: Mapping[int, float],
        ballots: Sequence[Iterable[int]],
    ) -> BudgetElection:
        """Build an approval election with cost utilities (a project is worth its cost).

        Approvals of a project that costs nothing carry no utility and are left out, as
        with pabutools' ``Cost_Sat``; such a project is funded anyway, as it always fits.
        """
        ids = tuple(sorted(costs))
        index = {pid: j for j, pid in enumerate(ids)}
        cost_array = numpy.array([float(costs[pid]) for pid in ids], dtype=numpy.float64)
        ptr = [0]
        projects: list[int] = []
        for ballot in ballots:
            chosen = set(ballot)
            unknown = chosen - index.keys()
            if unknown:
                raise ValueError(f"ballot names unknown projects {sorted(unknown)}")
            projects.extend(index[pid] for pid in sorted(chosen) if costs[pid] > 0)
            ptr.append(len(projects))
        project_array = numpy.array(projects, dtype=numpy.int64)
        return cls(
            budget=float(budget),
            project_ids=ids,
            costs=cost_array,
            voter_ptr=numpy.array(ptr, dtype=numpy.int64),
            voter_projects=project_array,
            voter_utilities=cost_array[project_array],
            ballot_kind=BallotKind.APPROVAL,
        )


@dataclass(frozen=True)
class BudgetOutcome:
    """The funded proposals (ids, in the order the rule selected them) and their total cost."""

    winners: tuple[int, ...]
    spent: float


class AggregationRule(Protocol):
    """A participatory-budget rule. ``id`` is what a dialogue stores; ``title`` is shown."""

    id: ClassVar[str]
    title: ClassVar[str]

    def select(self, election: BudgetElection) -> BudgetOutcome: ...
