"""Server-rendered SVG charts of results: a pie per proposal for for/against votes, bars
for supports, points and ranked scores.

Each chart is a standalone SVG document (it carries its own ``xmlns`` and legend, so it can
be saved in an export as it is) that is also valid inline in a page. It is accessible: the
``<svg>`` has ``role="img"`` and is named by its ``<title>`` and described by its
``<desc>``, which says every figure in words; pages show the same figures as an HTML table
next to it (:attr:`Chart.rows`). No script, no style attribute (the pages' Content
Security Policy forbids both): colours are presentation attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from babel import numbers
from markupsafe import Markup, escape

__all__ = ["Chart", "bar_chart", "decimal", "percent", "pie_chart"]

#: Colours with a contrast of at least 3:1 on white (WCAG 1.4.11), for options in order.
PALETTE = ("#1d6b3a", "#b3261e", "#5c5f66", "#1f4e9c", "#8a4b08", "#6b2c91")
#: Colours of known options, so that "yes" is always the same green.
OPTION_COLOURS = {
    "yes": "#1d6b3a",
    "for": "#1d6b3a",
    "no": "#b3261e",
    "against": "#b3261e",
    "neutral": "#5c5f66",
}
BAR_COLOUR = "#1f4e9c"
WINNER_COLOUR = "#1d6b3a"
TEXT_COLOUR = "#1b1b1b"
FONT = 'font-family="system-ui, sans-serif" font-size="14"'

WIDTH = 640
#: Labels are written from the left edge, the winner's ✓ first, so that neither is cut
#: off however long the label (a label ending at the bars once pushed both out of view).
LABEL_X = 4
LABEL_WIDTH = 300
BAR_AREA = 240
ROW = 28
PIE_RADIUS = 80
MAX_LABEL = 34


@dataclass(frozen=True)
class Chart:
    """A chart: its SVG and the rows of the table that gives the same figures."""

    id: str
    title: str
    description: str
    svg: Markup
    #: ``(label, value as shown)`` pairs, in the chart's order.
    rows: tuple[tuple[str, str], ...]


def percent(part: float, whole: float, lang: str = "fr") -> str:
    """``part`` of ``whole`` as ``lang`` writes a percentage (``"41,7 %"``, ``"41.7%"``)."""
    share = 100 * part / whole if whole else 0.0
    if lang != "fr":
        return numbers.format_decimal(round(share, 1), "#,##0.0", locale=lang) + "%"
    return f"{share:.1f}".replace(".", ",") + "\u202f%"


def decimal(value: float, lang: str = "fr") -> str:
    """A number as ``lang`` writes it, at most two decimals: in French spaces between
    thousands and a comma (``"1 234,5"``, ``"4"``), in English ``"1,234.5"``."""
    rounded = round(float(value), 2)
    if lang != "fr":
        return numbers.format_decimal(rounded, "#,##0.##", locale=lang)
    whole = int(abs(rounded))
    fraction = f"{abs(rounded) - whole:.2f}"[1:].rstrip("0").rstrip(".").replace(".", ",")
    text = f"{whole:,}".replace(",", "\u202f") + fraction
    return ("-" if rounded < 0 else "") + text


def _colon(lang: str) -> str:
    """What sits between a label and its value: French puts a space before the colon."""
    return " : " if lang == "fr" else ": "


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float, str]],
    *,
    highlighted: Sequence[bool] = (),
    unit: str = "",
    chosen: str = "retenue",
    empty: str = "Aucune donnée.",
    lang: str = "fr",
) -> Chart:
    """Horizontal bars of ``items`` (label, value, value as shown), in the order given,
    scaled to the largest value; ``highlighted`` bars (the winners) are drawn in green
    and marked with a ✓."""
    chart_id = _safe_id(chart_id)
    marks = list(highlighted) + [False] * (len(items) - len(highlighted))
    description = "; ".join(
        f"{label}{_colon(lang)}{shown}{f' ({chosen})' if mark else ''}"
        for (label, _, shown), mark in zip(items, marks, strict=True)
    )
    description = f"{title}{' (' + unit + ')' if unit else ''}. {description or empty}"
    largest = max((abs(value) for _, value, _ in items), default=0.0) or 1.0
    height = ROW * max(len(items), 1) + 8
    parts = [_open(chart_id, WIDTH, height, title, description)]
    parts.append(f'<g {FONT} fill="{TEXT_COLOUR}">')
    for index, ((label, value, shown), mark) in enumerate(zip(items, marks, strict=True)):
        y = index * ROW + 4
        width = BAR_AREA * max(value, 0.0) / largest
        colour = WINNER_COLOUR if mark else BAR_COLOUR
        parts.append(
            f'<text x="{LABEL_X}" y="{y + 17}">'
            f"{'✓ ' if mark else ''}{escape(_short(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 17}">{escape(shown)}</text>'
        )
    parts.append("</g></svg>")
    return Chart(
        chart_id,
        title,
        description,
        Markup("".join(parts)),
        tuple((label, shown) for label, _, shown in items),
    )


def _slice(cx: float, cy: float, r: float, start: float, end: float) -> str:
    """The path of a pie slice from angle ``start`` to ``end`` (fractions of a turn,
    clockwise from the top)."""
    a0, a1 = 2 * math.pi * start, 2 * math.pi * end
    x0, y0 = cx + r * math.sin(a0), cy - r * math.cos(a0)
    x1, y1 = cx + r * math.sin(a1), cy - r * math.cos(a1)
    large = 1 if end - start > 0.5 else 0
    return f"M{cx:.2f},{cy:.2f} L{x0:.2f},{y0:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x1:.2f},{y1:.2f} Z"


def pie_chart(
    chart_id: str,
    title: str,
    slices: Sequence[tuple[str, str, int]],
    *,
    empty: str = "Aucun vote.",
    lang: str = "fr",
) -> Chart:
    """A pie of ``slices`` (option key, label, count) with its legend; an empty pie (no
    vote) is a grey circle."""
    chart_id = _safe_id(chart_id)
    total = sum(count for _, _, count in slices)
    shown = [(label, f"{count} ({percent(count, total, lang)})") for _, label, count in slices]
    words = "; ".join(f"{label}{_colon(lang)}{value}" for label, value in shown)
    description = f"{title}. {words}." if total else f"{title}. {empty}"
    size = 2 * PIE_RADIUS + 8
    legend_x = size + 16
    height = max(size, 24 * len(slices) + 8)
    parts = [_open(chart_id, WIDTH, height, title, description)]
    cx = cy = PIE_RADIUS + 4
    colours = [
        OPTION_COLOURS.get(key, PALETTE[index % len(PALETTE)])
        for index, (key, _, _) in enumerate(slices)
    ]
    if not total:
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{PIE_RADIUS}" fill="#d0d2d6"/>')
    else:
        start = 0.0
        for (_, _, count), colour in zip(slices, colours, strict=True):
            if not count:
                continue
            if count == total:
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="{PIE_RADIUS}" fill="{colour}"/>')
                break
            end = start + count / total
            parts.append(
                f'<path d="{_slice(cx, cy, PIE_RADIUS, start, end)}" fill="{colour}" '
                'stroke="#ffffff" stroke-width="2"/>'
            )
            start = end
    parts.append(f'<g {FONT} fill="{TEXT_COLOUR}">')
    for index, ((label, value), colour) in enumerate(zip(shown, colours, strict=True)):
        y = 8 + index * 24
        parts.append(
            f'<rect x="{legend_x}" y="{y}" width="16" height="16" fill="{colour}"/>'
            f'<text x="{legend_x + 24}" y="{y + 13}">'
            f"{escape(label)}{_colon(lang)}{escape(value)}</text>"
        )
    parts.append("</g></svg>")
    return Chart(chart_id, title, description, Markup("".join(parts)), tuple(shown))
