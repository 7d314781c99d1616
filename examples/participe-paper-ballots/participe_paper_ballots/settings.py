"""The paper-ballots module of a dialogue: its settings, stored in ``dialogue.modules``
under :data:`MODULE` once staff enable it. The back office draws their form from this
Struct."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.errors import ValidationFailed
from core.models import Dialogue

MODULE = "paper_ballots"
MAX_STATION = 120


class PaperBallotSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Paper ballots collected at polling stations.

    Attributes:
        stations: the polling stations whose ballots are entered, one per line; empty:
            any name may be typed with each ballot.
    """

    stations: Annotated[
        list[str],
        msgspec.Meta(
            title="Bureaux de vote",
            description=(
                "Un bureau par ligne (« Mairie », « Médiathèque »...). Laissez vide pour "
                "saisir librement le bureau de chaque bulletin."
            ),
        ),
    ] = msgspec.field(default_factory=list)


def decode_settings(raw: dict[str, Any]) -> PaperBallotSettings:
    """Validates raw settings (unknown keys refused): 422 ``validation`` otherwise."""
    try:
        settings = msgspec.convert(raw, type=PaperBallotSettings)
    except msgspec.ValidationError as error:
        raise ValidationFailed(f"paper_ballots: {error}") from error
    stations = [station.strip() for station in settings.stations]
    if any(not 1 <= len(station) <= MAX_STATION for station in stations):
        raise ValidationFailed(f"stations: a station's name has 1 to {MAX_STATION} characters")
    if len(set(stations)) != len(stations):
        raise ValidationFailed("stations: a station is named twice")
    return PaperBallotSettings(stations=stations)


def settings_of(dialogue: Dialogue) -> PaperBallotSettings | None:
    """The dialogue's settings, ``None`` while paper ballots are not enabled for it."""
    raw = dialogue.modules.get(MODULE)
    return None if raw is None else msgspec.convert(raw, type=PaperBallotSettings)
