"""The organisation's theme as a style sheet, and the versioned address pages load it
from (so that a new colour shows at once while the sheet stays cacheable)."""

from __future__ import annotations

import hashlib
import re

from core.models import Organisation
from core.services import branding

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
DEFAULT_PRIMARY = "#000091"


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1) of a ``#rrggbb`` colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darken(colour: str, factor: float) -> str:
    red, green, blue = _rgb(colour)
    return "#" + "".join(f"{round(v * factor * 255):02x}" for v in (red, green, blue))


def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with white, ``share`` of it kept (a background tint)."""
    red, green, blue = _rgb(colour)
    return "#" + "".join(f"{round((1 - share + v * share) * 255):02x}" for v in (red, green, blue))


def theme_css(org: Organisation) -> str:
    """The organisation's colours as CSS custom properties. A primary colour too light to
    carry white text or to be read on white (WCAG AA, 4.5:1) is darkened until it is."""
    theme = org.theme or {}
    primary = str(theme.get("primary_color") or theme.get("primary") or DEFAULT_PRIMARY)
    if not HEX_COLOUR.match(primary):
        primary = DEFAULT_PRIMARY
    factor = 1.0
    readable = primary
    while contrast(readable, "#ffffff") < 4.5 and factor > 0.05:
        factor -= 0.05
        readable = _darken(primary, factor)
    # The soft tint is a background for body text and for the primary colour as text
    # (links): as light as it takes for the primary colour to keep its 4.5:1 on it.
    soft = next(
        (
            tint
            for share in (0.08, 0.06, 0.04, 0.02)
            if contrast(readable, tint := _tint(readable, share)) >= 4.5
        ),
        "#ffffff",
    )
    return (
        f":root {{\n  --primary: {readable};\n  --primary-brand: {primary};\n"
        f"  --on-primary: #ffffff;\n  --primary-soft: {soft};\n"
        f"  --primary-strong: {_darken(readable, 0.8)};\n}}\n"
    ) + branding.theme_css_extras(org)


def theme_version(css: str) -> str:
    """A short digest of the style sheet: its version in the pages' address of it."""
    return hashlib.sha256(css.encode()).hexdigest()[:16]


def theme_url(org: Organisation) -> str:
    """The address of ``org``'s style sheet, which changes whenever the sheet does."""
    return f"/theme.css?v={theme_version(theme_css(org))}"
