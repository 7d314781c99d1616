"""The organisation's territory: where its maps open and where its proposals may be.

Kept in ``org.options["territory"]`` (set on ``/admin/organisation``, with the other
options of :class:`core.services.branding.OrganisationOptions`): a centre and zoom for every
map (the dialogue's, the projects', the location picker, the map block) and a bounding box.
A proposal located outside the box is refused (:func:`check_location`, code
``proposal.location_outside_territory``): a town's proposals land in the town. An
organisation without a territory keeps the maps' former view (France) and takes any place.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.errors import ValidationFailed
from core.models import Organisation

OUTSIDE = "proposal.location_outside_territory"

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class Territory(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where the organisation acts: the maps' first view, and the box proposals stay in.

    Attributes:
        center_lat: Latitude du point sur lequel les cartes s'ouvrent.
        center_lng: Longitude du point sur lequel les cartes s'ouvrent.
        zoom: Niveau de zoom des cartes à l'ouverture (13 pour une commune).
        south: Latitude la plus au sud où une proposition peut être placée.
        west: Longitude la plus à l'ouest.
        north: Latitude la plus au nord.
        east: Longitude la plus à l'est.
    """

    center_lat: Annotated[Latitude | None, msgspec.Meta(title="Centre : latitude")] = None
    center_lng: Annotated[Longitude | None, msgspec.Meta(title="Centre : longitude")] = None
    zoom: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=18)] | None, msgspec.Meta(title="Zoom")
    ] = None
    south: Annotated[Latitude | None, msgspec.Meta(title="Limite sud (latitude)")] = None
    west: Annotated[Longitude | None, msgspec.Meta(title="Limite ouest (longitude)")] = None
    north: Annotated[Latitude | None, msgspec.Meta(title="Limite nord (latitude)")] = None
    east: Annotated[Longitude | None, msgspec.Meta(title="Limite est (longitude)")] = None

    @property
    def center(self) -> tuple[float, float] | None:
        if self.center_lat is None or self.center_lng is None:
            return None
        return (self.center_lat, self.center_lng)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """``(south, west, north, east)`` when the four are set."""
        if self.south is None or self.west is None or self.north is None or self.east is None:
            return None
        return (self.south, self.west, self.north, self.east)

    def contains(self, lat: float, lng: float) -> bool:
        """Whether the place is in the box (anywhere, without a box)."""
        box = self.bounds
        if box is None:
            return True
        south, west, north, east = box
        return south <= lat <= north and west <= lng <= east


def territory_errors(territory: Territory) -> dict[str, str]:
    """What is wrong with a territory as set, by field name (empty when it is right)."""
    errors: dict[str, str] = {}
    if (territory.center_lat is None) != (territory.center_lng is None):
        errors["center_lng"] = "Indiquez la latitude et la longitude du centre, ou aucune."
    sides = (territory.south, territory.west, territory.north, territory.east)
    if any(side is not None for side in sides) and territory.bounds is None:
        errors["north"] = "Indiquez les quatre limites du territoire, ou aucune."
    elif territory.bounds is not None:
        south, west, north, east = territory.bounds
        if south >= north:
            errors["north"] = "La limite nord doit être au nord de la limite sud."
        elif west >= east:
            errors["east"] = "La limite est doit être à l'est de la limite ouest."
        elif territory.center is not None and not territory.contains(*territory.center):
            errors["center_lat"] = "Le centre doit être dans les limites du territoire."
    return errors


def territory_in(options: Any) -> Territory:
    """The territory kept in an organisation's ``options`` (nothing set when unset or
    unreadable)."""
    raw = options.get("territory") if isinstance(options, dict) else None
    try:
        return msgspec.convert(raw or {}, type=Territory)
    except msgspec.ValidationError:
        return Territory()


def territory_of(organisation: Organisation) -> Territory:
    """The organisation's territory as set."""
    return territory_in(organisation.options)


def check_location(organisation: Organisation, lat: float, lng: float) -> None:
    """Refuses a place outside the organisation's territory."""
    if not territory_of(organisation).contains(lat, lng):
        raise ValidationFailed(
            "location: this place is outside the organisation's territory",
            code=OUTSIDE,
            extra={"bounds": territory_of(organisation).bounds},
        )
