"""SVG charts: standalone documents, accessible (role, title, desc), escaped, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from web.charts import bar_chart, decimal, percent, pie_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_pie_chart_is_an_accessible_standalone_svg() -> None:
    chart = pie_chart("chart-7", "Une piste cyclable", [("yes", "Oui", 3), ("no", "Non", 1)])
    root = _parse(chart.svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-7-title chart-7-desc"
    assert root.find(f"{SVG}title").text == "Une piste cyclable"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == "Une piste cyclable. Oui : 3 (75,0\u202f%); Non : 1 (25,0\u202f%)."
    assert len(root.findall(f"{SVG}path")) == 2
    assert chart.rows == (("Oui", "3 (75,0\u202f%)"), ("Non", "1 (25,0\u202f%)"))
    assert "script" not in chart.svg and "style=" not in chart.svg
    # "yes" is green, "no" is red, whatever their order.
    fills = [path.get("fill") for path in root.findall(f"{SVG}path")]
    assert fills == ["#1d6b3a", "#b3261e"]


def test_pie_of_one_option_or_no_vote_is_a_circle() -> None:
    whole = _parse(pie_chart("c", "T", [("for", "Pour", 4), ("against", "Contre", 0)]).svg)
    assert whole.find(f"{SVG}circle").get("fill") == "#1d6b3a"  # type: ignore[union-attr]
    assert not whole.findall(f"{SVG}path")
    empty = pie_chart("c", "T", [("yes", "Oui", 0), ("no", "Non", 0)])
    assert _parse(empty.svg).find(f"{SVG}circle") is not None
    assert "Aucun vote" in empty.description


def test_large_slice_uses_the_large_arc() -> None:
    svg = pie_chart("c", "T", [("yes", "Oui", 3), ("no", "Non", 1)]).svg
    first = _parse(svg).findall(f"{SVG}path")[0].get("d")
    assert first is not None and " 0 1 1 " in first  # the 75 % slice is a large arc


def test_bar_chart_scales_and_marks_winners() -> None:
    chart = bar_chart(
        "chart-results",
        "Soutiens",
        [("Parc", 10, "10"), ("Bancs", 5, "5"), ("Rien", 0, "0")],
        highlighted=[True, False, False],
        unit="soutiens",
    )
    root = _parse(chart.svg)
    widths = [float(rect.get("width", "0")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "✓ Parc" in chart.svg
    assert chart.description == "Soutiens (soutiens). Parc : 10 (retenue); Bancs : 5; Rien : 0"
    assert chart.rows == (("Parc", "10"), ("Bancs", "5"), ("Rien", "0"))


def test_text_is_escaped() -> None:
    chart = bar_chart("x", "<b>Titre</b>", [('<script>alert("x")</script>', 1, "1")])
    assert "<script>" not in chart.svg
    root = _parse(chart.svg)
    assert root.find(f"{SVG}title").text == "<b>Titre</b>"  # type: ignore[union-attr]
    ids = pie_chart('a"b c', "T", []).id
    assert ids == "a-b-c"


def test_long_labels_are_shortened_in_the_svg_only() -> None:
    label = "Une très longue proposition dont le titre ne tient pas dans le graphique"
    chart = bar_chart("x", "T", [(label, 1, "1")])
    assert label not in chart.svg.split("</desc>")[1]
    assert chart.rows[0][0] == label and label in chart.description


def test_french_numbers() -> None:
    assert percent(1, 3) == "33,3\u202f%"
    assert percent(1, 0) == "0,0\u202f%"
    assert decimal(1234.5) == "1\u202f234,5"
    assert decimal(4) == "4"
    assert decimal(-2.25) == "-2,25"
