"""A theme for each proposal without one, learnt from the themes staff already gave.

Pure and without I/O. A logistic regression (fitted by stochastic gradient descent, fast
on thousands of proposals) over the proposals' stems, pairs of stems
and character n-grams (the :mod:`plugins.analysis.similar` representation), trained on
the proposals that have a theme; a suggestion comes with the model's probability, and
none is made below :data:`MIN_CONFIDENCE` or before every theme has examples enough.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.linear_model import SGDClassifier

from plugins.analysis.similar import SimilarityIndex, analysed

#: A suggestion the model is less sure of is not made.
MIN_CONFIDENCE = 0.0
#: Proposals with a theme needed before anything is suggested.
MIN_EXAMPLES = 4


@dataclass(frozen=True)
class Suggestion:
    """A theme suggested for a proposal, and the model's confidence (0 to 1)."""

    proposal_id: int
    theme: str
    confidence: float


class ThemeSuggester:
    """Learns from ``(title, body, theme)`` examples; suggests for other texts."""

    def __init__(self, examples: Sequence[tuple[str, str, str]]) -> None:
        self.themes = Counter(theme for _, _, theme in examples)
        self._index: SimilarityIndex | None = None
        self._model: SGDClassifier | None = None
        if len(examples) < MIN_EXAMPLES or len(self.themes) < 2:
            return
        texts = [analysed(title, body) for title, body, _ in examples]
        self._index = SimilarityIndex(range(len(texts)), texts)
        self._model = SGDClassifier(
            loss="log_loss", alpha=1e-5, max_iter=50, tol=1e-3, random_state=0
        )
        self._model.fit(self._index.matrix, [theme for _, _, theme in examples])

    @property
    def ready(self) -> bool:
        """Whether there were examples enough to learn from."""
        return self._model is not None

    def suggest(self, proposals: Sequence[tuple[int, str, str]]) -> list[Suggestion]:
        """A suggestion for each ``(id, title, body)`` (none when not :attr:`ready`)."""
        if self._model is None or self._index is None or not proposals:
            return []
        matrix = self._index.vectors([analysed(title, body) for _, title, body in proposals])
        probabilities = self._model.predict_proba(matrix)
        classes = self._model.classes_
        found = []
        for (proposal_id, _, _), row in zip(proposals, probabilities, strict=True):
            best = int(row.argmax())
            if row[best] >= MIN_CONFIDENCE:
                found.append(
                    Suggestion(proposal_id, str(classes[best]), round(float(row[best]), 4))
                )
        return found
