"""The analysis beats the trigram title similarity (Decidim's) on every figure of the
labelled French proposals (``tests/data/analysis``), as bench/RESULTS.md reports."""

from __future__ import annotations

from collections import Counter

import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from bench.analysis_quality import load, measure


def test_the_labelled_set_has_duplicate_groups_and_themes() -> None:
    items = load()
    assert len(items) >= 300
    groups = Counter(item.group for item in items)
    assert sum(1 for n in groups.values() if n > 1) >= 50
    assert len({item.theme for item in items}) >= 8


def test_every_figure_beats_the_trigram_baseline() -> None:
    figures = measure()
    for name, (analysis, baseline) in figures.items():
        assert analysis > baseline, (name, analysis, baseline)
    precision, _ = figures["duplicates_precision_at_5"]
    recall, _ = figures["duplicates_recall_at_5"]
    assert precision > 0.5 and recall > 0.5
