"""The time to analyse a dialogue of 10,000 proposals: similar pairs and duplicate
groups, topics, theme suggestions, and one "similar while writing" look-up.

    python -m bench.analysis_speed [--proposals 10000]

The proposals are the labelled ones of ``tests/data/analysis/proposals_fr.txt``, each
written again many times with the title of one and the body of another and a place
name, so that the vocabulary is French and varied, not one text copied. Each step's
elapsed time is given beside the processor time of the process (all its threads), which
a machine busy with other work does not inflate.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.analysis_quality import load
from plugins.analysis.similar import Document, SimilarityIndex, analysed, duplicate_groups
from plugins.analysis.themes import ThemeSuggester
from plugins.analysis.topics import find_topics

PLACES = (
    "rue Victor Hugo",
    "place de la République",
    "quartier des Oiseaux",
    "avenue de la Gare",
    "chemin des Vignes",
    "square Pasteur",
    "boulevard Voltaire",
    "cité des Fleurs",
    "hameau de la Croix",
    "allée des Tilleuls",
    "rue du Moulin",
    "parc Saint-Martin",
)


def proposals(count: int, seed: int = 0) -> list[tuple[Document, str]]:
    """``count`` proposals and their themes."""
    rng = random.Random(seed)
    labelled = load()
    found = []
    for number in range(1, count + 1):
        first, second = rng.choice(labelled), rng.choice(labelled)
        place = rng.choice(PLACES)
        document = Document(number, f"{first.title} {place}", f"{first.body} {second.body}")
        found.append((document, first.theme))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    count = parser.parse_args().proposals
    items = proposals(count)
    documents = [document for document, _ in items]
    timings: dict[str, tuple[float, float]] = {}
    started = (time.perf_counter(), time.process_time())

    def lap(name: str, since: tuple[float, float]) -> tuple[float, float]:
        now = (time.perf_counter(), time.process_time())
        timings[name] = (now[0] - since[0], now[1] - since[1])
        return now

    mark = started
    texts = [analysed(d.title, d.body) for d in documents]
    mark = lap("stems of every proposal", mark)
    index = SimilarityIndex([d.id for d in documents], texts)
    mark = lap("similarity index", mark)
    groups = duplicate_groups(index.pairs())
    mark = lap("similar pairs and duplicate groups", mark)
    topics = find_topics(documents)
    mark = lap("topics", mark)
    half = count // 2
    suggester = ThemeSuggester([(d.title, d.body, theme) for d, theme in items[:half]])
    suggestions = suggester.suggest([(d.id, d.title, d.body) for d, _ in items[half:]])
    mark = lap("theme suggestions (learnt from half, suggested for half)", mark)
    similar = index.similar("Une piste cyclable avenue Jean Jaurès", "Pour les vélos")
    mark = lap("one look-up while writing", mark)
    total = (time.perf_counter() - started[0], time.process_time() - started[1])
    print("| step | elapsed | processor |")
    print("| --- | --- | --- |")
    for name, (wall, processor) in timings.items():
        print(f"| {name} | {wall:.2f} s | {processor:.2f} s |")
    print(f"| **total, {count} proposals** | **{total[0]:.2f} s** | {total[1]:.2f} s |")
    print(
        f"({len(groups)} duplicate groups, {len(topics)} topics, {len(suggestions)} "
        f"suggestions, {len(similar)} similar)"
    )


if __name__ == "__main__":
    main()
