"""Proposals that say the same thing: a TF-IDF index of a dialogue's proposals.

Pure and without I/O. A proposal is read as its title (counted twice: it says what the
proposal is about) and its body, through :func:`plugins.analysis.text.stems`. Two
representations are joined, each weighed by TF-IDF and normalised: the stems and the
pairs of consecutive stems (the same words), and the character n-grams of the stems
(the same words spelt or derived differently: "cyclable" and "cyclistes"). Their cosine
is the score, from 0 (nothing in common) to 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from plugins.analysis.text import stems

#: Two proposals at least this similar are shown as saying the same thing.
DUPLICATE_THRESHOLD = 0.16
#: How many similar proposals a citizen sees while writing.
SIMILAR_LIMIT = 5
#: The weight of the character n-grams beside the words.
CHARACTER_WEIGHT = 0.5
#: The share of the proposals over which a character n-gram is left out.
CHARACTER_MAX_DF = 0.05


@dataclass(frozen=True)
class Document:
    """A proposal as the analysis reads it."""

    id: int
    title: str
    body: str = ""


@dataclass(frozen=True)
class Match:
    """A proposal similar to the one asked about, and how similar (0 to 1)."""

    id: int
    score: float


def analysed(title: str, body: str) -> str:
    """The stems of a proposal, the title's twice, as one string (what is stored)."""
    title_stems = stems(title)
    return " ".join([*title_stems, *title_stems, *stems(body)])


def _word_features(text: str) -> list[str]:
    tokens = text.split()
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


class SimilarityIndex:
    """The proposals of a dialogue, ready to be compared with each other or with a text
    being written. ``texts`` are :func:`analysed` strings, in the order of ``ids``."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        self.ids = list(ids)
        self._words = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True, dtype=np.float32)
        self._characters = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            sublinear_tf=True,
            min_df=2,
            # An n-gram in more than one proposal in twenty ("de ", "tion") says nothing
            # and costs the most in the pairs' product.
            max_df=CHARACTER_MAX_DF,
            dtype=np.float32,
        )
        if not self.ids:
            self.matrix: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
            return
        if len(self.ids) < 40:  # too few proposals to tell a common n-gram
            self._characters.set_params(min_df=1, max_df=1.0)
        self.matrix = self._join(
            self._words.fit_transform(texts), self._characters.fit_transform(texts)
        )

    @classmethod
    def of(cls, documents: Iterable[Document]) -> SimilarityIndex:
        documents = list(documents)
        return cls([d.id for d in documents], [analysed(d.title, d.body) for d in documents])

    def _join(self, words: sp.spmatrix, characters: sp.spmatrix) -> sp.csr_matrix:
        joined = sp.hstack([words, characters * CHARACTER_WEIGHT], format="csr")
        return normalize(joined).astype(np.float32)

    def vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        """:func:`analysed` texts in the index's terms, one row each (words it never saw
        count for nothing)."""
        return self._join(self._words.transform(texts), self._characters.transform(texts))

    def similar(
        self,
        title: str,
        body: str = "",
        *,
        limit: int = SIMILAR_LIMIT,
        threshold: float = DUPLICATE_THRESHOLD,
        exclude: Iterable[int] = (),
    ) -> list[Match]:
        """The proposals most like a text being written, best first, at most ``limit``,
        none under ``threshold``, none of ``exclude``."""
        if not self.ids:
            return []
        scores = (self.matrix @ self.vectors([analysed(title, body)]).T).toarray().ravel()
        return self._best(scores, limit, threshold, set(exclude))

    def similar_to(
        self,
        proposal_id: int,
        *,
        limit: int = SIMILAR_LIMIT,
        threshold: float = DUPLICATE_THRESHOLD,
    ) -> list[Match]:
        """The proposals most like one of the index, itself left out."""
        row = self.ids.index(proposal_id)
        scores = (self.matrix @ self.matrix[row].T).toarray().ravel()
        return self._best(scores, limit, threshold, {proposal_id})

    def _best(
        self, scores: np.ndarray, limit: int, threshold: float, exclude: set[int]
    ) -> list[Match]:
        order = np.argsort(-scores, kind="stable")
        found: list[Match] = []
        for row in order:
            score = float(scores[row])
            if score < threshold or len(found) >= limit:
                break
            if self.ids[row] not in exclude:
                found.append(Match(self.ids[row], round(score, 4)))
        return found

    def pairs(self, threshold: float = DUPLICATE_THRESHOLD) -> list[tuple[int, int, float]]:
        """Every pair of proposals at least ``threshold`` alike, as ``(id, id, score)``
        with the smaller id first, best first."""
        if not self.ids:
            return []
        product = (self.matrix @ self.matrix.T).tocoo()
        keep = (product.row < product.col) & (product.data >= threshold)
        found = [
            (self.ids[r], self.ids[c], round(float(s), 4))
            for r, c, s in zip(
                product.row[keep], product.col[keep], product.data[keep], strict=True
            )
        ]
        found = [(min(a, b), max(a, b), s) for a, b, s in found]
        found.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
        return found


def duplicate_groups(
    pairs: Iterable[tuple[int, int, float]], distinct: Iterable[tuple[int, int]] = ()
) -> list[tuple[list[int], float]]:
    """Groups of likely duplicates from the similar pairs, leaving out the pairs staff
    said are distinct: the best pairs first, a proposal joins a group only when it is
    alike with every proposal already in it (so that no chain of near neighbours makes
    one group of a whole topic). Each group comes with its best pair's score; the best
    groups first, the proposals of a group in id order."""
    refused = {(min(a, b), max(a, b)) for a, b in distinct}
    alike = {(a, b): score for a, b, score in pairs if (a, b) not in refused}
    group_of: dict[int, int] = {}
    members: list[list[int]] = []
    best: list[float] = []

    def joins(proposal: int, group: int) -> bool:
        return all(
            (min(proposal, other), max(proposal, other)) in alike for other in members[group]
        )

    for (a, b), score in sorted(alike.items(), key=lambda pair: (-pair[1], pair[0])):
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is None and gb is None:
            group_of[a] = group_of[b] = len(members)
            members.append([a, b])
            best.append(score)
        elif ga is None and gb is not None and joins(a, gb):
            group_of[a] = gb
            members[gb].append(a)
        elif gb is None and ga is not None and joins(b, ga):
            group_of[b] = ga
            members[ga].append(b)
    found = [(sorted(group), score) for group, score in zip(members, best, strict=True)]
    found.sort(key=lambda group: (-group[1], group[0]))
    return found
