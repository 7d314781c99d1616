"""Settings of the ``binary`` vote type, as organisers give them in ``vote.settings``."""

from __future__ import annotations

from typing import Annotated

import msgspec

#: The stored value of each option key.
OPTION_VALUES: dict[str, int] = {"yes": 1, "for": 1, "no": -1, "against": -1, "neutral": 0}

#: The option sets an organiser may choose (in any order).
OPTION_SETS: tuple[frozenset[str], ...] = (
    frozenset({"yes", "no"}),
    frozenset({"yes", "no", "neutral"}),
    frozenset({"for", "against"}),
    frozenset({"for", "against", "neutral"}),
)


def N_(message: str) -> str:
    """Marks a French text for the plugin's catalogue; the widget translates it."""
    return message


#: The French message ids of the default labels (the widget shows them translated).
DEFAULT_LABELS: dict[str, str] = {
    "yes": N_("Oui"),
    "no": N_("Non"),
    "for": N_("Pour"),
    "against": N_("Contre"),
    "neutral": N_("Neutre"),
}


class BinarySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A yes/no (or for/against/neutral) vote on each proposal.

    Attributes:
        options: the option keys offered, in display order: ``["yes", "no"]`` or
            ``["for", "against", "neutral"]`` (``neutral`` may be added to or left out of
            either pair).
        labels: the text shown for each option key (defaults to Oui/Non/Pour/Contre/Neutre).
        min_votes: votes a ballot needs to be confirmed (0: no confirmation).
        max_votes: proposals a citizen may vote on at most (``None``: all of them).
    """

    options: Annotated[
        list[str],
        msgspec.Meta(
            title="Réponses proposées, dans l'ordre",
            description="« yes » et « no », ou « for » et « against », avec « neutral » "
            "si on le souhaite.",
        ),
    ] = msgspec.field(default_factory=lambda: ["yes", "no"])
    labels: Annotated[
        dict[str, str],
        msgspec.Meta(
            title="Textes des réponses",
            description="Par exemple « yes = D'accord ». Par défaut : Oui, Non, Pour, Contre, "
            "Neutre.",
        ),
    ] = msgspec.field(default_factory=dict)
    min_votes: Annotated[
        int,
        msgspec.Meta(
            title="Votes à donner avant de confirmer son bulletin",
            description="0 : chaque vote compte aussitôt, sans confirmation.",
        ),
    ] = 0
    max_votes: Annotated[
        int | None,
        msgspec.Meta(
            title="Propositions sur lesquelles voter, au plus", description="Vide : toutes."
        ),
    ] = None

    def label(self, option: str) -> str:
        return self.labels.get(option) or DEFAULT_LABELS[option]
