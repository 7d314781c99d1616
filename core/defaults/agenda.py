"""The agenda, a built-in module on by default: a dialogue's events, their block on its
home page, its calendar file (``/dialogues/{slug}/agenda.ics``) and its back-office tab.
Turned off, the block is left out of the page, the calendar file answers 404 and the tab
is hidden; the events stay, for when it is turned on again."""

from __future__ import annotations

from typing import Any

from core.defaults.block_types import AgendaBlock
from core.hookspecs import hookimpl
from core.modules import Module, on_by_default
from core.registries import Registry

AGENDA = on_by_default(
    "agenda",
    "Agenda",
    "Les rendez-vous de la démarche, leur bloc sur sa page d'accueil et leur "
    "fichier de calendrier (.ics).",
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(AGENDA)


@hookimpl
def register_block_types(registry: Registry[Any]) -> None:
    registry.add(AgendaBlock())
