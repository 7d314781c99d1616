"""The built-in CSV export (UTF-8 with a BOM and ``;``, as French spreadsheets expect)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from core.exports import ExportFormat, inert_text
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
        writer.writerow([inert_text(column) for column in columns])
        for count, row in enumerate(rows, start=1):
            writer.writerow([inert_text(cell) if isinstance(cell, str) else cell for cell in row])
            if count % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()


@hookimpl
def register_export_formats(registry: Registry[Any]) -> None:
    registry.add(CsvExport())
