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


def test_cells_written_in_parts_make_the_line_of_the_row() -> None:
    row = ["=1+1", "a;b", 'dit "oui"', "deux\nlignes", "", None, 7, 1.5, "-", "\\.", "é"]
    export_format = CsvExport()
    written = b"".join(export_format.write(["x"], [row])).decode()
    for cut in range(1, len(row)):
        parts = export_format.cells(row[:cut]) + export_format.cells(row[cut:], last=True)
        assert export_format.head(["x"]) + parts == written
    # An empty cell alone at the end of a row is written as nothing, not as "".
    assert export_format.cells([""], last=True) == "\r\n"
    assert export_format.cells([""]) == ";"
