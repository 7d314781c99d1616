"""Export datasets: what the back office exports of a dialogue (``responses``, ...), and
their streaming through an export format.

Plugins add datasets through the ``register_export_datasets`` hook. A dataset reads the
database asynchronously while export formats write synchronously (they are plain
generators, simple to write); :func:`stream_export` joins the two without holding more
than a batch of rows and a chunk of the file in memory. A dataset may instead give its
lines already written, for a format of lines (:meth:`ExportDataset.lines_in`), and
:func:`export_file` takes them when it does.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.exports import LineExportFormat

if TYPE_CHECKING:
    from core.exports import ExportFormat
    from core.models import Dialogue
    from core.plugin_manager import Plugins

#: Rows handed to the export format at a time.
ROWS_PER_BATCH = 5_000

Row = Sequence[Any]


class ExportDataset(ABC):
    """Base class of export datasets; subclasses set the attributes and the methods."""

    #: Stable id, the ``what`` of the export request (``"responses"``).
    id: ClassVar[str]
    #: Human name, shown in the back office.
    title: ClassVar[str]

    @abstractmethod
    def applies_to(self, dialogue: Dialogue) -> bool:
        """Whether ``dialogue`` has this dataset (without touching the database)."""

    @abstractmethod
    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        """The column titles; they may depend on the dialogue's settings in the
        database (one column per question of a questionnaire)."""

    def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Row]:
        """The rows, read lazily: an async generator that fetches them in batches.

        Implement this one, or :meth:`rows_in` when the rows need the export's context.
        """
        raise NotImplementedError(f"export dataset {self.id!r} implements no rows")

    def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        """The rows of an export made with ``context``: what the export route calls.

        The default is :meth:`rows`. A dataset overrides this one when its rows need the
        app's plugins (a vote type to show vote values) or its secret key (to replace
        people by pseudonyms that no one can trace back without the key).
        """
        return self.rows(session, dialogue)

    def lines_in(
        self,
        session: AsyncSession,
        dialogue: Dialogue,
        context: ExportContext,
        export_format: LineExportFormat,
    ) -> AsyncIterator[str] | None:
        """The rows of :meth:`rows_in` already written as lines of ``export_format``, in
        chunks of whole lines; or ``None`` (the default) to have the format write them.

        A dataset of millions of rows implements this when the database can put its
        lines together faster than Python makes and writes rows one by one (on
        PostgreSQL, say). The lines must be those the format writes of :meth:`rows_in`,
        byte for byte: build them from parts written by ``export_format.cells``.
        """
        return None


@dataclass(frozen=True)
class ExportContext:
    """What an export knows besides the dialogue: the app's plugins, its secret key, and
    the staff member who asked."""

    plugins: Plugins
    secret_key: str
    requested_by: int | None = None


async def _next_batch(rows: AsyncIterator[Row]) -> list[Row]:
    batch: list[Row] = []
    async for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_BATCH:
            break
    return batch


async def stream_export(
    export_format: ExportFormat, columns: Sequence[str], rows: AsyncIterator[Row]
) -> AsyncIterator[bytes]:
    """Yields the file's chunks: ``export_format.write`` runs in a worker thread and,
    whenever it wants rows, asks the event loop for the next batch of ``rows``."""
    loop = asyncio.get_running_loop()

    def pull() -> Iterator[Row]:
        while batch := asyncio.run_coroutine_threadsafe(_next_batch(rows), loop).result():
            yield from batch

    chunks = export_format.write(columns, pull())
    try:
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk
    finally:
        # When the download is cancelled, the worker thread may still be inside the
        # format's generator or the rows: they are then left to the garbage collector.
        with suppress(ValueError):
            getattr(chunks, "close", lambda: None)()
        with suppress(RuntimeError):
            await getattr(rows, "aclose", _nothing)()


def export_file(
    dataset: ExportDataset,
    export_format: ExportFormat,
    columns: Sequence[str],
    session: AsyncSession,
    dialogue: Dialogue,
    context: ExportContext,
) -> AsyncIterator[bytes]:
    """The chunks of the export file of ``dataset`` in ``export_format``: its lines as
    the dataset writes them when it can (:meth:`ExportDataset.lines_in`), else its rows
    written by the format (:func:`stream_export`)."""
    if isinstance(export_format, LineExportFormat):
        lines = dataset.lines_in(session, dialogue, context, export_format)
        if lines is not None:
            return export_format.write_lines(columns, lines)
    return stream_export(export_format, columns, dataset.rows_in(session, dialogue, context))


async def _nothing() -> None:
    return None
