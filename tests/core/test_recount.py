"""The recount from the vote log: equal to the tally after every kind of change, and
different as soon as a ballot changed without the engine; the ``participe recount``
command."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, insert, select

from core.db import Database, utcnow
from core.models import Ballot, Dialogue, Vote, VoteLogEntry
from core.plugin_manager import Plugins
from core.services import ballots, recount
from core.services.recount import ReplayedBallot
from participe.testing import VoteSetup, put_vote, replace, vote_dialogue
from tests.conftest import World
from tests.vote_log_helpers import unguarded
from web.cli import main

Client = AsyncTestClient[Litestar]


async def busy_dialogue(
    client: Client, world: World, database: Database, plugins: Plugins
) -> VoteSetup:
    """A dialogue whose ballots went through every kind of change, void included."""
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"min_votes": 2}}, proposals=4
    )
    a, b, c, d = setup.proposals
    confirm = setup.ballot + "/confirm"
    carole = await world.person("carole@example.org")
    await put_vote(client, world.alice, setup, a)
    await put_vote(client, world.alice, setup, b)
    await client.post(confirm, headers=world.alice.headers)
    await put_vote(client, world.alice, setup, c)
    await client.delete(setup.vote(a), headers=world.alice.headers)
    await replace(client, world.bob, setup, {a: 1, d: 1})
    await client.post(confirm, headers=world.bob.headers)
    await replace(client, world.bob, setup, {b: 1, c: 1, d: 1})
    await client.delete(setup.vote(b), headers=world.bob.headers)
    await client.delete(setup.vote(c), headers=world.bob.headers)  # unconfirmed
    await replace(client, carole, setup, {c: 1, d: 1})
    await client.post(confirm, headers=carole.headers)
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        ballot_id = await session.scalar(select(Ballot.id).where(Ballot.user_id == carole.user.id))
        assert ballot_id is not None
        await ballots.void_ballot(session, plugins, dialogue, ballot_id, "doublon", now=utcnow())
        await session.commit()
    return setup


async def report_of(
    database: Database, plugins: Plugins, setup: VoteSetup
) -> recount.RecountReport:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        return await recount.recount(session, plugins, dialogue)


async def test_the_log_replays_every_change(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await busy_dialogue(client, world, database, plugins)
    a, b, c, d = setup.proposals
    report = await report_of(database, plugins, setup)
    assert report.ok, report.differences
    # Only Alice's ballot counts: Bob's went back to draft, Carole's was voided.
    assert report.from_log == report.from_ballots
    assert report.from_ballots.ballots_counted == 1
    assert report.from_ballots.proposals == {
        a: {"supports": 0},
        b: {"supports": 1},
        c: {"supports": 1},
        d: {"supports": 0},
    }
    async with database.session() as session:
        actions = set(await session.scalars(select(VoteLogEntry.action)))
    assert actions == {"cast", "withdraw", "replace", "confirm", "unconfirm", "void"}


async def test_a_change_made_behind_the_engine_is_found(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await busy_dialogue(client, world, database, plugins)
    a = setup.proposals[0]
    async with database.session() as session:
        ballot_id = await session.scalar(
            select(Ballot.id).where(Ballot.user_id == world.alice.user.id)
        )
        await session.execute(insert(Vote).values(ballot_id=ballot_id, proposal_id=a, value=1))
        await session.commit()
    report = await report_of(database, plugins, setup)
    assert not report.ok
    assert report.from_ballots.proposals[a] == {"supports": 1}
    assert report.from_log.proposals[a] == {"supports": 0}
    assert any(f"ballot {ballot_id}:" in line for line in report.differences)
    assert any(f"proposal {a}:" in line for line in report.differences)


async def test_a_lost_log_entry_is_found(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await busy_dialogue(client, world, database, plugins)
    async with database.session() as session:
        async with unguarded(session):
            await session.execute(delete(VoteLogEntry).where(VoteLogEntry.action == "unconfirm"))
        await session.commit()
    report = await report_of(database, plugins, setup)
    assert not report.ok
    assert any("ballots counted: log 2 != ballots 1" in line for line in report.differences)
    assert not report.chain.intact


def test_replaying_refuses_malformed_entries() -> None:
    ballot = ReplayedBallot()
    ballot.apply("cast", 3, 1)
    ballot.apply("replace", 4, 2)
    ballot.apply("replace", 3, None)
    ballot.apply("confirm", None, None)
    assert (ballot.votes, ballot.counted) == ({4: 2}, True)
    for action, proposal_id, value in (("cast", None, 1), ("change", 3, None), ("burn", 3, 1)):
        with pytest.raises(ValueError):
            ballot.apply(action, proposal_id, value)


def row(out: str, proposal_id: int) -> str:
    """The line of ``proposal_id`` in the command's table, spaces squeezed."""
    [line] = [line for line in out.splitlines() if line.startswith(f"{proposal_id} ")]
    return " ".join(line.split())


async def test_the_recount_command(
    client: Client,
    world: World,
    database: Database,
    database_url: str,
    plugins: Plugins,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = await busy_dialogue(client, world, database, plugins)
    b = setup.proposals[1]
    monkeypatch.setenv("PARTICIPE_DATABASE_URL", database_url)
    monkeypatch.setenv("PARTICIPE_LOAD_ENTRY_POINTS", "off")
    capsys.readouterr()

    assert await asyncio.to_thread(main, ["recount", setup.slug, "--org", "ville"]) == 0
    out = capsys.readouterr().out
    assert "ballots counted: 1 from ballots, 1 from log" in out
    assert row(out, b) == f'{b} {{"supports": 1}} {{"supports": 1}}'
    assert "OK: the recount from the vote log equals the tally of the ballots" in out

    async with database.session() as session:
        await session.execute(delete(Vote).where(Vote.proposal_id == b))
        await session.commit()
    assert await asyncio.to_thread(main, ["recount", setup.slug]) == 1
    out = capsys.readouterr().out
    assert row(out, b) == f'{b} {{"supports": 0}} {{"supports": 1}}'
    assert "DIFFERENCES" in out

    assert await asyncio.to_thread(main, ["recount", "inconnue"]) == 1
    assert "introuvable" in capsys.readouterr().err
