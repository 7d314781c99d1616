"""The built-in home-page block kinds."""

from __future__ import annotations

from typing import Any

import msgspec

from core.blocks import BlockType
from core.hookspecs import hookimpl
from core.registries import Registry


class TextSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: str = ""
    #: Markdown, sanitised when rendered.
    markdown: str = ""


class ListSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: str = ""
    limit: int = 6


class NewsItem(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    body: str = ""
    date: str = ""


class NewsSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: str = "Actualités"
    items: list[NewsItem] = []


class HighlightSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: str = "Propositions à la une"
    proposal_ids: list[int] = []
    limit: int = 6


class TitleOnly(msgspec.Struct, forbid_unknown_fields=True):
    title: str = ""


class TextBlock(BlockType):
    id = "text"
    title = "Texte"
    template = "blocks/text.html"
    settings_type = TextSettings


class NewsBlock(BlockType):
    id = "news"
    title = "Actualités"
    template = "blocks/news.html"
    settings_type = NewsSettings


class HighlightedProposalsBlock(BlockType):
    id = "highlighted_proposals"
    title = "Propositions à la une"
    template = "blocks/highlighted_proposals.html"
    settings_type = HighlightSettings


class ParticipationBlock(BlockType):
    id = "participation"
    title = "Chiffres de la participation"
    template = "blocks/participation.html"
    settings_type = TitleOnly


class AgendaBlock(BlockType):
    id = "agenda"
    title = "Agenda"
    template = "blocks/agenda.html"
    settings_type = ListSettings


class MapBlock(BlockType):
    id = "map"
    title = "Carte des propositions"
    template = "blocks/map.html"
    settings_type = TitleOnly


class ResultsBlock(BlockType):
    id = "results"
    title = "Résultats"
    template = "blocks/results.html"
    settings_type = TitleOnly


@hookimpl
def register_block_types(registry: Registry[Any]) -> None:
    for block_type in (
        TextBlock,
        NewsBlock,
        HighlightedProposalsBlock,
        ParticipationBlock,
        AgendaBlock,
        MapBlock,
        ResultsBlock,
    ):
        registry.add(block_type())
