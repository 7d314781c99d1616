"""The built-in CSV export (UTF-8 with a BOM and ``;``, as French spreadsheets expect)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from core.exports import ExportFormat, inert_cells
from core.hookspecs import hookimpl
from core.registries import Registry

ROWS_PER_CHUNK = 2_000


class CsvExport(ExportFormat):
    id = "csv"
    title = "CSV"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(inert_cells(columns))
        remaining = iter(rows)
        while batch := list(islice(remaining, ROWS_PER_CHUNK)):
            writer.writerows(map(inert_cells, batch))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()


@hookimpl
def register_export_formats(registry: Registry[Any]) -> None:
    registry.add(CsvExport())
