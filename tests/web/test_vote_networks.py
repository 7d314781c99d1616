"""The vote log keeps the network a citizen's change came from as a keyed digest
(``core.networks``), for the fraud signals, and never the address itself; staff changes
keep none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from core.db import Base, Database, utcnow
from core.models import Dialogue, VoteLogEntry
from core.networks import network_digest
from core.plugin_manager import Plugins
from core.services import ballots
from core.settings import Settings
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.conftest import World
from web.app import create_app

ADDRESS = "198.51.100.23"
SUPPORT = {"type": "support", "settings": {"min_votes": 0}}


@pytest.fixture
async def remote_client(
    settings: Settings, plugins: Plugins, database: Database
) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client whose requests come from ``ADDRESS``, as behind a server that passes the
    peer's address on."""
    app = create_app(settings, plugins=plugins, database=database)

    async def from_address(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["client"] = (ADDRESS, 40123)
        await app(scope, receive, send)

    async with AsyncTestClient(app=from_address, base_url="http://127.0.0.1") as client:
        yield client


async def _log(database: Database, setup: VoteSetup) -> list[tuple[str, str | None]]:
    async with database.session() as session:
        rows = await session.execute(
            select(VoteLogEntry.action, VoteLogEntry.network)
            .join(Dialogue, Dialogue.id == VoteLogEntry.dialogue_id)
            .where(Dialogue.slug == setup.slug)
            .order_by(VoteLogEntry.id)
        )
        return [(action, network) for action, network in rows]


async def test_a_citizen_change_logs_the_digest_of_its_network(
    remote_client: AsyncTestClient[Any],
    settings: Settings,
    plugins: Plugins,
    database: Database,
    world: World,
) -> None:
    client = remote_client
    setup = await vote_dialogue(client, world, SUPPORT)
    first, second, third = setup.proposals
    assert (await put_vote(client, world.bob, setup, first)).status_code == 200
    withdrawn = await client.delete(setup.vote(first), headers=world.bob.headers)
    assert withdrawn.status_code == 200
    replaced = await client.put(
        setup.ballot, json={"votes": [{"proposal_id": second}]}, headers=world.bob.headers
    )
    assert replaced.status_code == 200
    page = await client.post(
        f"/proposals/{third}/vote",
        data={"value": "1"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert page.status_code == 303

    digest = network_digest(ADDRESS, settings.secret_key)
    assert digest is not None and digest == network_digest("198.51.100.200", settings.secret_key)
    logged = await _log(database, setup)
    assert [action for action, _ in logged] == [
        "cast", "confirm", "withdraw", "unconfirm", "replace", "confirm", "cast",
    ]  # fmt: skip
    assert {network for _, network in logged} == {digest}

    # A staff change (voiding the ballot) comes from no citizen's network.
    async with database.write_session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        ballot_id = await session.scalar(
            select(VoteLogEntry.ballot_id).where(VoteLogEntry.dialogue_id == dialogue.id)
        )
        assert ballot_id is not None
        await ballots.void_ballot(session, plugins, dialogue, ballot_id, "doublon", now=utcnow())
    assert (await _log(database, setup))[-1] == ("void", None)

    # The address itself is stored nowhere, in no table, in no form.
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            for row in rows:
                assert "198.51.100" not in repr(tuple(row)), (table.name, row)
