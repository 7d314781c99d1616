"""The quality of the semantic analysis on the labelled proposals of
``tests/data/analysis/proposals_fr.txt``, beside the trigram title similarity that
Decidim's proposal wizard uses (PostgreSQL's ``pg_trgm`` ``similarity()`` of the titles,
its default threshold 0.25).

    python -m bench.analysis_quality          # the table of bench/RESULTS.md

- Duplicates: each proposal is written again; the up to five proposals shown (at least the
  method's threshold alike) are judged against its marked duplicate group. Precision is
  the share of the shown proposals that are its duplicates, recall the share of its
  duplicates shown, over every proposal (those without a duplicate too: whatever is shown
  for them is wrong).
- Topics: the proposals grouped into as many topics as there are marked themes; the
  agreement of the topics with the themes, by adjusted Rand index and normalised mutual
  information (1 is the same grouping, 0 a random one).
- Themes: each proposal's theme learnt from the others' (five folds that keep a duplicate
  group together, so that no proposal is judged by its own copy); the share right.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASET = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "analysis" / "proposals_fr.txt"
)
#: Decidim's ``similarity_threshold`` (config/initializers/decidim_proposals.rb).
TRIGRAM_THRESHOLD = 0.25
LIMIT = 5


@dataclass(frozen=True)
class Labelled:
    id: int
    group: str
    theme: str
    title: str
    body: str


def load(path: Path = DATASET) -> list[Labelled]:
    """The labelled proposals: a proposal without duplicate gets a group of its own."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group, theme, title, body = (part.strip() for part in line.split(" | "))
        number = len(found) + 1
        found.append(
            Labelled(number, f"single-{number}" if group == "-" else group, theme, title, body)
        )
    return found


# -- the baseline: pg_trgm's similarity() of the titles ----------------------------------

_ALNUM = re.compile(r"[^\W_]+", re.UNICODE)


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word in lower case, two spaces before and one after."""
    found: set[str] = set()
    for word in _ALNUM.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def trigram_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def trigram_matrix(items: list[Labelled]) -> np.ndarray:
    grams = [trigrams(item.title) for item in items]
    size = len(items)
    matrix = np.eye(size)
    for i in range(size):
        for j in range(i + 1, size):
            matrix[i, j] = matrix[j, i] = trigram_similarity(grams[i], grams[j])
    return matrix


# -- the measures -----------------------------------------------------------------------


def duplicate_scores(items: list[Labelled], shown: list[list[int]]) -> tuple[float, float]:
    """Precision and recall at 5 (micro-averaged) of what is shown for each proposal."""
    right = shown_count = expected = 0
    for item, suggestions in zip(items, shown, strict=True):
        duplicates = {other.id for other in items if other.group == item.group} - {item.id}
        right += len(duplicates & set(suggestions))
        shown_count += len(suggestions)
        expected += len(duplicates)
    return right / max(shown_count, 1), right / max(expected, 1)


def analysis_duplicates(items: list[Labelled]) -> list[list[int]]:
    from plugins.analysis.similar import Document, SimilarityIndex

    index = SimilarityIndex.of(Document(i.id, i.title, i.body) for i in items)
    return [[m.id for m in index.similar_to(item.id, limit=LIMIT)] for item in items]


def trigram_duplicates(
    items: list[Labelled], threshold: float = TRIGRAM_THRESHOLD
) -> list[list[int]]:
    matrix = trigram_matrix(items)
    shown = []
    for row, _item in enumerate(items):
        scores = matrix[row].copy()
        scores[row] = -1
        order = [c for c in np.argsort(-scores, kind="stable")[:LIMIT] if scores[c] >= threshold]
        shown.append([items[c].id for c in order])
    return shown


def topic_scores(items: list[Labelled], labels: list[int]) -> tuple[float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = [item.theme for item in items]
    return adjusted_rand_score(truth, labels), normalized_mutual_info_score(truth, labels)


def analysis_topics(items: list[Labelled]) -> list[int]:
    from plugins.analysis.similar import Document
    from plugins.analysis.topics import find_topics

    count = len({item.theme for item in items})
    topics = find_topics([Document(i.id, i.title, i.body) for i in items], count)
    label = {pid: n for n, topic in enumerate(topics) for pid in topic.proposal_ids}
    return [label[item.id] for item in items]


def trigram_topics(items: list[Labelled]) -> list[int]:
    """The titles grouped by their trigram similarity (average-linkage clustering)."""
    from sklearn.cluster import AgglomerativeClustering

    count = len({item.theme for item in items})
    distance = 1 - trigram_matrix(items)
    clustering = AgglomerativeClustering(count, metric="precomputed", linkage="average")
    return [int(label) for label in clustering.fit_predict(distance)]


def folds(items: list[Labelled], count: int = 5) -> list[list[int]]:
    """Rows in ``count`` folds, a duplicate group always in one fold."""
    from sklearn.model_selection import GroupKFold

    splitter = GroupKFold(count)
    return [list(test) for _, test in splitter.split(items, groups=[i.group for i in items])]


def analysis_themes(items: list[Labelled]) -> float:
    from plugins.analysis.themes import ThemeSuggester

    right = 0
    for test in folds(items):
        held = set(test)
        suggester = ThemeSuggester(
            [(i.title, i.body, i.theme) for n, i in enumerate(items) if n not in held]
        )
        suggestions = suggester.suggest(
            [(items[n].id, items[n].title, items[n].body) for n in test]
        )
        theme = {s.proposal_id: s.theme for s in suggestions}
        right += sum(theme.get(items[n].id) == items[n].theme for n in test)
    return right / len(items)


def trigram_themes(items: list[Labelled]) -> float:
    """The theme of the proposal whose title is most alike (trigrams), learnt the same
    way."""
    matrix = trigram_matrix(items)
    right = 0
    for test in folds(items):
        held = set(test)
        known = [n for n in range(len(items)) if n not in held]
        for n in test:
            best = max(known, key=lambda k: matrix[n, k])
            right += items[best].theme == items[n].theme
    return right / len(items)


def measure(items: list[Labelled] | None = None) -> dict[str, tuple[float, float]]:
    """Each figure as ``(analysis, trigram baseline)``."""
    items = items or load()
    analysis_p, analysis_r = duplicate_scores(items, analysis_duplicates(items))
    trigram_p, trigram_r = duplicate_scores(items, trigram_duplicates(items))
    analysis_ari, analysis_nmi = topic_scores(items, analysis_topics(items))
    trigram_ari, trigram_nmi = topic_scores(items, trigram_topics(items))
    return {
        "duplicates_precision_at_5": (analysis_p, trigram_p),
        "duplicates_recall_at_5": (analysis_r, trigram_r),
        "topics_adjusted_rand": (analysis_ari, trigram_ari),
        "topics_nmi": (analysis_nmi, trigram_nmi),
        "themes_accuracy": (analysis_themes(items), trigram_themes(items)),
    }


def main() -> None:
    items = load()
    groups = Counter(item.group for item in items)
    duplicated = sum(1 for item in items if groups[item.group] > 1)
    started = time.perf_counter()
    figures = measure(items)
    print(
        f"{len(items)} proposals, {sum(1 for n in groups.values() if n > 1)} duplicate groups "
        f"({duplicated} proposals), {len({i.theme for i in items})} themes "
        f"({time.perf_counter() - started:.1f} s)"
    )
    print("| figure | analysis | trigram titles (Decidim) |")
    print("| --- | --- | --- |")
    for name, (ours, baseline) in figures.items():
        print(f"| {name} | {ours:.3f} | {baseline:.3f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
