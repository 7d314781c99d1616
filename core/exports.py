"""Export formats: turn rows into a file streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Iterable,
    Iterator,
    Sequence,
)
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

#: Characters that make a spreadsheet read a text cell as a formula (CSV/formula
#: injection, as OWASP describes it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARACTERS = frozenset(FORMULA_START)


def inert_text(text: str) -> str:
    """``text`` as a spreadsheet shows it without reading it as a formula: a citizen's
    ``=HYPERLINK(...)`` gets a leading apostrophe and stays text."""
    return "'" + text if text.startswith(FORMULA_START) else text


#: The exports' times are French times, as the staff read them (spreadsheets have no
#: time zones).
LOCAL = ZoneInfo("Europe/Paris")


def local_time(value: datetime) -> datetime:
    """``value`` as it reads in France, without a time zone."""
    return (value.astimezone(LOCAL) if value.tzinfo else value).replace(tzinfo=None)


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


class LineExportFormat(ExportFormat):
    """An export format whose file is a head, then one line of text per row (CSV).

    Besides writing rows, it tells how it writes a part of a row (:meth:`cells`), so that
    a dataset can have the database put its lines together out of parts written once
    (:meth:`core.export_datasets.ExportDataset.lines_in`): the ballots export writes a
    ballot's cells once for its ten votes, and a proposal's once for all its votes.
    """

    #: The text encoding of the file.
    encoding: ClassVar[str] = "utf-8"

    def head(self, columns: Sequence[str]) -> str:
        """What the file starts with: the line of column titles (and a byte-order mark
        when the format has one)."""
        raise NotImplementedError

    def cells(self, values: Sequence[Any], *, last: bool = False) -> str:
        """``values`` written as consecutive cells of a line, followed by the separator
        of the next cell, or by the line's end when ``last``.

        The parts of a row written this way, put end to end, are the line that
        :meth:`write` writes of the row, byte for byte.
        """
        raise NotImplementedError

    async def write_lines(
        self, columns: Sequence[str], lines: AsyncIterable[str]
    ) -> AsyncIterator[bytes]:
        """The file of rows already written as lines, in chunks of whole lines."""
        try:
            yield self.head(columns).encode(self.encoding)
            async for chunk in lines:
                yield chunk.encode(self.encoding)
        finally:
            # A cancelled download leaves the lines' generator inside a query: close it
            # now rather than when the garbage collector comes, with its session gone.
            if isinstance(lines, AsyncGenerator):
                await lines.aclose()
