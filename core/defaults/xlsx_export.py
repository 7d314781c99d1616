"""The built-in Excel export (``.xlsx``), written with openpyxl's write-only workbook so
that memory stays bounded whatever the number of rows: each row is written to a temporary
file as it comes, and the finished file is read back in chunks."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.exports import ExportFormat, inert_text, local_time
from core.hookspecs import hookimpl
from core.registries import Registry

CHUNK_BYTES = 64 * 1024
#: Characters a worksheet cell may not hold (XML 1.0 control characters).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL = 32_767


def cell_value(value: Any) -> Any:
    """A value as a worksheet cell holds it: numbers and dates as they are, everything
    else as text, never a formula (a citizen's text starting with ``=`` stays text)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value
    if isinstance(value, list | tuple):
        value = ", ".join(str(item) for item in value)
    return inert_text(ILLEGAL.sub("", str(value))[:MAX_CELL])


class XlsxExport(ExportFormat):
    id = "xlsx"
    title = "Excel (.xlsx)"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Export")
        bold = Font(bold=True)
        header = []
        for title in columns:
            cell = WriteOnlyCell(sheet, value=cell_value(title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([cell_value(value) for value in row])
        handle, path = tempfile.mkstemp(prefix="participe-export-", suffix=".xlsx")
        os.close(handle)
        try:
            workbook.save(path)
            with open(path, "rb") as saved:
                while chunk := saved.read(CHUNK_BYTES):
                    yield chunk
        finally:
            os.unlink(path)


@hookimpl
def register_export_formats(registry: Registry[Any]) -> None:
    registry.add(XlsxExport())
