"""Counting a questionnaire's answers, question by question (pure, no I/O).

- ``single`` and ``multiple``: the total of each option, ``other`` included where offered;
  a ``multiple`` answer adds one to each option it holds (totals per option, never counts
  of combinations).
- ``scale``: the count of each value from ``min`` to ``max`` and the mean.
- ``text``: the number of answers only.
- ``ranking``: how often each option was ranked first, its Borda score and the Borda
  order. An option ranked at position ``r`` (0-based) among ``m`` options gets
  ``m - 1 - r`` points; the ``m - k`` options a citizen left unranked share the bottom
  places, ``(m - 1 - k) / 2`` points each. Ties keep the organiser's order of options.

Every result also says how many answers it counted (``answered``). A
:class:`QuestionTally` takes answers one at a time, so that counting reads the answers
as a stream and holds only the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class QuestionTally:
    """The running count of one question's answers."""

    def __init__(
        self, kind: str, option_keys: Sequence[str], low: int | None, high: int | None
    ) -> None:
        self.kind = kind
        self.option_keys = list(option_keys)
        self.answered = 0
        if kind == "scale":
            assert low is not None and high is not None
            self.counts = {str(value): 0 for value in range(low, high + 1)}
        else:
            self.counts = {key: 0 for key in self.option_keys} if kind != "text" else {}
        self._sum = 0
        self._doubled_points = {key: 0 for key in self.option_keys}

    def add(self, value: Any) -> None:
        """Counts one stored answer (see :class:`plugins.questionnaire.models.Answer`)."""
        self.answered += 1
        if self.kind == "single":
            self.counts[value] += 1
        elif self.kind == "multiple":
            for key in value:
                self.counts[key] += 1
        elif self.kind == "scale":
            self.counts[str(value)] += 1
            self._sum += value
        elif self.kind == "ranking":
            self._rank(value)

    def _rank(self, order: Sequence[str]) -> None:
        m, k = len(self.option_keys), len(order)
        if k:
            self.counts[order[0]] += 1
        # Points are kept doubled so that the shared bottom places stay integers.
        for position, key in enumerate(order):
            self._doubled_points[key] += 2 * (m - 1 - position)
        ranked = set(order)
        for key in self.option_keys:
            if key not in ranked:
                self._doubled_points[key] += m - 1 - k

    def result(self) -> dict[str, Any]:
        result: dict[str, Any] = {"answered": self.answered, "counts": dict(self.counts)}
        if self.kind == "scale":
            result["mean"] = self._sum / self.answered if self.answered else None
        elif self.kind == "ranking":
            scores = {key: points / 2 for key, points in self._doubled_points.items()}
            result["scores"] = scores
            position = {key: index for index, key in enumerate(self.option_keys)}
            result["order"] = sorted(
                self.option_keys, key=lambda key: (-scores[key], position[key])
            )
        return result


def tally(
    kind: str,
    option_keys: Sequence[str],
    values: Iterable[Any],
    *,
    low: int | None = None,
    high: int | None = None,
) -> dict[str, Any]:
    """Counts ``values``, the stored answers of one question."""
    counter = QuestionTally(kind, option_keys, low, high)
    for value in values:
        counter.add(value)
    return counter.result()
