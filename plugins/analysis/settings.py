"""The ``analysis`` module's settings, per dialogue."""

from __future__ import annotations

from typing import Annotated

import msgspec

from plugins.analysis.similar import DUPLICATE_THRESHOLD, SIMILAR_LIMIT


class AnalysisSettings(msgspec.Struct, forbid_unknown_fields=True):
    while_writing: Annotated[
        bool,
        msgspec.Meta(
            title="Propositions semblables à l'écriture",
            description="Avant de publier, le citoyen voit les propositions qui disent la "
            "même chose, pour les soutenir ou les commenter plutôt.",
        ),
    ] = True
    threshold: Annotated[
        float,
        msgspec.Meta(
            ge=0.05,
            le=0.95,
            title="Seuil de ressemblance",
            description="De 0,05 (large) à 0,95 (presque le même texte).",
        ),
    ] = DUPLICATE_THRESHOLD
    limit: Annotated[
        int,
        msgspec.Meta(ge=1, le=SIMILAR_LIMIT, title="Propositions semblables montrées, au plus"),
    ] = SIMILAR_LIMIT
