"""The built-in CSV export (UTF-8 with a BOM and ``;``, as French spreadsheets expect)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from core.exports import LineExportFormat, inert_cells, local_time
from core.hookspecs import hookimpl
from core.registries import Registry

ROWS_PER_CHUNK = 2_000
DELIMITER = ";"
LINE_END = "\r\n"
#: A spreadsheet reading UTF-8 knows it from this byte-order mark.
BOM = "\ufeff"


class _Returned:
    """A file whose ``write`` hands back what it is given: a CSV writer on it returns
    each line it writes (``writerow`` returns what ``write`` returns)."""

    @staticmethod
    def write(text: str) -> str:
        return text


def _cells(row: Sequence[Any]) -> list[Any]:
    """``row`` ready for a CSV line: times as they read in France, like the XLSX export
    (``2026-12-07 12:20:00``), text made inert."""
    return inert_cells(
        [
            local_time(cell).isoformat(" ", "seconds") if cell.__class__ is datetime else cell
            for cell in row
        ]
    )


def _line_writer() -> Any:
    """A CSV writer whose ``writerow`` returns the line (a new one per use: the format
    is shared by the exports running at the same time, in threads)."""
    return csv.writer(_Returned(), delimiter=DELIMITER, lineterminator=LINE_END)


class CsvExport(LineExportFormat):
    id = "csv"
    title = "CSV"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def head(self, columns: Sequence[str]) -> str:
        line: str = _line_writer().writerow(inert_cells(columns))
        return BOM + line

    def cells(self, values: Sequence[Any], *, last: bool = False) -> str:
        # An empty cell beside others is written as nothing, but alone on its line as
        # "" (for the line not to be blank): written with an empty cell beside them,
        # ``values`` are written as they are within a row, and the empty cell cut off.
        if last:
            line: str = _line_writer().writerow(["", *_cells(values)])
            return line[len(DELIMITER) :]
        line = _line_writer().writerow([*_cells(values), ""])
        return line[: -len(LINE_END)]

    def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator=LINE_END)
        buffer.write(self.head(columns))
        remaining = iter(rows)
        while batch := list(islice(remaining, ROWS_PER_CHUNK)):
            writer.writerows(map(_cells, batch))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()


@hookimpl
def register_export_formats(registry: Registry[Any]) -> None:
    registry.add(CsvExport())
