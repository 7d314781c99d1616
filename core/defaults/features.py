"""Built-in features that are modules on by default, which administrators may turn off
per dialogue: sharing a proposal (its links to social networks and by email), embedding
the dialogue in another site (``/embed/dialogues/{slug}``), a proposal's image, and
drafts (a proposal saved before it is published). Turned off, what was stored stays and
comes back with the module; the pages stop offering and showing it."""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.modules import Module, on_by_default
from core.registries import Registry

SHARING = on_by_default(
    "sharing",
    "Partage",
    "Les liens pour partager une proposition sur les réseaux sociaux ou par courriel.",
)
EMBED = on_by_default(
    "embed",
    "Intégration",
    "La démarche intégrée dans un autre site (une iframe), sur les sites que "
    "l'organisation autorise.",
)

IMAGES = on_by_default(
    "images",
    "Images",
    "Une image pour illustrer chaque proposition, sur sa page et dans les listes.",
)
DRAFTS = on_by_default(
    "drafts",
    "Brouillons",
    "Une proposition enregistrée avant d'être publiée, que son auteur reprend plus tard.",
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    for module in (SHARING, EMBED, IMAGES, DRAFTS):
        registry.add(module)
