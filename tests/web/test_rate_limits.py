"""Rate limits on routes: sign-in per network address and per email address, proposals
and comments per account (their pages as their API); 429 with ``Retry-After`` and the code
``rate_limited``; shared by every worker through Redis."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from core.db import Database
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.helpers import create_dialogue, solved_form
from tests.signin_helpers import form_token
from web.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"
# Rates per day: a test's few hits never straddle two windows (but once a day).


@asynccontextmanager
async def limited_client(
    settings: Settings,
    plugins: Plugins,
    database: Database,
    rates: Mapping[str, str],
    **changes: object,
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    limited = settings.replace(
        **{"rate_limits": True, "rate_limit_overrides": dict(rates), **changes}
    )
    app = create_app(limited, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


def assert_limited(response: object) -> None:
    status = getattr(response, "status_code", None)
    assert status == 429, getattr(response, "text", response)
    headers = getattr(response, "headers", {})
    assert 1 <= int(headers["retry-after"]) <= 86400
    if "json" in headers.get("content-type", ""):
        assert response.json()["code"] == "rate_limited"  # type: ignore[attr-defined]


async def test_sign_in_is_limited_per_network_address(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"signin_ip": "3/day"}) as client:
        for n in range(3):
            answer = await client.post("/api/v1/auth/email", json={"email": f"p{n}@example.org"})
            assert answer.status_code == 202
        assert_limited(await client.post("/api/v1/auth/email", json={"email": "p9@example.org"}))
        # The page shares the address's budget, and says so on an error page.
        token = await form_token(client, "/signin")
        page = await client.post("/signin", data={"email": "p8@example.org", "csrf_token": token})
        assert_limited(page)
        assert "text/html" in page.headers["content-type"]


async def test_sign_in_is_limited_per_email_address(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"signin": "2/day"}) as client:
        for _ in range(2):
            answer = await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
            assert answer.status_code == 202
        assert_limited(await client.post("/api/v1/auth/email", json={"email": " BOB@example.org "}))
        # A known and an unknown address are limited alike.
        for _ in range(2):
            await client.post("/api/v1/auth/email", json={"email": "nobody@example.org"})
        assert_limited(
            await client.post("/api/v1/auth/email", json={"email": "nobody@example.org"})
        )
        other = await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
        assert other.status_code == 202


async def test_link_redemptions_are_limited_per_network_address(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"verify_ip": "2/day"}) as client:
        for _ in range(2):
            answer = await client.post("/api/v1/auth/verify", json={"token": "guess"})
            assert answer.status_code == 400
        assert_limited(await client.post("/api/v1/auth/verify", json={"token": "guess"}))


async def test_proposals_are_limited_per_account(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    rates = {"proposal": "2/day", "proposal_ip": "50/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        url = "/api/v1/dialogues/nowhere/proposals"
        body = {"title": "Des bancs", "body": "Place du marché"}
        for _ in range(2):
            answer = await client.post(url, json=body, headers=world.alice.headers)
            assert answer.status_code == 404  # counted before the handler runs
        assert_limited(await client.post(url, json=body, headers=world.alice.headers))
        assert (await client.post(url, json=body, headers=world.bob.headers)).status_code == 404


async def test_limits_can_be_turned_off(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with limited_client(
        settings, plugins, database, {"signin_ip": "1/day"}, rate_limits=False
    ) as client:
        for n in range(5):
            answer = await client.post("/api/v1/auth/email", json={"email": f"q{n}@example.org"})
            assert answer.status_code == 202


async def test_workers_share_their_counters_through_redis(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    prefix = f"participe-test-{uuid.uuid4().hex}"
    rates = {"signin_ip": "3/day"}
    try:
        for worker in range(3):  # three apps, as three workers would be
            async with limited_client(
                settings, plugins, database, rates, redis_url=REDIS_URL, redis_prefix=prefix
            ) as client:
                answer = await client.post(
                    "/api/v1/auth/email", json={"email": f"w{worker}@example.org"}
                )
                assert answer.status_code == 202
        async with limited_client(
            settings, plugins, database, rates, redis_url=REDIS_URL, redis_prefix=prefix
        ) as client:
            assert_limited(
                await client.post("/api/v1/auth/email", json={"email": "w9@example.org"})
            )
    finally:
        redis = Redis.from_url(REDIS_URL)
        keys = await redis.keys(f"{prefix}:*")
        assert keys
        await redis.delete(*keys)
        await redis.aclose()


async def test_comments_are_limited_per_account(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    rates = {"comment": "2/day", "comment_ip": "50/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        await create_dialogue(client, world.admin.headers)
        created = await client.post(
            "/api/v1/dialogues/budget-2027/proposals",
            json={"title": "Des bancs", "body": "Place du marché"},
            headers=world.alice.headers,
        )
        proposal_id = created.json()["id"]
        api = f"/api/v1/proposals/{proposal_id}/comments"
        page = f"/proposals/{proposal_id}/comments"
        answer = await client.post(api, json={"body": "Oui !"}, headers=world.bob.headers)
        assert answer.status_code == 201
        posted = await client.post(
            page, data={"body": "Et ici"}, headers=world.bob.headers, follow_redirects=False
        )
        assert posted.status_code == 303  # the page and the API share the budget
        assert_limited(await client.post(api, json={"body": "Encore"}, headers=world.bob.headers))
        refused = await client.post(page, data={"body": "Encore"}, headers=world.bob.headers)
        assert_limited(refused)
        assert "text/html" in refused.headers["content-type"]
        other = await client.post(api, json={"body": "Moi aussi"}, headers=world.alice.headers)
        assert other.status_code == 201


async def test_comments_are_limited_per_network_address(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"comment_ip": "1/day"}) as client:
        url = "/api/v1/proposals/999/comments"
        answer = await client.post(url, json={"body": "Oui"}, headers=world.bob.headers)
        assert answer.status_code == 404  # counted before the handler runs
        assert_limited(await client.post(url, json={"body": "Oui"}, headers=world.alice.headers))


async def test_the_proposal_form_is_limited_like_the_api(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    """Over the limit, the form comes back (429, ``Retry-After``) with what was typed and
    when to send it again; the API shares the count and keeps its code."""
    rates = {"proposal": "1/day", "proposal_ip": "50/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        await create_dialogue(client, world.admin.headers)
        api = "/api/v1/dialogues/budget-2027/proposals"
        form = "/dialogues/budget-2027/proposals/new"
        first = await client.post(
            api, json={"title": "Des bancs", "body": "Ici"}, headers=world.alice.headers
        )
        assert first.status_code == 201
        typed = {"title": "Un jardin partagé", "body": "Place du marché, avec des bacs."}
        refused = await client.post(
            form,
            data={
                **typed,
                "action": "publish",
                **await solved_form(client, form, world.alice.headers),
            },
            headers=world.alice.headers,
        )
        assert_limited(refused)
        assert "text/html" in refused.headers["content-type"]
        assert 'value="Un jardin partagé"' in refused.text
        assert "Place du marché, avec des bacs." in refused.text
        assert "Vous avez envoyé beaucoup de propositions en peu de temps" in refused.text
        assert re.search(r"à partir de \d\d:\d\d \(dans \d+ minutes?\)", refused.text)
        assert_limited(
            await client.post(
                api, json={"title": "Encore", "body": "Ici"}, headers=world.alice.headers
            )
        )
        english = await client.post(
            form,
            data={**typed, "action": "publish"},
            headers={**world.alice.headers, "Accept-Language": "en"},
        )
        assert_limited(english)
        assert "You have sent many proposals in a short time" in english.text


async def test_drafts_and_staff_have_limits_of_their_own(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    """Saving a draft publishes nothing: it does not use up the publishing limit (it has a
    higher one of its own); staff publish under a higher limit than citizens."""
    rates = {"proposal": "1/day", "proposal_draft": "2/day", "proposal_staff": "3/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        await create_dialogue(client, world.admin.headers)
        api = "/api/v1/dialogues/budget-2027/proposals"

        async def post(headers: dict[str, str], draft: bool = False) -> int:
            body = {"title": "Des bancs", "body": "Ici", "draft": draft}
            return (await client.post(api, json=body, headers=headers)).status_code

        assert [await post(world.alice.headers, draft=True) for _ in range(3)] == [201, 201, 429]
        assert [await post(world.alice.headers) for _ in range(2)] == [201, 429]
        assert [await post(world.admin.headers) for _ in range(4)] == [201, 201, 201, 429]


async def test_votes_are_limited_per_account_on_the_api_and_the_pages(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    rates = {"vote": "3/day", "vote_ip": "1000/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
        first, second, _ = setup.proposals
        assert (await put_vote(client, world.bob, setup, first)).status_code == 200
        withdrawn = await client.delete(setup.vote(first), headers=world.bob.headers)
        assert withdrawn.status_code == 200
        page = await client.post(
            f"/proposals/{second}/vote",
            data={"value": "1"},
            headers=world.bob.headers,
            follow_redirects=False,
        )
        assert page.status_code == 303
        # Every change of a ballot counts: a vote, a replacement, a confirmation, a form.
        assert_limited(await put_vote(client, world.bob, setup, first))
        assert_limited(
            await client.put(setup.ballot, json={"votes": []}, headers=world.bob.headers)
        )
        assert_limited(await client.post(setup.ballot + "/confirm", headers=world.bob.headers))
        assert_limited(
            await client.post(
                f"/proposals/{first}/vote", data={"value": "1"}, headers=world.bob.headers
            )
        )
        # Nothing refused was cast, and another citizen still votes.
        ballot = (await client.get(setup.ballot, headers=world.bob.headers)).json()
        assert [vote["proposal_id"] for vote in ballot["votes"]] == [second]
        assert (await put_vote(client, world.alice, setup, first)).status_code == 200


async def test_votes_are_limited_per_network_address(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    rates = {"vote": "1000/day", "vote_ip": "2/day"}
    async with limited_client(settings, plugins, database, rates) as client:
        setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
        first, second, _ = setup.proposals
        assert (await put_vote(client, world.bob, setup, first)).status_code == 200
        assert (await put_vote(client, world.alice, setup, first)).status_code == 200
        assert_limited(await put_vote(client, world.alice, setup, second))
