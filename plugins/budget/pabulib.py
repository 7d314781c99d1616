"""Read and write the Pabulib ``.pb`` format of participatory-budget elections.

A file has three sections, each introduced by a line holding only its name::

    META                      PROJECTS                    VOTES
    key;value                 project_id;cost;name;...    voter_id;vote;points;...
    budget;100000             1;20000;Park;...            v1;1,3;2,1;...

Rows are ``;``-separated with ``"``-quoted fields (quoted fields may not span lines). The
``vote`` column lists project ids separated by commas (in preference order for ordinal
votes); ``points`` gives the matching points for ``cumulative`` and ``scoring`` votes.
Every problem is reported as a :class:`PabulibError` carrying the line number.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.aggregation import BudgetElection

__all__ = [
    "VOTE_TYPES",
    "PabulibError",
    "PabulibFile",
    "PabulibProject",
    "PabulibVote",
    "format_pabulib",
    "parse_pabulib",
    "read_pabulib",
    "write_pabulib",
]

VOTE_TYPES = ("approval", "cumulative", "scoring", "ordinal")
_SECTIONS = ("META", "PROJECTS", "VOTES")
_WITH_POINTS = ("cumulative", "scoring")


class PabulibError(ValueError):
    """A malformed Pabulib file; ``line`` is 1-based (0 when the whole file is at fault)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class PabulibProject:
    project_id: str
    cost: float
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PabulibVote:
    voter_id: str
    projects: tuple[str, ...]
    points: tuple[float, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PabulibFile:
    """One election. ``meta`` keeps every META entry as text, in file order."""

    meta: dict[str, str]
    projects: list[PabulibProject]
    votes: list[PabulibVote]

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> float:
        return _number(self.meta.get("budget", ""), 0, "budget")

    def to_election(self) -> BudgetElection:
        """The election for a budget rule: approval votes with cost utilities, cumulative and
        scoring votes with their points. Project ids must be integers (proposal ids)."""
        if self.vote_type == "ordinal":
            raise PabulibError(0, "ordinal votes have no budget utilities; use a ranked tally")
        ids: dict[str, int] = {}
        for project in self.projects:
            try:
                ids[project.project_id] = int(project.project_id)
            except ValueError:
                raise PabulibError(
                    0, f"project id {project.project_id!r} is not an integer"
                ) from None
        costs = {ids[p.project_id]: p.cost for p in self.projects}
        if self.vote_type == "approval":
            approvals = [[ids[p] for p in vote.projects] for vote in self.votes]
            return BudgetElection.from_approvals(self.budget, costs, approvals)
        ballots = [
            {ids[p]: points for p, points in zip(vote.projects, vote.points or (), strict=True)}
            for vote in self.votes
        ]
        return BudgetElection.from_ballots(self.budget, costs, ballots)


def _number(text: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PabulibError(line, f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise PabulibError(line, f"{what} {text!r} is not a finite number")
    return value


def _format_number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _row(text: str, line: int) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=";", quotechar='"', strict=True))
    except csv.Error as error:
        raise PabulibError(line, f"bad quoting: {error}") from None


def _split_ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_pabulib(text: str) -> PabulibFile:
    """Parse the text of a ``.pb`` file."""
    section = ""
    header: list[str] = []
    meta: dict[str, str] = {}
    projects: list[PabulibProject] = []
    rows: list[tuple[int, dict[str, str]]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.strip() in _SECTIONS:
            name = raw.strip()
            if name in seen or _SECTIONS.index(name) != len(seen):
                raise PabulibError(number, f"section {name} out of order or repeated")
            section, header = name, []
            seen.add(name)
            continue
        if not section:
            raise PabulibError(number, "content before the META section")
        cells = _row(raw, number)
        if not header:
            header = [cell.strip() for cell in cells]
            _check_header(section, header, number)
            continue
        if len(cells) != len(header):
            raise PabulibError(number, f"{len(cells)} fields where the header has {len(header)}")
        record = dict(zip(header, cells, strict=True))
        if section == "META":
            meta[record["key"]] = record["value"]
        elif section == "PROJECTS":
            projects.append(_project(record, number))
        else:
            rows.append((number, record))
    if len(seen) != len(_SECTIONS):
        missing = [name for name in _SECTIONS if name not in seen]
        raise PabulibError(0, f"missing section(s) {', '.join(missing)}")
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(0, f"unknown vote_type {vote_type!r}")
    if "budget" not in meta:
        raise PabulibError(0, "META has no budget")
    _number(meta["budget"], 0, "budget")
    known = {p.project_id for p in projects}
    if len(known) != len(projects):
        raise PabulibError(0, "duplicate project_id in PROJECTS")
    votes = [_vote(record, number, vote_type, known) for number, record in rows]
    return PabulibFile(meta, projects, votes)


def _check_header(section: str, header: list[str], line: int) -> None:
    required = {"META": ["key", "value"], "PROJECTS": ["project_id", "cost"]}
    required["VOTES"] = ["voter_id", "vote"]
    missing = [column for column in required[section] if column not in header]
    if missing:
        raise PabulibError(line, f"{section} header lacks {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise PabulibError(line, f"{section} header repeats a column")


def _project(record: dict[str, str], line: int) -> PabulibProject:
    cost = _number(record["cost"], line, "cost")
    if cost < 0:
        raise PabulibError(line, f"negative cost {record['cost']!r}")
    extra = {k: v for k, v in record.items() if k not in ("project_id", "cost", "name")}
    return PabulibProject(record["project_id"].strip(), cost, record.get("name", ""), extra)


def _vote(record: dict[str, str], line: int, vote_type: str, known: set[str]) -> PabulibVote:
    projects = _split_ids(record["vote"])
    unknown = [p for p in projects if p not in known]
    if unknown:
        raise PabulibError(line, f"vote names unknown project(s) {', '.join(unknown)}")
    if len(set(projects)) != len(projects):
        raise PabulibError(line, "vote names a project twice")
    points: tuple[float, ...] | None = None
    if vote_type in _WITH_POINTS:
        if "points" not in record:
            raise PabulibError(line, f"{vote_type} votes need a points column")
        points = tuple(_number(p, line, "points") for p in _split_ids(record["points"]))
        if len(points) != len(projects):
            raise PabulibError(line, f"{len(points)} points for {len(projects)} projects")
    extra = {k: v for k, v in record.items() if k not in ("voter_id", "vote", "points")}
    return PabulibVote(record["voter_id"].strip(), projects, points, extra)


def read_pabulib(path: str | Path) -> PabulibFile:
    return parse_pabulib(Path(path).read_text(encoding="utf-8-sig"))


def format_pabulib(data: PabulibFile) -> str:
    """The ``.pb`` text of ``data``; ``num_projects`` and ``num_votes`` are kept up to date."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    meta = dict(data.meta)
    meta["num_projects"] = str(len(data.projects))
    meta["num_votes"] = str(len(data.votes))
    out.write("META\n")
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())
    out.write("PROJECTS\n")
    project_extra = _columns(p.extra for p in data.projects)
    writer.writerow(["project_id", "cost", "name", *project_extra])
    for p in data.projects:
        extra = [p.extra.get(column, "") for column in project_extra]
        writer.writerow([p.project_id, _format_number(p.cost), p.name, *extra])
    out.write("VOTES\n")
    with_points = data.vote_type in _WITH_POINTS
    vote_extra = _columns(v.extra for v in data.votes)
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *vote_extra])
    for v in data.votes:
        points = [",".join(_format_number(x) for x in v.points or ())] if with_points else []
        extra = [v.extra.get(column, "") for column in vote_extra]
        writer.writerow([v.voter_id, ",".join(v.projects), *points, *extra])
    return out.getvalue()


def _columns(extras: Iterable[dict[str, str]]) -> list[str]:
    columns: dict[str, None] = {}
    for extra in extras:
        columns.update(dict.fromkeys(extra))
    return list(columns)


def write_pabulib(data: PabulibFile, path: str | Path) -> None:
    Path(path).write_text(format_pabulib(data), encoding="utf-8")
