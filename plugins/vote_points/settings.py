"""Settings of the ``points`` vote type, as organisers give them in ``vote.settings``."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class PointsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Points on proposals, in one of two modes.

    Attributes:
        mode: ``"distribute"``: each citizen spreads ``points_budget`` points over the
            proposals as they like (at least 1 point per voted proposal, at most
            ``max_per_proposal``); ``"scale"``: each citizen grades proposals from 0 to
            ``scale_max``.
        points_budget: points a citizen may spread (``distribute``).
        max_per_proposal: points one proposal may receive from one citizen
            (``distribute``; ``None``: up to the whole budget).
        scale_max: the highest grade (``scale``).
        min_votes: proposals a ballot must give points to before it can be confirmed
            (0: no confirmation).
        max_votes: proposals a citizen may give points to at most (``None``: any number).
    """

    mode: Annotated[
        Literal["distribute", "scale"],
        msgspec.Meta(
            title="Mode",
            extra={
                "choices": {
                    "distribute": "Points à répartir entre les propositions",
                    "scale": "Une note pour chaque proposition",
                }
            },
        ),
    ] = "distribute"
    points_budget: Annotated[
        int, msgspec.Meta(title="Points à répartir par personne (mode « répartir »)")
    ] = 10
    max_per_proposal: Annotated[
        int | None,
        msgspec.Meta(
            title="Points par proposition, au plus (mode « répartir »)",
            description="Vide : jusqu'à tous ses points.",
        ),
    ] = None
    scale_max: Annotated[int, msgspec.Meta(title="Note la plus haute (mode « noter »)")] = 5
    min_votes: Annotated[
        int,
        msgspec.Meta(
            title="Propositions à noter avant de confirmer son bulletin",
            description="0 : pas de confirmation.",
        ),
    ] = 0
    max_votes: Annotated[
        int | None,
        msgspec.Meta(title="Propositions à noter, au plus", description="Vide : toutes."),
    ] = None
