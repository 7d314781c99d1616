"""Illustrations of the demo's projects, drawn with Pillow: a landscape in the colours of
the project's theme, with its motif (a bicycle, trees, a hall with columns, a ball, a
heart). The demo thus shows its cards, galleries and results with images, as a town's
site would, without shipping photographs."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 675
Colour = tuple[int, int, int]

#: Each theme's sky (top, bottom), hills and motif colours.
PALETTES: dict[str, tuple[Colour, Colour, Colour, Colour]] = {
    "mobilite": ((196, 222, 245), (240, 246, 252), (120, 170, 120), (0, 0, 145)),
    "nature": ((205, 235, 210), (245, 250, 240), (70, 140, 80), (35, 95, 45)),
    "culture": ((240, 220, 235), (252, 246, 250), (170, 150, 190), (110, 40, 110)),
    "sport": ((255, 232, 200), (255, 248, 236), (150, 185, 110), (200, 80, 20)),
    "solidarite": ((255, 220, 220), (255, 246, 244), (190, 160, 150), (190, 30, 60)),
}


def _mixed(top: Colour, bottom: Colour, share: float) -> Colour:
    r, g, b = (round(a + (z - a) * share) for a, z in zip(top, bottom, strict=True))
    return (r, g, b)


def _landscape(
    draw: ImageDraw.ImageDraw,
    palette: tuple[Colour, ...],
    chance: random.Random,
    size: tuple[int, int],
) -> None:
    sky_top, sky_bottom, hills, _ = palette
    width, height = size
    scale = height / HEIGHT
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mixed(sky_top, sky_bottom, y / height))
    sun_x = chance.randint(150, width - 150)
    sun_y = round(130 * scale)
    draw.ellipse([sun_x - 60, sun_y - 60, sun_x + 60, sun_y + 60], fill=(255, 236, 170))
    for layer, shade in enumerate((0.35, 0.0)):
        base = round((430 + layer * 70) * scale)
        colour = _mixed(hills, (255, 255, 255), shade)
        points = [(0, height), (0, base)]
        for x in range(0, width + 200, 200):
            points.append((x, base - chance.randint(0, 70)))
        points.append((width, height))
        draw.polygon(points, fill=colour)


def _bicycle(draw: ImageDraw.ImageDraw, colour: Colour, x: int, y: int) -> None:
    for centre in (x - 130, x + 130):
        draw.ellipse([centre - 95, y - 95, centre + 95, y + 95], outline=colour, width=14)
    frame = [(x - 130, y), (x - 20, y - 150), (x + 90, y - 150), (x + 130, y), (x, y), (x - 130, y)]
    draw.line(frame, fill=colour, width=14, joint="curve")
    draw.line([(x - 20, y - 150), (x, y)], fill=colour, width=14)
    draw.line([(x + 90, y - 150), (x + 80, y - 200), (x + 130, y - 200)], fill=colour, width=12)
    draw.line([(x - 40, y - 185), (x + 10, y - 185)], fill=colour, width=16)


def _trees(draw: ImageDraw.ImageDraw, colour: Colour, x: int, y: int) -> None:
    for offset, size in ((-220, 0.8), (0, 1.1), (210, 0.9)):
        trunk = round(26 * size)
        top = round(y - 260 * size)
        draw.rectangle(
            [x + offset - trunk // 2, y - 90, x + offset + trunk // 2, y + 60], fill=(110, 75, 45)
        )
        radius = round(120 * size)
        draw.ellipse(
            [x + offset - radius, top - radius // 2, x + offset + radius, top + radius * 3 // 2],
            fill=colour,
        )


def _hall(draw: ImageDraw.ImageDraw, colour: Colour, x: int, y: int) -> None:
    draw.polygon([(x - 260, y - 230), (x, y - 340), (x + 260, y - 230)], fill=colour)
    draw.rectangle([x - 250, y - 230, x + 250, y - 200], fill=colour)
    for column in range(-200, 201, 100):
        draw.rectangle([x + column - 22, y - 195, x + column + 22, y + 20], fill=(250, 246, 240))
    draw.rectangle([x - 270, y + 20, x + 270, y + 60], fill=colour)


def _ball(draw: ImageDraw.ImageDraw, colour: Colour, x: int, y: int) -> None:
    draw.rectangle([x - 330, y - 230, x - 310, y + 60], fill=(250, 250, 250))
    draw.rectangle([x + 310, y - 230, x + 330, y + 60], fill=(250, 250, 250))
    draw.rectangle([x - 330, y - 230, x + 330, y - 210], fill=(250, 250, 250))
    draw.ellipse([x - 90, y - 120, x + 90, y + 60], fill=colour)
    draw.arc([x - 90, y - 120, x + 90, y + 60], 200, 340, fill=(255, 255, 255), width=10)
    draw.arc([x - 90, y - 120, x + 90, y + 60], 20, 160, fill=(255, 255, 255), width=10)


def _heart(draw: ImageDraw.ImageDraw, colour: Colour, x: int, y: int) -> None:
    draw.ellipse([x - 170, y - 250, x + 10, y - 70], fill=colour)
    draw.ellipse([x - 10, y - 250, x + 170, y - 70], fill=colour)
    draw.polygon([(x - 163, y - 130), (x + 163, y - 130), (x, y + 60)], fill=colour)


MOTIFS: dict[str, Callable[[ImageDraw.ImageDraw, Colour, int, int], None]] = {
    "mobilite": _bicycle,
    "nature": _trees,
    "culture": _hall,
    "sport": _ball,
    "solidarite": _heart,
}


def emblem(colour: Colour = (0, 0, 145)) -> bytes:
    """The demo town's logo: a round emblem in ``colour``, a tower above the river's
    waves, on a transparent background (PNG)."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([8, 8, size - 8, size - 8], fill=(*colour, 255))
    white = (255, 255, 255, 255)
    draw.rectangle([104, 64, 152, 150], fill=white)  # the tower
    for x in range(104, 153, 16):
        draw.rectangle([x, 50, x + 8, 64], fill=white)  # its battlements
    draw.rectangle([122, 118, 134, 150], fill=(*colour, 255))  # its door
    for row, y in enumerate((166, 190)):  # the Loire
        shift = row * 12
        for x in range(40 + shift, 216, 48):
            draw.arc([x, y - 12, x + 48, y + 12], 200, 340, fill=white, width=8)
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


#: The size of a dialogue's banner.
BANNER = (1600, 600)


def illustration(theme: str, seed: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    """A JPEG illustration of a project of ``theme`` (a banner at ``BANNER``); ``seed``
    varies the landscape."""
    chance = random.Random(seed)
    palette = PALETTES.get(theme, PALETTES["nature"])
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    _landscape(draw, palette, chance, size)
    motif = MOTIFS.get(theme, _trees)
    motif(draw, palette[3], size[0] // 2 + chance.randint(-200, 200), round(size[1] * 0.77))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=88)
    return output.getvalue()
