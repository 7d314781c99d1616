"""The ballots export's lines put together by PostgreSQL, for the line formats (CSV).

A million votes made into rows one by one in Python, then written by the CSV writer,
take many seconds; a vote's line is only the parts of its ballot, its proposal and its
value put end to end. So Python writes each part once, with the format's own writer
(:meth:`~core.exports.LineExportFormat.cells`): a ballot's cells (its pseudonym needs the
app's secret key, which never goes to the database) for a batch of ballots, a proposal's
and a value's cells the first time they come; and PostgreSQL joins them to the votes and
concatenates the lines of a batch into one text. The lines are thus those the format
writes of the dataset's rows, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import DateTime, String, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.exports import LineExportFormat
from core.models import Ballot

#: Ballots whose lines make one query's text (ten votes each: about a megabyte).
BALLOTS_PER_QUERY = 1_000

#: The cells of a ballot's rows: from its id, voter, status, voiding and confirmation.
BallotCells = Callable[[int, int | None, str, datetime | None, datetime | None], Sequence[Any]]

# The parts go as JSON objects from id to cells (dumped in C, where arrays of text are
# escaped element by element in Python). The cells of proposals and values not sent yet
# leave a line out: they are counted, learnt, and the batch read again (the first batch,
# and when a vote cast during the export brings a proposal or a value not met yet).
LINES = text(
    """
    SELECT string_agg(b.cells || p.cells || x.cells, '' ORDER BY v.ballot_id, v.proposal_id),
           count(*) FILTER (WHERE p.cells IS NULL OR x.cells IS NULL)
    FROM votes AS v
    JOIN json_each_text(CAST(:ballots AS json)) AS b (id, cells)
        ON CAST(b.id AS bigint) = v.ballot_id
    LEFT JOIN json_each_text(CAST(:proposals AS json)) AS p (id, cells)
        ON CAST(p.id AS bigint) = v.proposal_id
    LEFT JOIN json_each_text(CAST(:vote_values AS json)) AS x (value, cells)
        ON CAST(x.value AS bigint) = v.value
    WHERE v.ballot_id BETWEEN :first AND :last
    """
)

PARTS = text(
    """
    SELECT DISTINCT v.proposal_id, p.title, v.value
    FROM votes AS v
    JOIN ballots AS b ON b.id = v.ballot_id
    JOIN proposals AS p ON p.id = v.proposal_id
    WHERE b.dialogue_id = :dialogue_id AND v.ballot_id BETWEEN :first AND :last
    """
)


class _Parts:
    """The cells of the proposals and the values met so far, ready to be sent."""

    def __init__(
        self, dialogue_id: int, export_format: LineExportFormat, shown: Callable[[int], Any]
    ) -> None:
        self.dialogue_id = dialogue_id
        self.export_format = export_format
        self.shown = shown
        self.proposals: dict[int, str] = {}
        self.values: dict[int, str] = {}
        self.parameters = self._dumped()

    async def learn(self, connection: AsyncConnection, first: int, last: int) -> None:
        """Learns the proposals and values of the votes of the dialogue's ballots from
        ``first`` to ``last`` (not of another dialogue's ballots among them: their values
        may mean nothing to this dialogue's vote type)."""
        found = await connection.execute(
            PARTS, {"dialogue_id": self.dialogue_id, "first": first, "last": last}
        )
        for proposal_id, title, raw in found:
            if proposal_id not in self.proposals:
                self.proposals[proposal_id] = self.export_format.cells([proposal_id, title])
            if raw not in self.values:
                self.values[raw] = self.export_format.cells([self.shown(raw)], last=True)
        self.parameters = self._dumped()

    def _dumped(self) -> dict[str, str]:
        return {"proposals": json.dumps(self.proposals), "vote_values": json.dumps(self.values)}


async def ballot_lines(
    session: AsyncSession,
    dialogue_id: int,
    export_format: LineExportFormat,
    ballot_cells: BallotCells,
    shown: Callable[[int], Any],
) -> AsyncIterator[str]:
    """The lines of the votes of ``dialogue_id``'s ballots, by ballot and proposal, in
    chunks of :data:`BALLOTS_PER_QUERY` ballots: ``ballot_cells`` then the proposal's
    number and title, then ``shown`` of the vote's value."""
    connection = await session.connection()
    # The driver prepares a statement run often, and PostgreSQL may then keep a generic
    # plan, made without the parameters: plan each batch for its own range of ballots
    # (a generic plan once looped over the proposals for every vote, 40 times slower).
    await connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    parts = _Parts(dialogue_id, export_format, shown)
    after = 0
    while ballots := await _ballots(connection, dialogue_id, after):
        ids = [ballot[0] for ballot in ballots]
        cells = [export_format.cells(ballot_cells(*ballot)) for ballot in ballots]
        if lines := await _lines(connection, ids, cells, parts):
            yield lines
        after = ids[-1]


async def _ballots(connection: AsyncConnection, dialogue_id: int, after: int) -> list[Any]:
    """The next ballots after ``after``, with what their cells are made of."""
    return list(
        await connection.execute(
            select(
                Ballot.id,
                Ballot.user_id,
                # Read raw and converted as the rows of the Python path convert them.
                type_coerce(Ballot.status, String()),
                type_coerce(Ballot.voided_at, DateTime(timezone=True)),
                type_coerce(Ballot.confirmed_at, DateTime(timezone=True)),
            )
            .where(Ballot.dialogue_id == dialogue_id, Ballot.id > after)
            .order_by(Ballot.id)
            .limit(BALLOTS_PER_QUERY)
        )
    )


async def _lines(
    connection: AsyncConnection, ids: list[int], cells: list[str], parts: _Parts
) -> str | None:
    """The lines of the votes of the ballots ``ids`` (whose cells are ``cells``), once
    the cells of all their proposals and values are known."""
    first, last = ids[0], ids[-1]
    batch = {
        "ballots": json.dumps(dict(zip(ids, cells, strict=True))),
        "first": first,
        "last": last,
    }
    while True:
        lines, missing = (await connection.execute(LINES, {**batch, **parts.parameters})).one()
        if not missing:
            return cast(str | None, lines)
        await parts.learn(connection, first, last)
