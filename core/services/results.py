"""A dialogue's results: every candidate's tally, the winners, from counted ballots only.

The body (``GET /api/v1/dialogues/{slug}/results``)::

    {"published": bool, "vote_type": str, "ballots_counted": int,
     "proposals": [{"id", "title", "cost", "tally": {...}}],   # ascending ids
     "winners": [ids], "budget": {"amount", "rule", "spent"} | null, ...sections}

- ``tally`` is the vote type's (support ``{"supports"}``, binary ``{"counts"}`` to which
  the results add ``{"shares"}``: each option's share of the votes on that proposal,
  points ``{"points"}`` and ``{"mean"}`` for grades, ranked ``{"score", "rank"}``).
- ``winners``: for a budget dialogue (an amount and a registered rule) whose vote type
  gives budget ballots (support, binary, points), the proposals the rule funds, in the
  order it chose them; ties are the rule's (greedy and equal shares favour the lower
  proposal id). For a ranked vote, the method's order (ties: lower id first); with a
  budget, the proposals funded by going down that order and keeping what still fits.
  Otherwise empty.

The ballots of plugins' ballot sources (paper ballots, ...; :mod:`core.ballot_sources`)
are counted with the online ones, in ``ballots_counted`` and in every tally.

Counting reads the database with aggregate queries (:mod:`core.services.counted_votes`),
and the computed body is cached under the dialogue's :func:`ballots_version`, which
changes with every ballot change, so a cached body is never stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.aggregation import AggregationRule
from core.ballot_sources import (
    ExtraBallots,
    extra_ballots,
    sources_version,
    with_extra_counts,
    with_extra_votes,
)
from core.budget_elections import election_from_votes
from core.models import Dialogue, Proposal, User
from core.models.ballots import VoteLogHead
from core.plugin_manager import Plugins
from core.result_sections import compute_sections
from core.results_cache import ResultsCache
from core.services import envelopes
from core.services.ballot_box import VoteRules, vote_rules
from core.services.counted_votes import (
    Candidate,
    ballots_counted,
    candidates,
    facts_of,
    vote_arrays,
    vote_counts,
)
from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes, VoteType

__all__ = [
    "ballots_version",
    "budget_rule_of",
    "cached",
    "compute_results",
    "load_votes",
    "results_body",
]

#: No ballots from ballot sources.
NO_EXTRA = ExtraBallots()
#: Bumped when the shape of a cached body changes.
CACHE_FORMAT = "2"


async def ballots_version(
    session: AsyncSession, dialogue: Dialogue, plugins: Plugins | None = None
) -> str:
    """A string that changes whenever the results of ``dialogue`` may change: one query,
    and one more per ballot source that applies to it when ``plugins`` are given.

    Every ballot change appends to the vote log, and every entry moves its dialogue's
    chain head (``vote_log_heads.seq``, :mod:`core.vote_chain`) in the change's own
    transaction, so the head's length names the state of the committed ballots whatever
    the order in which changes commit (an id handed out early may commit late: ids could
    not tell). Proposals (status, cost, title, hiding) and the dialogue's own settings
    (vote, budget) count too, through their ``updated_at``, and so do the ballots of
    plugins' ballot sources, through their versions.
    """
    chain_length = (
        select(VoteLogHead.seq).where(VoteLogHead.dialogue_id == dialogue.id).scalar_subquery()
    )
    proposals_changed = (
        select(func.max(Proposal.updated_at))
        .where(Proposal.dialogue_id == dialogue.id)
        .scalar_subquery()
    )
    proposals = (
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.dialogue_id == dialogue.id)
        .scalar_subquery()
    )
    dialogue_changed = (
        select(Dialogue.updated_at).where(Dialogue.id == dialogue.id).scalar_subquery()
    )
    row = (
        await session.execute(select(chain_length, proposals_changed, proposals, dialogue_changed))
    ).one()
    parts = [_part(value) for value in row]
    if plugins is not None and (sources := await sources_version(session, plugins, dialogue)):
        parts.append(sources)
    return ".".join([CACHE_FORMAT, str(dialogue.id), *parts])


def _part(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return str(value.timestamp())
    return str(value)


def budget_rule_of(plugins: Plugins, dialogue: Dialogue) -> AggregationRule | None:
    """The dialogue's budget rule, when it has an amount and a registered rule whose
    module is on for it."""
    if dialogue.budget_amount is None or not dialogue.budget_rule:
        return None
    return plugins.aggregation_rule_for(dialogue)


def _counts_tally(kind: VoteType[Any]) -> bool:
    return type(kind).tally_counts is not VoteType.tally_counts


async def load_votes(
    session: AsyncSession,
    dialogue: Dialogue,
    found: list[Candidate],
    counted: int,
    extra: ExtraBallots = NO_EXTRA,
) -> CountedVotes:
    """The votes of the ``counted`` online ballots on ``found``, with ``extra`` ballots
    (from ballot sources) added, and the facts of ``found``."""
    ids = [c.id for c in found]
    votes = await vote_arrays(session, dialogue, ids, counted, facts=facts_of(found))
    return with_extra_votes(votes, extra)


async def _tally(
    session: AsyncSession,
    rules: VoteRules,
    dialogue: Dialogue,
    found: list[Candidate],
    counted: int,
    votes: CountedVotes | None,
    extra: ExtraBallots = NO_EXTRA,
) -> dict[int, dict[str, Any]]:
    """The tally of the ``counted`` online ballots and the ``extra`` ones; ``votes``,
    when already loaded, holds both."""
    ids = [c.id for c in found]
    kind, settings = rules.kind, rules.settings
    if _counts_tally(kind):
        if votes is None:
            counts = with_extra_counts(await vote_counts(session, dialogue, ids, counted), extra)
        else:
            counts = VoteCounts.from_votes(
                ids, votes.proposal_ids, votes.values, votes.ballots_counted
            )
        tally = kind.tally_counts(settings, counts)
        if tally is not None:
            return tally
    if votes is None:
        votes = await load_votes(session, dialogue, found, counted, extra)
    return kind.tally(settings, votes)


def _with_shares(tally: dict[str, Any]) -> dict[str, Any]:
    counts = tally.get("counts")
    if not isinstance(counts, dict) or "shares" in tally:
        return tally
    total = sum(counts.values())
    shares = {option: round(n / total, 4) if total else 0.0 for option, n in counts.items()}
    return {**tally, "shares": shares}


def ranked_order(tally: dict[int, dict[str, Any]]) -> list[int] | None:
    """Proposal ids by rank (ties: lower id first), when the tally gives ranks."""
    if not tally or not all("rank" in t for t in tally.values()):
        return None
    return sorted(tally, key=lambda pid: (tally[pid]["rank"], pid))


def fill_budget(order: list[int], costs: dict[int, int | None], amount: float) -> list[int]:
    """Goes down ``order`` and keeps each proposal whose cost still fits."""
    left = float(amount)
    funded = []
    for proposal_id in order:
        cost = float(costs.get(proposal_id) or 0)
        if cost <= left:
            funded.append(proposal_id)
            left -= cost
    return funded


async def compute_results(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue
) -> dict[str, Any]:
    """The results of ``dialogue`` without ``published`` and sections (not cached)."""
    if not dialogue.vote_type:
        return {
            "vote_type": dialogue.kind.value if dialogue.kind.value == "questionnaire" else "",
            "ballots_counted": 0,
            "proposals": [],
            "winners": [],
            "budget": None,
            "withdrawn": [],
        }
    rules = vote_rules(plugins, dialogue)
    found = await candidates(session, dialogue)
    online = await ballots_counted(session, dialogue)
    # Ballots kept by plugins (paper ballots, ...) count with the online ones.
    extra = await extra_ballots(session, plugins, dialogue, [c.id for c in found])
    counted = online + extra.ballots
    rule = budget_rule_of(plugins, dialogue)
    budget_ballots = rules.kind.budget_ballots
    votes = None
    if rule is not None and budget_ballots is not None:
        votes = await load_votes(session, dialogue, found, online, extra)
    tally = await _tally(session, rules, dialogue, found, online, votes, extra)

    costs = {c.id: c.cost for c in found}
    winners: list[int] = []
    budget: dict[str, Any] | None = None
    split = envelopes.split_of(dialogue)
    by_envelope: list[dict[str, Any]] | None = None
    if rule is not None and budget_ballots is not None and votes is not None:
        if split is None:
            election = election_from_votes(
                float(dialogue.budget_amount or 0),
                [c.id for c in found],
                [c.cost for c in found],
                votes,
                budget_ballots,
            )
            winners = list(rule.select(election).winners)
        else:
            by_envelope = _count_by_envelope(split, rule, budget_ballots, found, costs, votes)
            winners = [pid for envelope in by_envelope for pid in envelope["winners"]]
    else:
        order = ranked_order(tally)
        if order is not None:
            amount = dialogue.budget_amount
            winners = order if amount is None else fill_budget(order, costs, amount)
    if dialogue.budget_amount is not None:
        budget = {
            "amount": dialogue.budget_amount,
            "rule": dialogue.budget_rule,
            "spent": sum(costs.get(pid) or 0 for pid in winners),
        }
        if by_envelope is not None:
            budget["envelopes"] = by_envelope
    return {
        "vote_type": rules.kind.id,
        "ballots_counted": counted,
        "proposals": [
            {
                "id": c.id,
                "title": c.title,
                "cost": c.cost,
                "tally": _with_shares(tally.get(c.id, {})),
            }
            for c in found
        ],
        "winners": winners,
        "budget": budget,
        "withdrawn": await withdrawn_candidates(session, dialogue),
    }


def _count_by_envelope(
    split: envelopes.Split,
    rule: AggregationRule,
    budget_ballots: str,
    found: list[Candidate],
    costs: Mapping[int, int | None],
    votes: CountedVotes,
) -> list[dict[str, Any]]:
    """The dialogue's rule run on each envelope: its candidates, its amount, and the
    ballots with a vote in it as its voters."""
    counted = []
    grouped = envelopes.candidates_by_envelope(split, [(c.id, c.facts) for c in found])
    for key, ids in grouped.items():
        amount = split.amount(key)
        mine = envelopes.votes_in(votes, ids)
        election = election_from_votes(
            float(amount), ids, [costs[pid] for pid in ids], mine, budget_ballots
        )
        chosen = list(rule.select(election).winners)
        counted.append(
            {
                "sector": key or None,
                "amount": amount,
                "voters": mine.ballots_counted,
                "winners": chosen,
                "spent": sum(costs.get(pid) or 0 for pid in chosen),
            }
        )
    return counted


async def withdrawn_candidates(session: AsyncSession, dialogue: Dialogue) -> list[dict[str, Any]]:
    """The candidates staff withdrew from the vote (``core.services.candidates``), each
    with the public reason: the results say which left the count, and why."""
    rows = await session.execute(
        select(Proposal.id, Proposal.title, Proposal.withdrawal_reason, Proposal.withdrawn_at)
        .where(Proposal.dialogue_id == dialogue.id, Proposal.withdrawn_at.is_not(None))
        .order_by(Proposal.withdrawn_at, Proposal.id)
    )
    return [
        {"id": pid, "title": title, "reason": reason, "withdrawn_at": when.isoformat()}
        for pid, title, reason, when in rows
        if when is not None
    ]


async def cached(
    session: AsyncSession,
    cache: ResultsCache,
    dialogue: Dialogue,
    what: str,
    compute: Any,
    plugins: Plugins | None = None,
) -> dict[str, Any]:
    """``await compute()`` (a JSON-ready dict), cached under the dialogue's ballots
    version and ``what`` (``"results"``, ``"report"``); give ``plugins`` whenever the
    body counts ballots, so that ballot sources' changes are seen."""
    key = f"{what}:{await ballots_version(session, dialogue, plugins)}"
    hit = await cache.get(key)
    if hit is not None:
        body: dict[str, Any] = msgspec.json.decode(hit)
        return body
    body = await compute()
    await cache.set(key, msgspec.json.encode(body))
    return body


async def results_body(
    session: AsyncSession,
    plugins: Plugins,
    cache: ResultsCache,
    dialogue: Dialogue,
    viewer: User | None,
    *,
    published: bool,
) -> dict[str, Any]:
    """The whole results body: cached counts, ``published``, and the result sections of
    plugins (computed for ``viewer``, never cached: they count other things)."""

    async def compute() -> dict[str, Any]:
        return await compute_results(session, plugins, dialogue)

    counted = await cached(session, cache, dialogue, "results", compute, plugins)
    body = {"published": published, **counted}
    body.update(await compute_sections(session, plugins, dialogue, viewer))
    return body
