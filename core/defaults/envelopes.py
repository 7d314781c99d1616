"""District envelopes, a built-in module: a budget dialogue splits its amount by sector.

Each envelope is one of the dialogue's sectors with its amount and the postal codes of
its residents; a citizen votes on the proposals of their own sector's envelope (read from
the postal code of their account) and, where the organiser sets one, on those of the
city-wide envelope (the proposals without a sector of an envelope). Every rule of the vote
type holds per envelope (at most N votes, a cost cap, which is then the envelope's
amount) and the count runs per envelope with the dialogue's rule (greedy, equal shares):
:mod:`core.services.envelopes`. It decides votes: frozen with the vote.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from core.errors import ValidationFailed
from core.hookspecs import hookimpl
from core.models import Dialogue
from core.modules import Module
from core.registries import Registry
from core.services.verification import normalise_postal_code


class Envelope(msgspec.Struct, forbid_unknown_fields=True):
    """One sector's share of the budget."""

    sector: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=64,
            title="Secteur",
            description="La clé d'un des secteurs de la démarche (onglet Formulaire).",
        ),
    ]
    amount: Annotated[
        int, msgspec.Meta(ge=0, le=1_000_000_000, title="Montant de l'enveloppe (euros)")
    ]
    postal_codes: Annotated[
        list[str],
        msgspec.Meta(
            max_length=200,
            title="Codes postaux de ses habitant·es",
            description="Une personne vote dans l'enveloppe du code postal de son compte.",
        ),
    ] = msgspec.field(default_factory=list)


class EnvelopesSettings(msgspec.Struct, forbid_unknown_fields=True):
    """How a budget dialogue splits its amount."""

    envelopes: Annotated[
        list[Envelope],
        msgspec.Meta(min_length=1, max_length=50, title="Enveloppes par secteur"),
    ]
    city_wide_amount: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)] | None,
        msgspec.Meta(
            title="Enveloppe de toute la ville (euros)",
            description="Pour les propositions qui ne sont dans aucun secteur d'une "
            "enveloppe ; tout le monde y vote. Vide : pas d'enveloppe commune.",
        ),
    ] = None


def check_envelopes(dialogue: Dialogue, settings: EnvelopesSettings) -> None:
    """Each envelope is one of the dialogue's sectors, once; a postal code belongs to one
    envelope (422 ``validation`` naming the field)."""
    sectors = {str(option.get("key")) for option in dialogue.sectors or []}
    errors = []
    seen_sectors: set[str] = set()
    owner: dict[str, str] = {}
    for index, envelope in enumerate(settings.envelopes):
        where = f"settings.envelopes.{index}"
        if envelope.sector not in sectors:
            errors.append(
                {"field": f"{where}.sector", "message": "ce n'est pas un secteur de la démarche"}
            )
        elif envelope.sector in seen_sectors:
            errors.append(
                {"field": f"{where}.sector", "message": "ce secteur a déjà son enveloppe"}
            )
        seen_sectors.add(envelope.sector)
        for code in envelope.postal_codes:
            normal = normalise_postal_code(code)
            if normal in owner and owner[normal] != envelope.sector:
                errors.append(
                    {
                        "field": f"{where}.postal_codes",
                        "message": f"{code} est déjà dans une autre enveloppe",
                    }
                )
            owner[normal] = envelope.sector
    if errors:
        fields = ", ".join(error["field"] for error in errors)
        raise ValidationFailed(
            f"Enveloppes refusées ({fields}) : chacune est un secteur de la démarche, une "
            "seule fois, et un code postal n'est que dans une enveloppe.",
            extra={"errors": errors},
        )


ENVELOPES = Module(
    name="envelopes",
    title="Enveloppes par secteur",
    description="Le budget est partagé entre les secteurs : chacun·e vote pour les projets "
    "de son secteur (d'après le code postal de son compte) et, s'il y en a une, de "
    "l'enveloppe de toute la ville ; les lauréats sont désignés enveloppe par enveloppe.",
    settings_type=EnvelopesSettings,
    granted_by_default=True,
    decides_votes=True,
    check_settings=check_envelopes,
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(ENVELOPES)
