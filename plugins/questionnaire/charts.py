"""Server-rendered horizontal bar charts: the geometry, computed here, drawn as SVG by
``templates/questionnaire/_chart.html`` (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
BAR_AREA = 520
ROW = 46
BAR_HEIGHT = 18
LABEL_BASELINE = 15


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: The value as shown beside the bar (``"12 (40 %)"``).
    shown: str
    #: Top of the label line; the bar sits under it.
    y: int
    width: float

    @property
    def label_y(self) -> int:
        return self.y + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return self.y + LABEL_BASELINE + 6

    @property
    def value_x(self) -> float:
        return self.width + 8

    @property
    def value_y(self) -> int:
        return self.bar_y + BAR_HEIGHT - 4


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 4


def bar_chart(title: str, description: str, items: Sequence[tuple[str, float, str]]) -> BarChart:
    """A chart of ``items`` (label, value, value as shown), bars scaled to the largest
    value, in the order given."""
    largest = max((value for _, value, _ in items), default=0) or 1
    bars = tuple(
        Bar(label=label, value=value, shown=shown, y=index * ROW, width=BAR_AREA * value / largest)
        for index, (label, value, shown) in enumerate(items)
    )
    return BarChart(title=title, description=description, bars=bars)


def percent(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a French percentage (``"41,7 %"``)."""
    share = 100 * part / whole if whole else 0.0
    return f"{share:.1f}".replace(".", ",") + "\u202f%"


def decimal(value: float) -> str:
    """A number as French writes it, one decimal at most (``"3,5"``, ``"4"``)."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text
