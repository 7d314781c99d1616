"""The merit profiles of a majority-judgment vote as a server-rendered SVG chart: one
stacked bar per proposal, from the best mention (left) to the lowest, with the median
line at 50 %.

Like the core's charts (``web.charts``), the SVG is accessible (``role="img"``, named by
its ``<title>``, described in words by its ``<desc>``), carries no script and no style
attribute (colours are presentation attributes), and the page shows the same figures in a
table (:attr:`MeritChart.rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

#: From the best mention to the lowest: greens getting lighter, a sand, then reds getting
#: darker, so that neighbouring mentions stay apart; the table beside the chart gives the
#: same figures for whoever cannot tell colours apart.
COLOURS = {
    3: ("#2f7d46", "#e3c16f", "#a3231b"),
    4: ("#0b4a26", "#64a874", "#e07b6a", "#a3231b"),
    5: ("#0b4a26", "#2f7d46", "#a8d1ae", "#e07b6a", "#a3231b"),
    6: ("#0b4a26", "#2f7d46", "#64a874", "#e3c16f", "#e07b6a", "#a3231b"),
    7: ("#0b4a26", "#2f7d46", "#64a874", "#a8d1ae", "#e3c16f", "#e07b6a", "#a3231b"),
}
TEXT = "#1b1b1b"
FONT = 'font-family="system-ui, sans-serif" font-size="14"'
WIDTH = 640
LABEL_WIDTH = 220
BAR_AREA = 400
ROW = 30
LEGEND_ROW = 22
MAX_TITLE = 30


@dataclass(frozen=True)
class MeritChart:
    """The chart's SVG, and the table of the same figures: a row per proposal, the
    share of each mention (best first) and the majority mention."""

    svg: Markup
    description: str
    rows: tuple[tuple[str, tuple[str, ...], str], ...]


def share(part: int, whole: int) -> str:
    value = 100 * part / whole if whole else 0.0
    return f"{value:.1f}".replace(".", ",") + "\u202f%"


def _short(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def merit_profiles(
    mentions: Sequence[str], proposals: Sequence[dict[str, Any]], chart_id: str = "merit"
) -> MeritChart:
    """The chart of ``proposals`` (results-body items whose ``tally`` has ``grades``,
    lowest grade first, and ``median``), in the order given; ``mentions`` best first."""
    grades = len(mentions)
    colours = COLOURS[grades]
    rows = []
    sentences = []
    for proposal in proposals:
        profile = list(proposal["tally"]["grades"])
        total = sum(profile)
        best_first = list(reversed(profile))
        median = proposal["tally"]["median"]
        majority = mentions[grades - 1 - median] if median is not None else "—"
        shares = tuple(share(n, total) for n in best_first)
        rows.append((str(proposal["title"]), shares, majority))
        sentences.append(
            f"{proposal['title']} : mention majoritaire {majority} ("
            + ", ".join(f"{m} {s}" for m, s in zip(mentions, shares, strict=True))
            + ")"
        )
    title = "Profils de mérite des propositions"
    description = f"{title}. " + ("; ".join(sentences) if sentences else "Aucune mention.")
    legend_rows = (grades + 2) // 3
    height = ROW * max(len(proposals), 1) + LEGEND_ROW * legend_rows + 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<g {FONT} fill="{TEXT}">'
    ]
    for index, proposal in enumerate(proposals):
        y = index * ROW + 4
        profile = list(reversed(proposal["tally"]["grades"]))
        total = sum(profile)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(_short(str(proposal['title'])))}</text>"
        )
        x = float(LABEL_WIDTH)
        if not total:
            parts.append(
                f'<rect x="{x}" y="{y + 3}" width="{BAR_AREA}" height="{ROW - 8}" fill="#d0d2d6"/>'
            )
        for count, colour in zip(profile, colours, strict=True):
            if not count:
                continue
            width = BAR_AREA * count / total
            parts.append(
                f'<rect x="{x:.2f}" y="{y + 3}" width="{width:.2f}" height="{ROW - 8}" '
                f'fill="{colour}"/>'
            )
            x += width
    middle = LABEL_WIDTH + BAR_AREA / 2
    bottom = ROW * max(len(proposals), 1) + 4
    parts.append(
        f'<line x1="{middle}" y1="0" x2="{middle}" y2="{bottom}" stroke="{TEXT}" '
        'stroke-width="2" stroke-dasharray="4 3"/>'
    )
    for index, (mention, colour) in enumerate(zip(mentions, colours, strict=True)):
        x = 8 + (index % 3) * 210
        y = bottom + 8 + (index // 3) * LEGEND_ROW
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 20}" y="{y + 12}">{escape(mention)}</text>'
        )
    parts.append("</g></svg>")
    return MeritChart(Markup("".join(parts)), description, tuple(rows))
