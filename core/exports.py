"""Export formats: turn rows into a file streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

#: Characters that make a spreadsheet read a text cell as a formula (CSV/formula
#: injection, as OWASP describes it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARACTERS = frozenset(FORMULA_START)


def inert_text(text: str) -> str:
    """``text`` as a spreadsheet shows it without reading it as a formula: a citizen's
    ``=HYPERLINK(...)`` gets a leading apostrophe and stays text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def inert_cells(row: Sequence[Any]) -> list[Any]:
    """``row`` with :func:`inert_text` applied to its text cells. Written out rather
    than calling it per cell: an export runs it on every one of a million rows."""
    return [
        ("'" + cell if cell and cell[0] in _FORMULA_CHARACTERS else cell)
        if cell.__class__ is str
        else cell
        for cell in row
    ]


class ExportFormat:
    """Base class of export formats; subclasses set the attributes and :meth:`write`."""

    id: ClassVar[str]
    title: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]

    def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        """Yields the file's bytes in chunks, reading ``rows`` lazily."""
        raise NotImplementedError
