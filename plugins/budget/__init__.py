"""Participatory budgets: the winner rules (greedy, equal shares) and Pabulib files.

The rules register through ``register_aggregation_rules``, the same hook a client's own
rule would use; a budget dialogue stores the rule's id. They come with the ``budget``
module (:mod:`plugins.budget.module`), on by default. Pabulib files are imported into
dialogues and exported from them (``pabulib_store``), through the back-office API
(``register_routes``) and ``participe pabulib`` (``register_commands``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.commands import Command
from core.hookspecs import hookimpl
from core.modules import Module
from core.registries import Registry
from plugins.budget.equal_shares import EqualSharesRule
from plugins.budget.greedy import GreedyRule
from plugins.budget.module import BUDGET


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(BUDGET)


@hookimpl
def register_aggregation_rules(registry: Registry[Any]) -> None:
    registry.add(GreedyRule())
    registry.add(EqualSharesRule())


@hookimpl
def register_routes() -> Sequence[Any]:
    """The back office's Pabulib import and export (``plugins.budget.api``)."""
    from plugins.budget.api import PabulibController

    return [PabulibController]


@hookimpl
def register_commands(registry: Registry[Command]) -> None:
    """``participe pabulib import|export`` (``plugins.budget.commands``)."""
    from plugins.budget.commands import PABULIB

    registry.add(PABULIB)
