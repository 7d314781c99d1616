"""The organisation's icons, made from its logo: the browser tab's ``/favicon.ico`` and
the phone home screen's ``/apple-touch-icon.png``.

The logo (an upload already checked and re-encoded by :mod:`core.uploads`) is fitted
into a square with a margin, on white; an organisation without a logo gets the first
letter of its name, white on its primary colour (the readable one of the theme). Pages
link the icons with a version in the address (:func:`icon_version`), so a new logo or
colour shows at once while each address stays cacheable for a year.

Icons are drawn once per version and size, and kept in memory (a few kilobytes each):
they are pictures, they decide nothing.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core import uploads
from core.models import Organisation
from web.theme import DEFAULT_PRIMARY, theme_css

#: The sizes the ``.ico`` file holds, for tabs, bookmarks and shortcuts.
FAVICON_SIZES = (16, 32, 48)
#: The size iOS and Android use for a page added to the home screen.
TOUCH_ICON_SIZE = 180
#: The share of the square the logo or the letter may fill.
FILL = 0.84


def _primary(org: Organisation) -> str:
    """The theme's readable primary colour (``--primary`` of the theme's sheet)."""
    for line in theme_css(org).splitlines():
        name, _, value = line.strip().partition(":")
        if name == "--primary":
            return value.strip().rstrip(";")
    return DEFAULT_PRIMARY


def _initial(org: Organisation) -> str:
    letters = [c for c in org.name if c.isalnum()]
    return letters[0].upper() if letters else "P"


def icon_version(org: Organisation) -> str:
    """A short digest of what the icons are drawn from: their version in the pages."""
    source = "\x1f".join((str((org.theme or {}).get("logo") or ""), _primary(org), _initial(org)))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _logo_path(org: Organisation, upload_dir: str) -> Path | None:
    name = (org.theme or {}).get("logo")
    return uploads.stored_path(upload_dir, name) if isinstance(name, str) else None


def _from_logo(path: Path, size: int) -> Image.Image:
    with Image.open(path) as logo:
        picture = logo.convert("RGBA")
    picture.thumbnail((round(size * FILL), round(size * FILL)), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    offset = ((size - picture.width) // 2, (size - picture.height) // 2)
    square.alpha_composite(picture, offset)
    return square


def _from_initial(letter: str, colour: str, size: int) -> Image.Image:
    square = Image.new("RGBA", (size, size), colour)
    draw = ImageDraw.Draw(square)
    font = ImageFont.load_default(size=round(size * 0.62))
    draw.text((size / 2, size / 2), letter, fill="#ffffff", font=font, anchor="mm")
    return square


@functools.lru_cache(maxsize=64)
def _drawn(version: str, logo: Path | None, letter: str, colour: str, kind: str) -> bytes:
    """The icon file of one version (``version`` keys the cache only)."""
    size = TOUCH_ICON_SIZE if kind == "png" else max(FAVICON_SIZES)
    square = _from_logo(logo, size) if logo is not None else _from_initial(letter, colour, size)
    output = io.BytesIO()
    if kind == "png":
        square.convert("RGB").save(output, "PNG", optimize=True)
    else:
        square.save(output, "ICO", sizes=[(s, s) for s in FAVICON_SIZES])
    return output.getvalue()


def favicon(org: Organisation, upload_dir: str) -> bytes:
    """``org``'s ``.ico`` file (16, 32 and 48 pixels)."""
    return _drawn(
        icon_version(org), _logo_path(org, upload_dir), _initial(org), _primary(org), "ico"
    )


def touch_icon(org: Organisation, upload_dir: str) -> bytes:
    """``org``'s home-screen icon, a 180-pixel PNG."""
    return _drawn(
        icon_version(org), _logo_path(org, upload_dir), _initial(org), _primary(org), "png"
    )
