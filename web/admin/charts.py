"""Charts drawn on the server as SVG: no script, readable by screen readers.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>`` (which states the figures in words); pages show the same figures as a table
beside it. Colours are told apart by shape too (dashes, markers), and carry no inline
style: the page's CSP allows none.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from web.labels import N_

#: Series colours (each at least 4.5:1 on white) and dash patterns, in order.
COLOURS = ("#000091", "#b34000", "#18753c", "#6e445a", "#0063cb", "#716043")
DASHES = ("", "6 4", "2 3", "10 3 2 3", "", "6 4")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50..."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _frame(title: str, description: str, width: int, height: int, body: list[str]) -> Markup:
    number = next(_ids)
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    unit: str = "",
    width: int = 640,
    empty: str = "Aucune donnée.",
    gettext: Callable[[str], str] = str,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``; ``empty`` is said when there is none,
    and the description in words, through ``gettext`` (the page's language)."""
    if not items:
        return _frame(title, empty, width, 40, [_text(8, 24, empty)])
    label_width, bar_height, gap = 200, 22, 8
    height = len(items) * (bar_height + gap) + gap
    top = _nice_max(max(value for _, value in items))
    area = width - label_width - 80
    body = []
    for index, (label, value) in enumerate(items):
        y = gap + index * (bar_height + gap)
        length = 0 if top == 0 else round(area * value / top)
        body.append(_text(label_width - 8, y + 16, _short(label, 28), anchor="end"))
        body.append(
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" '
            f'fill="{COLOURS[0]}"/>'
        )
        body.append(_text(label_width + length + 6, y + 16, _number(value) + unit))
    description = "; ".join(
        _figure(gettext, label, _number(value) + unit) for label, value in items
    )
    return _frame(title, description + ".", width, height, body)


def _figure(gettext: Callable[[str], str], name: str, value: str) -> str:
    return gettext(N_("%(name)s : %(value)s")) % {"name": name, "value": value}


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    empty: str = "Aucune donnée.",
    gettext: Callable[[str], str] = str,
) -> Markup:
    """Lines over time (``labels`` are the x positions, such as days), one per series;
    ``empty`` is said when there is none, and the description in words, through
    ``gettext`` (the page's language)."""
    if not labels:
        return _frame(title, empty, width, 40, [_text(8, 24, empty)])
    left, right, top_margin, bottom = 56, 16, 16, 64
    legend_height = 22 * len(series)
    height = 260 + legend_height
    plot_height = height - top_margin - bottom - legend_height
    plot_width = width - left - right
    step = _nice_max(-(-max((max(s.values, default=0) for s in series), default=0) // 4))
    top = step * 4
    body = []
    for tick in range(5):
        value = step * tick
        y = top_margin + plot_height - plot_height * tick / 4
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, _number(value), anchor="end"))

    def x_of(index: int) -> float:
        if len(labels) == 1:
            return left + plot_width / 2
        return left + plot_width * index / (len(labels) - 1)

    step = max(1, len(labels) // 6)
    for index in range(0, len(labels), step):
        body.append(
            _text(x_of(index), top_margin + plot_height + 18, labels[index], anchor="middle")
        )
    for number, item in enumerate(series):
        colour, dash = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)]
        points = " ".join(
            f"{x_of(i):.1f},{top_margin + plot_height - plot_height * v / top:.1f}"
            for i, v in enumerate(item.values)
        )
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attribute}/>'
        )
        if len(labels) <= 60:  # a mark on each day, so that one day alone still shows
            for point in points.split():
                cx, cy = point.split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{colour}"/>')
        y = height - legend_height + number * 22 + 4
        body.append(
            f'<line x1="{left}" x2="{left + 28}" y1="{y}" y2="{y}" stroke="{colour}" '
            f'stroke-width="3"{dash_attribute}/>'
        )
        body.append(_text(left + 36, y + 5, item.name))
    last = len(labels) - 1
    figures = "; ".join(_figure(gettext, s.name, _number(s.values[last])) for s in series)
    description = gettext(N_("Du %(first)s au %(last)s : %(figures)s à la fin.")) % {
        "first": labels[0],
        "last": labels[last],
        "figures": figures,
    }
    return _frame(title, description, width, height, body)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _text(x: float, y: float, text: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="13" fill="#161616" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )
