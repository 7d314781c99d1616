"""A vote costs a handful of queries, however full the ballot (no query per vote)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from core.db import Database
from participe.testing import put_vote, replace, vote_dialogue
from tests.conftest import World

Client = AsyncTestClient[Litestar]


@contextmanager
def counted_queries(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_a_vote_costs_the_same_queries_on_a_full_ballot(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}}, proposals=42)
    first, second, *others = setup.proposals
    await put_vote(client, world.bob, setup, first)  # the ballot exists

    with counted_queries(database) as small:
        assert (await put_vote(client, world.bob, setup, second)).status_code == 200
    await replace(client, world.bob, setup, {pid: 1 for pid in others})
    with counted_queries(database) as full:
        assert (await put_vote(client, world.bob, setup, first)).status_code == 200
    assert len(full) == len(small)
    # Organisation, token, groups, dialogue with phases and groups, proposal; then the
    # ballot lock, its votes, and the writes (ballot, vote, log).
    assert len([s for s in small if not s.startswith("BEGIN")]) <= 13, small
