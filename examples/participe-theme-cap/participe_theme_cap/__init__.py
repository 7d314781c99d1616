"""Approval with at most N votes per theme, for Participe, installed beside the platform
as its own package.

A citizen approves proposals; in any one theme, at most ``per_theme`` of them (N, chosen
per dialogue in ``vote.settings``). The vote type reads the themes from the proposal
facts the core hands every vote type, judges each ballot inside the core's locked
transaction like the built-in types, and ranks the proposals within their themes.

It is the ``theme_cap`` module: the operator grants it to an organisation, whose
administrators turn it on for a dialogue before they choose its vote type.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.modules import Module
from core.registries import Registry
from participe_theme_cap.vote_type import THEME_FULL, ThemeCapVote

HERE = Path(__file__).parent

THEME_CAP = Module(
    name="theme_cap",
    title="Approbation plafonnée par thème",
    description="Un vote par approbation, avec au plus N propositions approuvées par thème.",
    decides_votes=True,
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(THEME_CAP)


@hookimpl
def register_vote_types(registry: Registry[Any]) -> None:
    registry.add(ThemeCapVote())


@hookimpl
def template_dirs() -> Sequence[Path]:
    return [HERE / "templates"]


@hookimpl
def translation_dirs() -> Sequence[Path]:
    return [HERE / "translations"]


@hookimpl
def error_messages() -> dict[str, dict[str, str]]:
    return {
        THEME_FULL: {
            "fr": "Vous avez déjà approuvé le nombre maximum de propositions de ce thème.",
            "en": "You already approved as many proposals of this theme as allowed.",
        }
    }
