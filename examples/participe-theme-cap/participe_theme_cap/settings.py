"""The settings of the ``theme_cap`` vote type, given per dialogue in ``vote.settings``."""

from __future__ import annotations

from typing import Annotated

import msgspec


class ThemeCapSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Approval within each theme: a citizen approves as many proposals as they like, but
    at most ``per_theme`` in any one theme (a proposal without a theme is in none).

    Attributes:
        per_theme: approvals a citizen may give in one theme.
        max_votes: approvals in all (``None``: no limit but the themes').
    """

    per_theme: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=1000,
            title="Votes par thème, au plus",
            description="Les propositions qu'une personne peut approuver dans un même thème.",
        ),
    ] = 1
    max_votes: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=1000)] | None,
        msgspec.Meta(
            title="Votes en tout, au plus",
            description="Vide : seule la limite par thème s'applique.",
        ),
    ] = None
