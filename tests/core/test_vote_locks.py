"""A ballot change and a change of what judges it are serialised on the dialogue's row
(``core.services.vote_locks``): a phase switch waits for the votes under way, a vote waits
for the switch under way and is then judged against it, and a worker's stale copy of the
dialogue never judges a vote. Real concurrent transactions on PostgreSQL; on SQLite the
database's single writer serialises them anyway, and the version check still applies."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.db import Database, utcnow
from core.errors import Conflict
from core.models import Dialogue, User, Vote
from core.plugin_manager import Plugins
from core.services import ballots, phases
from participe.testing import vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import World

SUPPORT = {"type": "support", "settings": {}}
#: How long a transaction that must wait is given to show that it does.
WAIT = 0.5


async def _load(database: Database, slug: str, email: str) -> tuple[Dialogue, User]:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        user = await session.scalar(select(User).where(User.email == email))
        assert dialogue is not None and user is not None
        await session.refresh(dialogue, ["phases"])
        return dialogue, user


async def _votes(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Vote)) or 0)


def _postgresql_only(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one write transaction at a time: nothing runs concurrently")


async def test_a_phase_switch_waits_for_the_votes_under_way(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    _postgresql_only(database)
    setup = await vote_dialogue(client, world, SUPPORT)
    dialogue, bob = await _load(database, setup.slug, "bob@example.org")
    async with database.session() as voting, database.session() as staff:
        await ballots.cast_vote(
            voting, plugins, dialogue, bob, setup.proposals[0], None, now=utcnow()
        )
        staff_dialogue = await staff.get_one(Dialogue, dialogue.id)

        async def switch() -> None:
            await phases.switch_phase(staff, plugins, staff_dialogue, "results", utcnow())
            await staff.commit()

        switching = asyncio.create_task(switch())
        await asyncio.sleep(WAIT)
        assert not switching.done(), "the switch did not wait for the vote under way"
        await voting.commit()
        await asyncio.wait_for(switching, 10)
    assert await _votes(database) == 1


async def test_a_vote_waits_for_a_switch_under_way_and_is_judged_against_it(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    _postgresql_only(database)
    setup = await vote_dialogue(client, world, SUPPORT)
    dialogue, bob = await _load(database, setup.slug, "bob@example.org")
    async with database.session() as staff, database.session() as voting:
        await phases.switch_phase(
            staff, plugins, await staff.get_one(Dialogue, dialogue.id), "results", utcnow()
        )

        async def vote() -> None:
            await ballots.cast_vote(
                voting, plugins, dialogue, bob, setup.proposals[0], None, now=utcnow()
            )

        casting = asyncio.create_task(vote())
        await asyncio.sleep(WAIT)
        assert not casting.done(), "the vote did not wait for the switch under way"
        await staff.commit()
        with pytest.raises(Conflict) as refused:
            await asyncio.wait_for(casting, 10)
        assert refused.value.code == "vote.phase_closed"
    assert await _votes(database) == 0


async def test_a_stale_copy_of_the_dialogue_never_judges_a_vote(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    """The copy a worker held before another closed the vote (its snapshot) says the vote
    is open: the version read under the lock says otherwise."""
    setup = await vote_dialogue(client, world, SUPPORT)
    stale, bob = await _load(database, setup.slug, "bob@example.org")
    async with database.session() as staff:
        await phases.switch_phase(
            staff, plugins, await staff.get_one(Dialogue, stale.id), "results", utcnow()
        )
        await staff.commit()
    async with database.session() as voting:
        copy = await voting.merge(stale, load=False)
        with pytest.raises(Conflict) as refused:
            await ballots.cast_vote(
                voting, plugins, copy, bob, setup.proposals[0], None, now=utcnow()
            )
        assert refused.value.code == "vote.phase_closed"
    assert await _votes(database) == 0
