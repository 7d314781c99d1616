"""The "what if" report: the same counted ballots under every rule, side by side.

For a budget dialogue (an amount, and a vote type whose ballots budget rules read), every
registered aggregation rule (``greedy``, ``equal_shares``, a plugin's own) is run on the
same :class:`~core.aggregation.BudgetElection`, and each outcome is described by:

- ``winners`` (in the order the rule chose them) and ``spent`` (their total cost);
- ``voters_with_a_winner``: the share of voters with at least one funded project among
  those they supported;
- ``mean_satisfaction``: the mean, over voters, of the share of what they gave that is
  funded: for support (approval) ballots, the cost of the funded projects they supported
  divided by the cost of all the projects they supported; for points ballots, the points
  they gave to funded projects divided by all the points they gave.

Both shares are taken over the voters whose ballot supports at least one project with a
cost (a support of a free project carries no utility, see
:meth:`~core.aggregation.BudgetElection.from_approvals`); they are ``None`` when there is
none.

For a ranked vote, every counting method the vote type offers (the values of its
``method`` setting) is run on the same ballots instead, each with its order.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy
from sqlalchemy.ext.asyncio import AsyncSession

from core.aggregation import BudgetElection, BudgetOutcome
from core.ballot_sources import extra_ballots
from core.budget_elections import election_from_votes
from core.errors import Conflict
from core.models import Dialogue
from core.plugin_manager import Plugins
from core.services.ballot_box import vote_rules
from core.services.counted_votes import ballots_counted, candidates
from core.services.results import fill_budget, load_votes, ranked_order
from core.vote_types import VoteType

__all__ = ["method_variants", "outcome_measures", "what_if_report"]


def outcome_measures(election: BudgetElection, outcome: BudgetOutcome) -> dict[str, Any]:
    """``voters_with_a_winner`` and ``mean_satisfaction`` of ``outcome`` (see above)."""
    index = {pid: j for j, pid in enumerate(election.project_ids)}
    funded = numpy.zeros(election.n_projects, dtype=numpy.bool_)
    funded[[index[pid] for pid in outcome.winners]] = True
    lengths = numpy.diff(election.voter_ptr)
    voter = numpy.repeat(numpy.arange(election.n_voters), lengths)
    hit = funded[election.voter_projects]
    given = numpy.bincount(voter, weights=election.voter_utilities, minlength=election.n_voters)
    won = numpy.bincount(
        voter[hit], weights=election.voter_utilities[hit], minlength=election.n_voters
    )
    supporting = lengths > 0
    if not bool(supporting.any()):
        return {"voters_with_a_winner": None, "mean_satisfaction": None}
    return {
        "voters_with_a_winner": round(float((won[supporting] > 0).mean()), 4),
        "mean_satisfaction": round(float((won[supporting] / given[supporting]).mean()), 4),
    }


def method_variants(kind: VoteType[Any]) -> dict[str, str]:
    """The values of a vote type's ``method`` setting, when it is a choice of literals,
    with their titles (a ``Meta(extra={"choices": {...}})`` on the field, else the value)."""
    info = msgspec.inspect.type_info(kind.settings_type)
    if not isinstance(info, msgspec.inspect.StructType):
        return {}
    for field in info.fields:
        if field.name != "method":
            continue
        field_type, titles = field.type, {}
        if isinstance(field_type, msgspec.inspect.Metadata):
            titles = dict((field_type.extra or {}).get("choices") or {})
            field_type = field_type.type
        if isinstance(field_type, msgspec.inspect.LiteralType):
            return {str(value): str(titles.get(value, value)) for value in field_type.values}
    return {}


async def what_if_report(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue
) -> dict[str, Any]:
    """The "what if" report of ``dialogue``; 409 ``results.no_rules`` when neither budget
    rules nor counting methods apply to its votes."""
    rules = vote_rules(plugins, dialogue)
    kind = rules.kind
    found = await candidates(session, dialogue)
    online = await ballots_counted(session, dialogue)
    extra = await extra_ballots(session, plugins, dialogue, [c.id for c in found])
    counted = online + extra.ballots
    report: dict[str, Any] = {
        "vote_type": kind.id,
        "ballots_counted": counted,
        "budget": dialogue.budget_amount,
        "current": None,
        "rules": [],
    }
    budget_rules = plugins.aggregation_rules_for(dialogue)
    if dialogue.budget_amount is not None and kind.budget_ballots is not None and budget_rules:
        votes = await load_votes(session, dialogue, found, online, extra)
        election = election_from_votes(
            float(dialogue.budget_amount),
            [c.id for c in found],
            [c.cost for c in found],
            votes,
            kind.budget_ballots,
        )
        report["current"] = dialogue.budget_rule
        for rule in budget_rules:
            outcome = rule.select(election)
            report["rules"].append(
                {
                    "rule": rule.id,
                    "title": rule.title,
                    "winners": list(outcome.winners),
                    "spent": outcome.spent,
                    **outcome_measures(election, outcome),
                }
            )
        return report
    methods = method_variants(kind)
    if not methods:
        raise Conflict(
            "Aucune autre règle ne s'applique aux votes de cette démarche.",
            code="results.no_rules",
        )
    votes = await load_votes(session, dialogue, found, online, extra)
    costs = {c.id: c.cost for c in found}
    report["current"] = dialogue.vote_settings.get("method")
    for method, title in methods.items():
        settings = kind.decode_settings({**dialogue.vote_settings, "method": method})
        order = ranked_order(kind.tally(settings, votes)) or []
        winners = order
        if dialogue.budget_amount is not None:
            winners = fill_budget(order, costs, dialogue.budget_amount)
        report["rules"].append(
            {
                "rule": method,
                "title": title,
                "winners": winners,
                "spent": sum(costs.get(pid) or 0 for pid in winners),
                "voters_with_a_winner": None,
                "mean_satisfaction": None,
            }
        )
    return report
