"""Built-in features that are modules on by default, which administrators may turn off
per dialogue: sharing a proposal (its links to social networks and by email), embedding
the dialogue in another site (``/embed/dialogues/{slug}``), a proposal's image, drafts
(a proposal saved before it is published), and the blocks of the dialogue's home page
(all of them, whichever plugin gives their type, with the back office's tab that
arranges them). Turned off, what was stored stays and comes back with the module; the
pages stop offering and showing it, and its back-office routes answer 404."""

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
PAGE_BLOCKS = on_by_default(
    "page_blocks",
    "Blocs de la page d'accueil",
    "Les blocs de la page d'accueil de la démarche (texte, actualités, propositions mises "
    "en avant, agenda, carte, résultats...) et l'onglet qui les organise ; sans eux, la "
    "page montre les chiffres de la participation.",
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    for module in (SHARING, EMBED, IMAGES, DRAFTS, PAGE_BLOCKS):
        registry.add(module)
