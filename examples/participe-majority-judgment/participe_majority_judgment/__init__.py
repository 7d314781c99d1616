"""Majority judgment for Participe, installed beside the platform as its own package.

Citizens give every proposal a mention ("Excellent" ... "À rejeter"); proposals are ranked
by their median mention, ties broken by Balinski and Laraki's majority values
(:mod:`participe_majority_judgment.tally`). The package registers through the
``participe`` entry-point group; these are its hook implementations: a vote type and
the folder of its templates (the vote widget and the results chart).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from participe_majority_judgment.rules import MajorityJudgment

__all__ = ["MajorityJudgment"]

TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(MajorityJudgment())


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]
