"""The WCAG contrast ratio, checked against values the WCAG and common tools give."""

from __future__ import annotations

import pytest

from core.colours import contrast_ratio, normalise, readable, relative_luminance


def test_the_extremes() -> None:
    assert relative_luminance("#000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777", "#777") == pytest.approx(1)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#777777", "#ffffff", 4.48),  # the classic grey that just fails AA
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#000091", "#ffffff", 14.91),  # the blue of the French state
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#ffff00", "#000000", 19.56),
    ],
)
def test_known_ratios(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_aa_threshold() -> None:
    assert readable("#767676", "#fff")
    assert not readable("#777777", "#fff")
    assert not readable("#ff0000", "#ffffff")


def test_only_hex_colours_are_accepted() -> None:
    assert normalise("#ABC") == "#aabbcc"
    for bad in ("red", "#12345", "rgb(0,0,0)", "#ggg", "#000;background:red"):
        with pytest.raises(ValueError):
            normalise(bad)
