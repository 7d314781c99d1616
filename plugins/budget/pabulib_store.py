"""Pabulib files in and out of the database: a ``.pb`` file becomes a budget dialogue whose
projects are proposals and whose votes are ballots, and a dialogue becomes a ``.pb`` file.

Import. A new dialogue of kind ``budget`` is created through the ordinary dialogue service
(so its slug, vote settings and rule are validated as any other), with a ``vote`` phase
that has ended (the file's ``date_begin`` / ``date_end`` when they are readable) and a
``results`` phase, and results published by hand (``manual``). The vote type follows the
file's ``vote_type``:

=============  ==========================================================================
approval       ``support``
cumulative     ``points`` (``distribute``; ``points_budget`` from ``max_sum_points`` or the
               largest ballot)
scoring        ``points`` (``scale``; ``scale_max`` from ``max_points`` or the largest grade)
ordinal        ``ranked`` (the file's order gives the ranks; the method is Borda)
=============  ==========================================================================

Projects become accepted proposals with their cost (whole euros) and name; their Pabulib
id and extra columns are kept in the proposal's ``fields`` (``pabulib_id``, ...). Each vote
becomes a confirmed ballot with no citizen behind it, written through the ballot tables and
the vote log (a ``cast`` per vote, then a ``confirm`` whose reason names the Pabulib voter),
so that ``participe recount`` agrees. A voter with an empty vote is a confirmed, empty
(blank) ballot: it counts as a voter, as in Pabulib. The voters' extra columns (age, sex,
...) are personal data and are not imported.

Export writes the counted ballots of a dialogue back, with the Pabulib ids of imported
projects and voters (proposal and ballot ids otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import vote_chain
from core.errors import ValidationFailed
from core.models import Ballot, Dialogue, Organisation, Proposal, Vote, VoteLogEntry
from core.models.ballots import BallotStatus, VoteAction
from core.models.proposals import ProposalStatus
from core.plugin_manager import Plugins
from core.services import dialogues
from core.services.ballot_box import vote_rules
from core.services.counted_votes import ballots_counted, candidates, vote_arrays
from core.specs import BudgetSpec, DialogueSpec, PhaseSpec, VoteSpec
from core.vote_types import BallotContent, ProposalFacts, VoteRejected
from plugins.budget.pabulib import PabulibError, PabulibFile, PabulibProject, PabulibVote

__all__ = ["VOTER_REASON", "export_pabulib", "import_pabulib"]

#: The reason of an imported ballot's ``confirm`` log entry, followed by the voter id.
VOTER_REASON = "pabulib voter "
#: Rows written per statement.
CHUNK = 5_000
#: Pabulib's names of our rules, and back.
RULE_NAMES = {"greedy": "greedy", "equal_shares": "equalshares"}
RULES_BY_NAME = {name: rule for rule, name in RULE_NAMES.items()}


def _whole(value: float, what: str) -> int:
    if not math.isfinite(value) or value != int(value):
        raise PabulibError(0, f"{what} {value!r} is not a whole number")
    return int(value)


def _date(text: str | None) -> datetime | None:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime((text or "").strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _vote_spec(data: PabulibFile) -> VoteSpec:
    points = [p for vote in data.votes for p in (vote.points or ())]
    if data.vote_type == "approval":
        return VoteSpec(type="support", settings={})
    if data.vote_type == "ordinal":
        return VoteSpec(type="ranked", settings={"method": "borda"})
    values = [_whole(p, "points") for p in points]
    if data.vote_type == "cumulative":
        largest = max((sum(_whole(p, "points") for p in v.points or ()) for v in data.votes),
                      default=1)  # fmt: skip
        budget = max(int(float(data.meta.get("max_sum_points") or 0)), largest, 1)
        settings: dict[str, Any] = {"mode": "distribute", "points_budget": budget}
        cap = max((v for v in values), default=1)
        if data.meta.get("max_points"):
            cap = max(int(float(data.meta["max_points"])), cap)
            settings["max_per_proposal"] = min(cap, budget)
        return VoteSpec(type="points", settings=settings)
    top = int(float(data.meta.get("max_points") or 0)) or max(values, default=1)
    return VoteSpec(type="points", settings={"mode": "scale", "scale_max": max(top, 1)})


def _phases(data: PabulibFile, now: datetime) -> list[PhaseSpec]:
    begin, end = _date(data.meta.get("date_begin")), _date(data.meta.get("date_end"))
    if begin is None or end is None or not begin < end <= now:
        begin, end = now - timedelta(seconds=1), now
    return [
        PhaseSpec(kind="vote", starts_at=begin, ends_at=end),
        PhaseSpec(kind="results", starts_at=end),
    ]


def _values(data: PabulibFile, vote: PabulibVote) -> dict[str, int]:
    """The votes of one voter: Pabulib project id → our stored value. Zero points of a
    cumulative vote are no vote at all."""
    if data.vote_type == "approval":
        return dict.fromkeys(vote.projects, 1)
    if data.vote_type == "ordinal":
        return {project: rank for rank, project in enumerate(vote.projects, start=1)}
    points = {p: _whole(x, "points") for p, x in zip(vote.projects, vote.points or (), strict=True)}
    if any(value < 0 for value in points.values()):
        raise PabulibError(0, f"voter {vote.voter_id}: negative points")
    if data.vote_type == "cumulative":
        return {project: value for project, value in points.items() if value > 0}
    return points


async def import_pabulib(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    data: PabulibFile,
    slug: str,
    *,
    now: datetime,
    title: str | None = None,
    rule: str | None = None,
) -> Dialogue:
    """Creates the dialogue ``slug`` from ``data`` (see the module's docstring); the caller
    commits. A file that does not fit (fractional costs or points, an unknown rule) is
    refused with 422 before anything is written."""
    try:
        costs = [_whole(p.cost, f"cost of project {p.project_id}") for p in data.projects]
        vote = _vote_spec(data)
        ballots = [_values(data, v) for v in data.votes]
        budget = _whole(data.budget, "budget")
    except PabulibError as error:
        raise ValidationFailed(f"pabulib: {error}") from None
    chosen_rule = rule or RULES_BY_NAME.get(data.meta.get("rule", ""), "greedy")
    spec = DialogueSpec(
        slug=slug,
        title=(title or data.meta.get("description") or f"Budget participatif {slug}")[:200],
        kind="budget",
        description=data.meta.get("description", ""),
        vote=vote,
        budget=BudgetSpec(amount=max(budget, 1), rule=chosen_rule),
        phases=_phases(data, now),
        results_visibility="manual",
    )
    dialogue = await dialogues.create_dialogue(session, plugins, organisation, spec)
    _judge(
        plugins,
        dialogue,
        data,
        ballots,
        {
            project.project_id: ProposalFacts(cost, fields=_fields(project))
            for project, cost in zip(data.projects, costs, strict=True)
        },
    )
    proposal_ids = await _insert_projects(session, dialogue, data.projects, costs, now)
    await _insert_ballots(session, dialogue, data.votes, ballots, proposal_ids, now)
    return dialogue


def _judge(
    plugins: Plugins,
    dialogue: Dialogue,
    data: PabulibFile,
    ballots: Sequence[dict[str, int]],
    facts: dict[str, ProposalFacts],
) -> None:
    """Has the vote type judge every imported ballot, as the ballot engine would, with
    the facts its projects will have once stored."""
    rules = vote_rules(plugins, dialogue)
    for vote, given in zip(data.votes, ballots, strict=True):
        # Judged by Pabulib project id: a vote type only matches votes with facts by key.
        content = BallotContent(given, proposals={p: facts[p] for p in given})  # type: ignore[arg-type,misc]
        try:
            rules.judge(content)
        except VoteRejected as error:
            raise ValidationFailed(f"pabulib: voter {vote.voter_id}: {error.detail}") from None


def _fields(project: PabulibProject) -> dict[str, str]:
    """The custom field values of the proposal that stores ``project``."""
    return {"pabulib_id": project.project_id, **project.extra}


async def _insert_projects(
    session: AsyncSession,
    dialogue: Dialogue,
    projects: Sequence[PabulibProject],
    costs: Sequence[int],
    now: datetime,
) -> dict[str, int]:
    rows = [
        {
            "dialogue_id": dialogue.id,
            "title": (project.name or f"Projet {project.project_id}")[:200],
            "body": "",
            "fields": _fields(project),
            "cost": cost,
            "status": ProposalStatus.ACCEPTED,
            "status_reason": "",
            "created_at": now,
            "updated_at": now,
            "published_at": now,
            "hidden_reason": "",
            "awaiting_moderation": False,
        }
        for project, cost in zip(projects, costs, strict=True)
    ]
    ids = await _insert_returning(session, Proposal, rows)
    return {project.project_id: pid for project, pid in zip(projects, ids, strict=True)}


async def _insert_returning(
    session: AsyncSession, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        result = await session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + CHUNK],
        )
        ids.extend(result.scalars().all())
    return ids


async def _insert_ballots(
    session: AsyncSession,
    dialogue: Dialogue,
    votes: Sequence[PabulibVote],
    values: Sequence[dict[str, int]],
    proposal_ids: dict[str, int],
    now: datetime,
) -> None:
    ballot_rows = [
        {
            "dialogue_id": dialogue.id,
            "user_id": None,
            "status": BallotStatus.CONFIRMED,
            "confirmed_at": now,
            "void_reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for _ in votes
    ]
    ballot_ids = await _insert_returning(session, Ballot, ballot_rows)
    vote_rows: list[dict[str, Any]] = []
    log_rows: list[dict[str, Any]] = []
    for ballot_id, vote, given in zip(ballot_ids, votes, values, strict=True):
        for project_id, value in given.items():
            proposal_id = proposal_ids[project_id]
            vote_rows.append({"ballot_id": ballot_id, "proposal_id": proposal_id, "value": value})
            log_rows.append(_log(dialogue, ballot_id, VoteAction.CAST, now, proposal_id, value))
        log_rows.append(
            _log(dialogue, ballot_id, VoteAction.CONFIRM, now, reason=VOTER_REASON + vote.voter_id)
        )
    # The vote log's chain: set here on SQLite, by the database's trigger on PostgreSQL.
    await vote_chain.linked(await session.connection(), log_rows)
    for rows, model in ((vote_rows, Vote), (log_rows, VoteLogEntry)):
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[start : start + CHUNK])


def _log(
    dialogue: Dialogue,
    ballot_id: int,
    action: VoteAction,
    now: datetime,
    proposal_id: int | None = None,
    value: int | None = None,
    reason: str = "pabulib",
) -> dict[str, Any]:
    return {
        "dialogue_id": dialogue.id,
        "ballot_id": ballot_id,
        "action": action.value,
        "proposal_id": proposal_id,
        "value": value,
        "reason": reason,
        "created_at": now,
    }


# -- export -----------------------------------------------------------------------


def _vote_type(dialogue: Dialogue) -> str:
    settings = dialogue.vote_settings or {}
    if dialogue.vote_type in ("support", "binary"):
        return "approval"
    if dialogue.vote_type == "points":
        return "scoring" if settings.get("mode") == "scale" else "cumulative"
    if dialogue.vote_type == "ranked":
        return "ordinal"
    raise ValidationFailed(
        f"pabulib: a {dialogue.vote_type or 'vote-less'} dialogue has no Pabulib form",
        code="pabulib.unsupported",
    )


async def export_pabulib(
    session: AsyncSession, organisation: Organisation, dialogue: Dialogue
) -> PabulibFile:
    """The counted ballots of ``dialogue`` as a Pabulib file (see the module's docstring).
    Binary votes export their "yes" / "for" votes as approvals."""
    vote_type = _vote_type(dialogue)
    found = await candidates(session, dialogue)
    counted = await ballots_counted(session, dialogue)
    votes = await vote_arrays(session, dialogue, [c.id for c in found], counted)
    project_ids = {c.id: str(c.facts.fields.get("pabulib_id") or c.id) for c in found}
    voter_ids = {
        ballot_id: reason.removeprefix(VOTER_REASON)
        for ballot_id, reason in await session.execute(
            select(VoteLogEntry.ballot_id, VoteLogEntry.reason).where(
                VoteLogEntry.dialogue_id == dialogue.id,
                VoteLogEntry.action == VoteAction.CONFIRM.value,
                VoteLogEntry.reason.startswith(VOTER_REASON),
            )
        )
    }
    counted_ids = list(
        await session.scalars(
            select(Ballot.id)
            .where(
                Ballot.dialogue_id == dialogue.id,
                Ballot.status == BallotStatus.CONFIRMED,
                Ballot.voided_at.is_(None),
            )
            .order_by(Ballot.id)
        )
    )
    by_ballot: dict[int, list[tuple[int, int]]] = {ballot_id: [] for ballot_id in counted_ids}
    for ballot_id, proposal_id, value in zip(
        numpy.asarray(votes.ballot_ids).tolist(),
        numpy.asarray(votes.proposal_ids).tolist(),
        numpy.asarray(votes.values).tolist(),
        strict=True,
    ):
        by_ballot.setdefault(ballot_id, []).append((proposal_id, value))
    pb_votes = [
        _pb_vote(voter_ids.get(ballot_id, f"b{ballot_id}"), given, vote_type, project_ids)
        for ballot_id, given in by_ballot.items()
    ]
    meta = {
        "description": dialogue.description or dialogue.title,
        "unit": organisation.name,
        "instance": dialogue.slug,
        "num_projects": str(len(found)),
        "num_votes": str(len(pb_votes)),
        "budget": str(dialogue.budget_amount or 0),
        "vote_type": vote_type,
        "rule": RULE_NAMES.get(dialogue.budget_rule or "", dialogue.budget_rule or "unknown"),
    }
    settings = dialogue.vote_settings or {}
    if vote_type == "cumulative":
        meta["max_sum_points"] = str(settings.get("points_budget", 10))
        if settings.get("max_per_proposal"):
            meta["max_points"] = str(settings["max_per_proposal"])
    elif vote_type == "scoring":
        meta["min_points"], meta["max_points"] = "0", str(settings.get("scale_max", 5))
    projects = [
        PabulibProject(
            project_ids[c.id],
            float(c.cost or 0),
            c.title,
            {
                key: str(value)
                for key, value in c.facts.fields.items()
                if key != "pabulib_id" and isinstance(value, str | int | float)
            },
        )
        for c in found
    ]
    return PabulibFile(meta, projects, pb_votes)


def _pb_vote(
    voter_id: str, given: list[tuple[int, int]], vote_type: str, project_ids: dict[int, str]
) -> PabulibVote:
    if vote_type == "approval":
        chosen = [project_ids[pid] for pid, value in given if value == 1]
        return PabulibVote(voter_id, tuple(chosen))
    if vote_type == "ordinal":
        ranked = sorted(given, key=lambda item: item[1])
        return PabulibVote(voter_id, tuple(project_ids[pid] for pid, _ in ranked))
    kept = [(pid, value) for pid, value in given if value > 0]
    return PabulibVote(
        voter_id,
        tuple(project_ids[pid] for pid, _ in kept),
        tuple(float(value) for _, value in kept),
    )
