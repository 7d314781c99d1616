"""The ``petition`` module: what the operator grants and administrators turn on."""

from __future__ import annotations

from core.modules import Module
from participe_petition.settings import PetitionSettings

PETITION = Module(
    name="petition",
    title="Pétition : seuil de soutiens",
    description=(
        "Une proposition qui atteint le seuil de soutiens passe « à l'étude » et les "
        "administrateurs reçoivent un courriel."
    ),
    settings_type=PetitionSettings,
)
