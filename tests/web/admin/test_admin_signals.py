"""Fraud signals over HTTP: accounts keep the network they were created from, and staff
see the busy networks, follow them to the ballots and void those."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Database
from core.models import Ballot, User, VoteLogEntry
from core.models.users import Role
from core.networks import network_digest
from core.settings import Settings
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.signin_helpers import latest_token
from tests.vote_log_helpers import unguarded

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}
SIGNALS = "/api/v1/admin/signals"


@asynccontextmanager
async def client_from(app: Litestar, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address``, as a real one behind it would."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def _sign_in(client: httpx.AsyncClient, database: Database, email: str) -> None:
    asked = await client.post("/api/v1/auth/email", json={"email": email})
    assert asked.status_code == 202, asked.text
    token = await latest_token(database, email)
    verified = await client.post("/api/v1/auth/verify", json={"token": token})
    assert verified.status_code == 200, verified.text


async def _networks(database: Database) -> dict[str, str | None]:
    async with database.session() as session:
        rows = await session.execute(select(User.email, User.created_network))
        return {email: network for email, network in rows if email}


async def test_sign_in_keeps_the_network_an_account_was_created_from(
    app: Litestar, client: Client, world: World, database: Database, settings: Settings
) -> None:
    office = network_digest("203.0.113.7", settings.secret_key)
    home = network_digest("2001:db8:1:2::5", settings.secret_key)
    assert office and home and office != home
    async with client_from(app, "203.0.113.7") as same_office:
        for index in range(3):
            await _sign_in(same_office, database, f"agent{index}@example.org")
    async with client_from(app, "203.0.113.200") as next_desk:
        await _sign_in(next_desk, database, "agent3@example.org")  # the same /24
    async with client_from(app, "2001:db8:1:ffff::1") as at_home:
        await _sign_in(at_home, database, "voisin@example.org")
        await _sign_in(at_home, database, "agent0@example.org")  # an existing account
    networks = await _networks(database)
    assert [networks[f"agent{index}@example.org"] for index in range(4)] == [office] * 4
    assert networks["voisin@example.org"] == home
    # Accounts not created by a sign-in (here, by the test's setup) have none.
    assert networks["alice@example.org"] is None

    found = await client.get(SIGNALS, params={"accounts": 4}, headers=world.admin.headers)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["hours"] == 24 and body["accounts_threshold"] == 4
    assert [(s["network"], s["count"]) for s in body["accounts"]] == [(office, 4)]
    assert body["votes"] == []
    default = (await client.get(SIGNALS, headers=world.admin.headers)).json()
    assert default["accounts"] == [] and default["accounts_threshold"] == 5


async def test_vote_signals_lead_to_the_ballots_to_void(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    voters = [await world.person(f"v{index}@example.org") for index in range(5)]
    for person in [*voters, world.alice]:
        assert (await put_vote(client, person, setup, setup.proposals[0])).status_code == 200
    busy, quiet = "a" * 32, "b" * 32
    async with database.session() as session:
        ids = {
            user_id: ballot_id
            for ballot_id, user_id in await session.execute(select(Ballot.id, Ballot.user_id))
        }
        stuffed = [ids[person.user.id] for person in voters]
        # The vote path may not keep networks: give the entries theirs here.
        async with unguarded(session):
            await session.execute(
                update(VoteLogEntry).where(VoteLogEntry.ballot_id.in_(stuffed)).values(network=busy)
            )
            await session.execute(
                update(VoteLogEntry)
                .where(VoteLogEntry.ballot_id == ids[world.alice.user.id])
                .values(network=quiet)
            )
        await session.commit()

    body = (await client.get(SIGNALS, headers=world.admin.headers)).json()
    assert [(s["network"], s["count"], s["changes"]) for s in body["votes"]] == [
        (busy, 5, 10)
    ]  # a cast and a confirmation each
    (share,) = body["votes"][0]["dialogues"]
    assert share["slug"] == setup.slug and share["ballots"] == 5 and share["voided"] == 0
    assert share["ballots_url"] == f"/api/v1/admin/dialogues/{setup.slug}/ballots?network={busy}"
    listed = (await client.get(share["ballots_url"], headers=world.admin.headers)).json()
    assert sorted(item["id"] for item in listed["items"]) == sorted(stuffed)

    # The page shows the digest shortened, and links to the ballots' page.
    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    page = await client.get("/admin/signals", headers=moderator.headers)
    assert page.status_code == 200
    assert f">{busy[:10]}</code>" in page.text
    link = f"/admin/dialogues/{setup.slug}/ballots?network={busy}"
    assert f'href="{link}"' in page.text
    ballots_page = await client.get(link, headers=world.admin.headers)
    assert ballots_page.status_code == 200
    for ballot_id in stuffed:
        assert f'id="ballot-{ballot_id}"' in ballots_page.text
    assert f'id="ballot-{ids[world.alice.user.id]}"' not in ballots_page.text
    voided = await client.post(
        f"/admin/dialogues/{setup.slug}/ballots/{stuffed[0]}/void",
        data={"reason": "Bourrage depuis un seul réseau", "network": busy},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert voided.status_code == 303
    assert f"network={busy}" in voided.headers["location"]
    after = (await client.get(SIGNALS, headers=world.admin.headers)).json()
    assert after["votes"][0]["dialogues"][0]["voided"] == 1


async def test_who_may_see_the_signals_and_bad_windows(client: Client, world: World) -> None:
    assert (await client.get(SIGNALS, headers=world.alice.headers)).status_code == 403
    assert (await client.get("/admin/signals", headers=world.alice.headers)).status_code == 403
    assert (await client.get(SIGNALS)).status_code == 401
    reviewer = await world.person("instr@ville.test", Role.REVIEWER)
    assert (await client.get(SIGNALS, headers=reviewer.headers)).status_code == 403
    for params in ({"hours": 0}, {"hours": 100_000}, {"accounts": 0}, {"ballots": "many"}):
        refused = await client.get(SIGNALS, params=params, headers=world.admin.headers)
        assert refused.status_code == 400, params
        assert refused.json()["code"] == "validation"
    page: Any = await client.get(
        "/admin/signals", params={"hours": "0", "ballots": "beaucoup"}, headers=world.admin.headers
    )
    assert page.status_code == 422
    assert "supérieur ou égal à 1" in page.text and "nombre entier" in page.text
    too_long = await client.get(
        "/admin/signals", params={"hours": "100000"}, headers=world.admin.headers
    )
    assert too_long.status_code == 422 and "Entre 1 et 2160 heures" in too_long.text
