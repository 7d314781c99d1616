"""A dialogue's proposals grouped into topics, each with its key words.

Pure and without I/O. The proposals as :class:`plugins.analysis.similar.SimilarityIndex`
reads them (stems, pairs of stems and character n-grams, weighed by TF-IDF) are reduced
to their main directions (latent semantic analysis: words that come together count
together), and grouped by k-means; a topic's key words are the stems that weigh most in
its proposals, shown as the proposals spelt them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from plugins.analysis.similar import Document, SimilarityIndex, analysed
from plugins.analysis.text import STOP_WORDS, fold, stem, words

#: How many key words a topic shows.
KEY_WORDS = 6


@dataclass(frozen=True)
class Topic:
    """One topic: its key words (most telling first) and its proposals' ids."""

    key_words: list[str]
    proposal_ids: list[int]


def topic_count(proposals: int) -> int:
    """How many topics for so many proposals: about one per twenty-five, at least two,
    at most a hundred."""
    return max(2, min(100, round(math.sqrt(proposals / 2)), proposals))


def find_topics(documents: Sequence[Document], count: int | None = None) -> list[Topic]:
    """The topics of ``documents``, the largest first (``count`` of them, or
    :func:`topic_count`'s). Fewer than two proposals make one topic, or none."""
    if not documents:
        return []
    texts = [analysed(d.title, d.body) for d in documents]
    if len(documents) < 3:
        return [
            Topic(_key_words(documents, texts, range(len(documents))), [d.id for d in documents])
        ]
    index = SimilarityIndex([d.id for d in documents], texts)
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32)
    matrix = vectorizer.fit_transform(texts)
    count = min(count or topic_count(len(documents)), len(documents))
    # Past a few thousand proposals, fewer passes: the topics change little, the time much.
    large = len(documents) >= 2000
    components = min(100, index.matrix.shape[1] - 1, len(documents) - 1)
    if components >= 2:
        reduced = normalize(
            TruncatedSVD(components, n_iter=3 if large else 5, random_state=0).fit_transform(
                index.matrix
            )
        )
    else:
        reduced = normalize(index.matrix.toarray())
    labels = KMeans(count, n_init=1 if large else 10, random_state=0).fit_predict(reduced)
    vocabulary = vectorizer.get_feature_names_out()
    topics = []
    for label in range(count):
        rows = np.flatnonzero(labels == label)
        if not len(rows):
            continue
        weights = np.asarray(matrix[rows].mean(axis=0)).ravel()
        best = [str(vocabulary[i]) for i in np.argsort(-weights)[:KEY_WORDS]]
        topics.append(
            Topic(
                _surface(documents, [int(row) for row in rows], best[:KEY_WORDS]),
                sorted(documents[int(row)].id for row in rows),
            )
        )
    topics.sort(key=lambda topic: (-len(topic.proposal_ids), topic.proposal_ids))
    return topics


def _key_words(documents: Sequence[Document], texts: Sequence[str], rows: range) -> list[str]:
    counts = Counter(s for row in rows for s in texts[row].split())
    return _surface(documents, list(rows), [s for s, _ in counts.most_common(KEY_WORDS)])


def _surface(documents: Sequence[Document], rows: Sequence[int], stems: list[str]) -> list[str]:
    """The stems as the proposals spelt them most often ("vélo" for ``velo``)."""
    spelt: dict[str, Counter[str]] = {s: Counter() for s in stems}
    for row in rows:
        document = documents[row]
        for word in words(f"{document.title} {document.body}"):
            if len(word) > 1 and fold(word) not in STOP_WORDS:
                counter = spelt.get(stem(word))
                if counter is not None:
                    counter[word] += 1
    return [spelt[s].most_common(1)[0][0] if spelt[s] else s for s in stems]
