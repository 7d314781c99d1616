"""Built-in plugin ``support``: simple support ("C'est une bonne idée !"), optionally
limited in number or by the costs of the supported proposals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.registries import Registry
from plugins.support.rules import SupportVote

TEMPLATES = Path(__file__).parent / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(SupportVote())


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]


@hookimpl
def translation_dirs() -> list[Path]:
    return [TRANSLATIONS]
