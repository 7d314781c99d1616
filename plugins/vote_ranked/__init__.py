"""Built-in plugin ``vote_ranked``: ordered preferences counted by Borda, Schulze or
instant runoff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from plugins.vote_ranked.rules import RankedVote

TEMPLATES = Path(__file__).parent / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(RankedVote())


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]


@hookimpl
def translation_dirs() -> list[Path]:
    return [TRANSLATIONS]
