"""The ballot events, through a small plugin: ``ballot_changed`` and
``ballot_confirmed`` fire once per committed change, never for a refused one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.hookspecs import hookimpl
from core.models import Ballot, VoteLogEntry
from core.settings import Settings
from participe.testing import put_vote, replace, vote_dialogue
from tests.conftest import World
from web.app import create_app
from web.plugins import build_plugins


class Probe:
    """Records every ballot event with what the ballot looked like and whether the change
    was already committed (its log entries visible from another connection)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    @hookimpl
    def ballot_changed(self, ballot: Any, dialogue: Any, action: str) -> None:
        self.events.append(("changed", action, ballot.status.value, dialogue.slug))

    @hookimpl
    def ballot_confirmed(self, ballot: Any, dialogue: Any) -> None:
        self.events.append(("confirmed", ballot.status.value, dialogue.slug))

    def take(self) -> list[tuple[str, ...]]:
        events, self.events = self.events, []
        return events


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
async def probed(
    settings: Settings, database: Database, probe: Probe
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    plugins = build_plugins(settings, extra=[("probe", probe)])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def test_hook_ballot_changed_and_confirmed_with_a_minimum(
    probed: AsyncTestClient[Litestar], world: World, probe: Probe, database: Database
) -> None:
    client = probed
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"min_votes": 2, "max_votes": 2}}
    )
    a, b, c = setup.proposals
    slug = setup.slug
    await put_vote(client, world.bob, setup, a)
    assert probe.take() == [("changed", "cast", "draft", slug)]
    await put_vote(client, world.bob, setup, b)
    await client.post(setup.ballot + "/confirm", headers=world.bob.headers)
    assert probe.take() == [("changed", "cast", "draft", slug), ("confirmed", "confirmed", slug)]

    # Refused or empty changes fire nothing.
    assert (await put_vote(client, world.bob, setup, c)).status_code == 409
    await put_vote(client, world.bob, setup, a)
    await client.delete(setup.vote(c), headers=world.bob.headers)
    await client.post(setup.ballot + "/confirm", headers=world.bob.headers)
    assert probe.take() == []

    await replace(client, world.bob, setup, {a: 1, c: 1})
    assert probe.take() == [("changed", "replace", "confirmed", slug)]
    await client.delete(setup.vote(a), headers=world.bob.headers)
    assert probe.take() == [
        ("changed", "withdraw", "draft", slug),
        ("changed", "unconfirm", "draft", slug),
    ]
    # The events came after the commit: what they saw is stored.
    async with database.session() as session:
        status = await session.scalar(select(Ballot.status))
        actions = list(await session.scalars(select(VoteLogEntry.action).order_by(VoteLogEntry.id)))
    assert status == "draft"
    assert actions[-2:] == ["withdraw", "unconfirm"]


async def test_hook_ballot_confirmed_by_the_first_vote_without_a_minimum(
    probed: AsyncTestClient[Litestar], world: World, probe: Probe
) -> None:
    client = probed
    setup = await vote_dialogue(client, world, {"type": "binary", "settings": {}})
    a = setup.proposals[0]
    await put_vote(client, world.bob, setup, a, "yes")
    assert probe.take() == [
        ("changed", "cast", "confirmed", setup.slug),
        ("confirmed", "confirmed", setup.slug),
    ]
    await put_vote(client, world.bob, setup, a, "no")
    assert probe.take() == [("changed", "change", "confirmed", setup.slug)]
    await client.delete(setup.vote(a), headers=world.bob.headers)
    assert probe.take() == [
        ("changed", "withdraw", "draft", setup.slug),
        ("changed", "unconfirm", "draft", setup.slug),
    ]
