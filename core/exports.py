"""Export formats: turn rows into a file streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

#: Characters that make a spreadsheet read a text cell as a formula (CSV/formula
#: injection, as OWASP describes it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text: str) -> str:
    """``text`` as a spreadsheet shows it without reading it as a formula: a citizen's
    ``=HYPERLINK(...)`` gets a leading apostrophe and stays text."""
    return "'" + text if text.startswith(FORMULA_START) else text


class ExportFormat:
    """Base class of export formats; subclasses set the attributes and :meth:`write`."""

    id: ClassVar[str]
    title: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]

    def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        """Yields the file's bytes in chunks, reading ``rows`` lazily."""
        raise NotImplementedError
