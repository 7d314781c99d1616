"""The ``budget`` module: the winner rules of participatory budgets and Pabulib files.

On by default, as budgets always were: every organisation may use it and every dialogue
has it until an administrator turns it off. Off, the dialogue's results use none of the
plugin's rules (``Plugins.aggregation_rules_for``) and its Pabulib export answers 404; a
dialogue whose budget rule is one of them cannot turn it off (422 ``module.in_use``).
"""

from __future__ import annotations

from core.modules import on_by_default

BUDGET = on_by_default(
    "budget",
    "Budget participatif",
    "Les règles de désignation des lauréats d'un budget participatif (au plus voté, "
    "parts égales) et les fichiers Pabulib.",
)
