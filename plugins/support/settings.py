"""Settings of the ``support`` vote type, as organisers give them in ``vote.settings``."""

from __future__ import annotations

from typing import Annotated

import msgspec


def N_(message: str) -> str:
    """Marks a French text for the plugin's catalogue; the widget translates it."""
    return message


#: A French message id: the widget shows it translated (an organiser's own label as it is).
DEFAULT_LABEL = N_("C'est une bonne idée !")


class SupportSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Simple support: one click per proposal, optionally within a number of supports and
    a budget.

    Attributes:
        label: the text of the support button.
        min_votes: supports a ballot needs to be confirmed (0: every support counts as
            given, no confirmation).
        max_votes: supports a citizen may give at most (``None``: as many as they like).
        budget_limit: the sum of the costs of the proposals a citizen supports may not
            exceed this amount (``None``: no limit). A proposal without a cost costs 0.
    """

    label: Annotated[
        str,
        msgspec.Meta(
            title="Texte du bouton de soutien", description="Par exemple : « Je soutiens »."
        ),
    ] = DEFAULT_LABEL
    min_votes: Annotated[
        int,
        msgspec.Meta(
            title="Soutiens à donner avant de confirmer son bulletin",
            description="0 : chaque soutien compte aussitôt, sans confirmation.",
        ),
    ] = 0
    max_votes: Annotated[
        int | None,
        msgspec.Meta(
            title="Soutiens par personne, au plus", description="Vide : autant qu'on veut."
        ),
    ] = None
    budget_limit: Annotated[
        int | None,
        msgspec.Meta(
            title="Plafond du coût des projets soutenus (euros)",
            description="La somme des coûts des propositions qu'une personne soutient ne peut "
            "pas le dépasser. Vide : pas de plafond.",
        ),
    ] = None
