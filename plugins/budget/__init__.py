"""Participatory budgets: the winner rules (greedy, equal shares) and Pabulib files.

The rules register through ``register_aggregation_rules``, the same hook a client's own
rule would use; a budget dialogue stores the rule's id.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from plugins.budget.equal_shares import EqualSharesRule
from plugins.budget.greedy import GreedyRule


@hookimpl
def register_aggregation_rules(registry: Registry[Any]) -> None:
    registry.add(GreedyRule())
    registry.add(EqualSharesRule())
