"""Settings of the ``ranked`` vote type, as organisers give them in ``vote.settings``."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Method = Literal["borda", "schulze", "instant_runoff"]


class RankedSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Ordered preferences: each citizen ranks proposals 1, 2, 3... (1 is the first choice).

    Attributes:
        min_ranks: proposals a ballot must rank before it counts. Above 1 the citizen
            confirms the ballot once it ranks enough; 1 (or 0) means no confirmation, a
            ballot counts as soon as it ranks one proposal.
        max_ranks: proposals a citizen may rank at most (``None``: all of them).
        method: how ballots are counted: ``"borda"``, ``"schulze"`` or
            ``"instant_runoff"``.
    """

    min_ranks: Annotated[
        int,
        msgspec.Meta(
            title="Propositions à classer pour que le bulletin compte",
            description="Au-delà de 1, la personne confirme son bulletin une fois assez de "
            "propositions classées.",
        ),
    ] = 1
    max_ranks: Annotated[
        int | None,
        msgspec.Meta(title="Propositions à classer, au plus", description="Vide : toutes."),
    ] = None
    method: Annotated[
        Method,
        msgspec.Meta(
            title="Méthode de dépouillement",
            extra={
                "choices": {
                    "borda": "Borda (des points selon le rang)",
                    "schulze": "Schulze (duels deux à deux)",
                    "instant_runoff": "Vote alternatif (éliminations successives)",
                }
            },
        ),
    ] = "borda"
