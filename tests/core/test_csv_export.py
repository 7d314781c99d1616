"""The CSV format: French spreadsheet conventions, formulas neutralised, every row
written whatever the chunking."""

from __future__ import annotations

import csv
import io

from core.defaults.csv_export import ROWS_PER_CHUNK, CsvExport


def read(chunks: list[bytes]) -> list[list[str]]:
    text = b"".join(chunks).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_formulas_become_text_and_other_cells_stay() -> None:
    rows = [["", "=1+1", "+33 6", "-3", "@SUM(A1)", "\tx", "ok", 5, -2, None]]
    header, row = read(list(CsvExport().write(["=titre", "b"], rows)))
    assert header == ["'=titre", "b"]
    assert row == ["", "'=1+1", "'+33 6", "'-3", "'@SUM(A1)", "'\tx", "ok", "5", "-2", ""]


def test_rows_across_chunks_are_all_written_in_order() -> None:
    count = ROWS_PER_CHUNK * 2 + 7
    chunks = list(CsvExport().write(["n"], ([n] for n in range(count))))
    assert len(chunks) >= 3
    assert [int(row[0]) for row in read(chunks)[1:]] == list(range(count))
    assert read(list(CsvExport().write(["n"], []))) == [["n"]]
