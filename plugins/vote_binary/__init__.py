"""Built-in plugin ``vote_binary``: yes/no or for/against/neutral on each proposal, with
the organiser's labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from plugins.vote_binary.rules import BinaryVote

TEMPLATES = Path(__file__).parent / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(BinaryVote())


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]


@hookimpl
def translation_dirs() -> list[Path]:
    return [TRANSLATIONS]
