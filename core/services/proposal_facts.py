"""Reading the facts of proposals (:class:`core.vote_types.ProposalFacts`) that vote types
judge ballots and count votes by.

The facts are never read on their own: the queries that already read a proposal for a
ballot or a count add :data:`FACT_COLUMNS` to their columns, so that a vote costs no
extra query, and a count reads its candidates' facts with the candidates
(:func:`core.services.tally.candidate_facts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table

from core.models import Proposal
from core.vote_types import ProposalFacts

__all__ = ["FACT_COLUMNS", "facts_from"]

_proposals = cast(Table, Proposal.__table__)

#: The columns a query adds to read a proposal's facts, in the order :func:`facts_from`
#: takes them.
FACT_COLUMNS = (
    _proposals.c.cost,
    _proposals.c.theme,
    _proposals.c.sector,
    _proposals.c.fields,
)


def facts_from(
    cost: int | None, theme: str | None, sector: str | None, fields: Mapping[str, Any] | None
) -> ProposalFacts:
    """The facts of a proposal from the values of :data:`FACT_COLUMNS`."""
    return ProposalFacts(cost, theme, sector, fields or {})
