"""Built-in plugin ``vote_points``: points to distribute among proposals, or a graduated
scale per proposal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from plugins.vote_points.rules import PointsVote

TEMPLATES = Path(__file__).parent / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(PointsVote())


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]


@hookimpl
def translation_dirs() -> list[Path]:
    return [TRANSLATIONS]
