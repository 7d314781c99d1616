"""The map and the proposals' locations, a built-in module on by default: the location a
citizen gives a proposal, the map view of the proposals, their GeoJSON and the map's block.
Turned off, a new location is refused (422), the form asks for none, the map view and
the block are left out and the GeoJSON answers 404; the locations already given stay,
for when it is turned on again."""

from __future__ import annotations

from typing import Any

from core.defaults.block_types import MapBlock
from core.hookspecs import hookimpl
from core.modules import Module, on_by_default
from core.registries import Registry

MAP = on_by_default(
    "map",
    "Carte et lieux",
    "Le lieu de chaque proposition, la carte des propositions et son bloc.",
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(MAP)


@hookimpl
def register_block_types(registry: Registry[Any]) -> None:
    registry.add(MapBlock())
