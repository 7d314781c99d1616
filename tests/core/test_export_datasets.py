"""Streaming an export: the synchronous export format reads the asynchronous rows as it
writes, a batch at a time, never the whole dataset first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.csv_export import ROWS_PER_CHUNK, CsvExport
from core.export_datasets import (
    ROWS_PER_BATCH,
    ExportContext,
    ExportDataset,
    Row,
    export_file,
    stream_export,
)
from core.models import Dialogue
from core.plugin_manager import Plugins


async def test_rows_are_read_while_the_file_is_written() -> None:
    produced = 0
    closed = False

    async def rows() -> AsyncIterator[Sequence[Any]]:
        nonlocal produced, closed
        try:
            for n in range(10_000):
                produced += 1
                yield [n]
        finally:
            closed = True

    chunks = stream_export(CsvExport(), ["n"], rows())
    first = await anext(chunks)
    # The first chunk holds ROWS_PER_CHUNK rows; at most one more batch was fetched.
    assert first.decode("utf-8-sig").count("\r\n") == ROWS_PER_CHUNK + 1
    assert produced <= ROWS_PER_CHUNK + ROWS_PER_BATCH
    rest = b"".join([chunk async for chunk in chunks])
    lines = (first + rest).decode("utf-8-sig").splitlines()
    assert lines == ["n", *map(str, range(10_000))]
    assert closed


async def test_a_download_stopped_early_closes_the_rows() -> None:
    closed = False

    async def rows() -> AsyncIterator[Sequence[Any]]:
        nonlocal closed
        try:
            for n in range(100_000):
                yield [n]
        finally:
            closed = True

    chunks = stream_export(CsvExport(), ["n"], rows())
    await anext(chunks)
    await chunks.aclose()
    assert closed


async def test_a_dataset_without_lines_is_written_from_its_rows() -> None:
    class Numbers(ExportDataset):
        id = "numbers"
        title = "Nombres"

        def applies_to(self, dialogue: Dialogue) -> bool:
            return True

        async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
            return ["n"]

        async def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Row]:
            for n in range(3):
                yield [n]

    dataset, context = Numbers(), ExportContext(plugins=cast(Plugins, None), secret_key="k")
    session, dialogue = cast(AsyncSession, None), cast(Dialogue, None)
    assert dataset.lines_in(session, dialogue, context, CsvExport()) is None
    chunks = export_file(dataset, CsvExport(), ["n"], session, dialogue, context)
    assert b"".join([chunk async for chunk in chunks]) == "\ufeffn\r\n0\r\n1\r\n2\r\n".encode()
