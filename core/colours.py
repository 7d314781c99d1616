"""Colours of an organisation's theme, and the WCAG 2.1 contrast between two of them.

Text must stand out from its background with a contrast ratio of at least 4.5:1 (WCAG
2.1 level AA for normal text, success criterion 1.4.3). The ratio is
``(L1 + 0.05) / (L2 + 0.05)`` where ``L1`` is the relative luminance of the lighter
colour and ``L2`` that of the darker, from 1:1 (the same colour) to 21:1 (black on white).
"""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: WCAG 2.1 AA for normal text.
AA_NORMAL_TEXT = 4.5


def normalise(colour: str) -> str:
    """``"#ABC"`` → ``"#aabbcc"``; ``ValueError`` when it is not a hex colour."""
    value = colour.strip()
    if not HEX_COLOUR.match(value):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """The relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    digits = normalise(colour)[1:]
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1.0 to 21.0, in either order."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(text: str, background: str, minimum: float = AA_NORMAL_TEXT) -> bool:
    """Whether ``text`` on ``background`` meets ``minimum`` (AA for normal text)."""
    return contrast_ratio(text, background) >= minimum
