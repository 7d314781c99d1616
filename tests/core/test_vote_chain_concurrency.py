"""Entries of one dialogue written by concurrent transactions on PostgreSQL: the head row,
locked by a transaction's commit while it chains its entries and until it ends, chains
them in commit order, without a fork or a gap. Each transaction has its own connection,
and all are released together once every one is open. Without the lock (the head read
without ``FOR UPDATE``) the transactions read the same head and the unique index on
``(dialogue_id, seq)`` refuses all but one of them.

On SQLite a transaction that writes holds the database's only write lock: there is no
concurrency to test.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database, utcnow
from core.models import Ballot, Dialogue, User, VoteLogEntry
from core.plugin_manager import Plugins
from core.services import ballots
from core.services.chain_check import check_chain
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.conftest import Person, World

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}
INSERT_ENTRY = text(
    "INSERT INTO vote_log (dialogue_id, ballot_id, action, reason, created_at)"
    " VALUES (:dialogue_id, :ballot_id, 'confirm', :reason, now())"
)


@pytest.fixture(autouse=True)
def _postgresql_only(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: its transactions cannot interleave")


async def _citizens(client: Client, world: World, count: int) -> tuple[VoteSetup, list[Person]]:
    setup = await vote_dialogue(client, world, SUPPORT, proposals=2)
    people = [await world.person(f"citoyen{index}@example.org") for index in range(count)]
    return setup, people


async def _chain_of(database: Database, dialogue_id: int) -> list[tuple[int, int, int, str]]:
    """``(seq, id, ballot_id, reason)`` of the dialogue's entries, in chain order."""
    async with database.session() as session:
        check = await check_chain(session, dialogue_id)
        assert check.intact, check
        rows = await session.execute(
            select(VoteLogEntry.seq, VoteLogEntry.id, VoteLogEntry.ballot_id, VoteLogEntry.reason)
            .where(VoteLogEntry.dialogue_id == dialogue_id)
            .order_by(VoteLogEntry.seq)
        )
        entries = [(seq, id_, ballot_id, reason) for seq, id_, ballot_id, reason in rows]
    assert [entry[0] for entry in entries] == list(range(1, len(entries) + 1))
    assert check.entries == len(entries)
    return entries


async def test_a_second_transaction_waits_for_the_head_only_at_commit(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    for person in (world.alice, world.bob):
        assert (await put_vote(client, person, setup, setup.proposals[0])).status_code == 200
    async with database.session() as session:
        dialogue_id, ballot_id = (
            await session.execute(select(Ballot.dialogue_id, Ballot.id).limit(1))
        ).one()
    keys = {"dialogue_id": dialogue_id, "ballot_id": ballot_id, "reason": ""}
    before = len(await _chain_of(database, dialogue_id))
    async with database.engine.connect() as first, database.engine.connect() as second:
        await first.begin()
        await first.execute(INSERT_ENTRY, keys)
        await second.begin()
        await second.execute(text("SET LOCAL lock_timeout = '200ms'"))
        # Inserting waits for nobody...
        await second.execute(INSERT_ENTRY, keys)
        # ...but once the first transaction chains its entries, as its commit does, it
        # holds the head until it ends, and the second one's commit waits for it.
        await first.execute(text("SET CONSTRAINTS vote_log_seal IMMEDIATE"))
        with pytest.raises(OperationalError, match="lock timeout"):
            await second.commit()
        await first.commit()
    assert len(await _chain_of(database, dialogue_id)) == before + 1


async def test_concurrent_transactions_chain_their_entries_in_commit_order(
    client: Client, world: World, database: Database
) -> None:
    setup, people = await _citizens(client, world, 20)
    for person in people:
        assert (await put_vote(client, person, setup, setup.proposals[0])).status_code == 200
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        ballot_ids = list(
            await session.scalars(select(Ballot.id).where(Ballot.dialogue_id == dialogue.id))
        )
    before = len(await _chain_of(database, dialogue.id))

    barrier = asyncio.Barrier(len(ballot_ids))

    async def three_entries(ballot_id: int) -> None:
        async with database.engine.connect() as connection:
            await connection.begin()
            await connection.execute(text("SELECT 1"))
            await barrier.wait()
            await _entries_with_pauses(connection, dialogue.id, ballot_id)
            await connection.commit()

    await asyncio.gather(*(three_entries(ballot_id) for ballot_id in ballot_ids))
    added = (await _chain_of(database, dialogue.id))[before:]
    assert len(added) == 3 * len(ballot_ids)
    # A transaction's commit chains its three entries together, under the head's lock:
    # they follow one another.
    for start in range(0, len(added), 3):
        ballot_id = added[start][2]
        assert [entry[2:] for entry in added[start : start + 3]] == [
            (ballot_id, "0"),
            (ballot_id, "1"),
            (ballot_id, "2"),
        ]


async def _entries_with_pauses(connection: AsyncConnection, dialogue_id: int, ballot: int) -> None:
    for n in range(3):
        keys = {"dialogue_id": dialogue_id, "ballot_id": ballot, "reason": str(n)}
        await connection.execute(INSERT_ENTRY, keys)
        await asyncio.sleep(random.uniform(0, 0.005))


async def test_simultaneous_votes_of_many_ballots_make_one_chain(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup, people = await _citizens(client, world, 25)
    barrier = asyncio.Barrier(len(people))

    async def vote(index: int) -> None:
        async with database.session() as session:
            dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
            user = await session.get(User, people[index].user.id)
            assert dialogue is not None and user is not None
            await barrier.wait()
            proposal_id = setup.proposals[index % 2]
            await ballots.cast_vote(
                session, plugins, dialogue, user, proposal_id, None, now=utcnow()
            )
            await session.commit()

    await asyncio.gather(*(vote(index) for index in range(len(people))))
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == setup.slug))
        assert dialogue_id is not None
    entries = await _chain_of(database, dialogue_id)
    # Each first vote is a cast and the confirmation it brings, in one statement.
    assert len(entries) == 2 * len(people)
    assert len({ballot_id for _, _, ballot_id, _ in entries}) == len(people)
