"""The account page ``/me`` and ``/api/v1/me``: profile, API tokens made and revoked."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import ApiToken, User
from core.services.users import hash_token
from tests.conftest import World
from tests.signin_helpers import csrf_in, sign_in

NEW_TOKEN = re.compile(r'<code class="token" id="new-token">(pt_[A-Za-z0-9_-]+)</code>')


async def signed_in_page(client: AsyncTestClient[Litestar], database: Database, email: str) -> str:
    await sign_in(client, database, email)
    page = await client.get("/me")
    assert page.status_code == 200
    return csrf_in(page.text)


async def test_the_page_needs_a_signed_in_citizen(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    response = await client.get("/me", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=/me"
    form = await client.get("/signin?next=/me")
    assert 'name="next" value="/me"' in form.text


async def test_changing_the_profile(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    token = await signed_in_page(client, database, "alice@example.org")
    saved = await client.post(
        "/me",
        data={
            "csrf_token": token,
            "display_name": "  Alice   Martin ",
            "postal_code": "44000",
            "language": "en",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/me?saved=1"
    page = await client.get("/me?saved=1")
    assert 'value="Alice Martin"' in page.text and 'value="44000"' in page.text
    assert 'role="status"' in page.text
    async with database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None
        assert (alice.display_name, alice.postal_code, alice.language) == (
            "Alice Martin",
            "44000",
            "en",
        )


async def test_a_refused_change_changes_nothing(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    token = await signed_in_page(client, database, "alice@example.org")
    for fields, field in (
        ({"postal_code": "44<script>"}, "postal_code"),
        ({"display_name": "A" * 81}, "display_name"),
        ({"display_name": "Alice\u202e"}, "display_name"),
        ({"language": "de"}, "language"),
    ):
        answer = await client.post(
            "/me", data={"csrf_token": token, "display_name": "New", **fields}
        )
        assert answer.status_code == 422, fields
        assert f'id="{field}-error"' in answer.text
        assert "<script>" not in answer.text
    async with database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None and alice.display_name == "Alice" and alice.postal_code is None


async def test_a_token_is_shown_once_stored_hashed_and_works(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    csrf_token = await signed_in_page(client, database, "bob@example.org")
    created = await client.post("/me/tokens", data={"csrf_token": csrf_token, "name": "Mon script"})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    match = NEW_TOKEN.search(created.text)
    assert match, created.text
    token = match.group(1)

    assert token not in (await client.get("/me")).text
    async with database.session() as session:
        stored = await session.scalar(
            select(ApiToken).where(
                ApiToken.user_id == world.bob.user.id, ApiToken.name == "Mon script"
            )
        )
        assert stored is not None and stored.token_hash == hash_token(token)
    client.cookies.clear()
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "bob@example.org"


async def test_revoking_a_token(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    csrf_token = await signed_in_page(client, database, "alice@example.org")
    async with database.session() as session:
        token_id = await session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == world.alice.user.id)
        )
    assert f'action="/me/tokens/{token_id}/revoke"' in (await client.get("/me")).text
    revoked = await client.post(
        f"/me/tokens/{token_id}/revoke", data={"csrf_token": csrf_token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert f"/me/tokens/{token_id}/revoke" not in (await client.get("/me")).text
    client.cookies.clear()
    refused = await client.get("/api/v1/me", headers=world.alice.headers)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"


async def test_nobody_revokes_the_token_of_another(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    csrf_token = await signed_in_page(client, database, "alice@example.org")
    async with database.session() as session:
        bobs = await session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == world.bob.user.id)
        )
    answer = await client.post(f"/me/tokens/{bobs}/revoke", data={"csrf_token": csrf_token})
    assert answer.status_code == 404
    assert (await client.get("/api/v1/me", headers=world.bob.headers)).status_code == 200


async def test_the_api_reads_and_changes_the_profile(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    assert (await client.get("/api/v1/me")).json()["code"] == "auth.required"
    me = await client.get("/api/v1/me", headers=world.alice.headers)
    assert me.json() == {
        "id": world.alice.user.id,
        "email": "alice@example.org",
        "display_name": "Alice",
        "role": "citizen",
        "postal_code": None,
        "language": "fr",
    }
    changed = await client.patch(
        "/api/v1/me", json={"postal_code": "97400", "language": "en"}, headers=world.alice.headers
    )
    assert changed.json()["postal_code"] == "97400" and changed.json()["language"] == "en"
    cleared = await client.patch(
        "/api/v1/me", json={"postal_code": None}, headers=world.alice.headers
    )
    assert cleared.json()["postal_code"] is None and cleared.json()["display_name"] == "Alice"
    bad = await client.patch("/api/v1/me", json={"language": "xx"}, headers=world.alice.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "validation"
    unknown = await client.patch("/api/v1/me", json={"role": "admin"}, headers=world.alice.headers)
    assert unknown.status_code == 400


async def test_the_page_lists_the_citizens_drafts(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    """A citizen finds their drafts on /me, each linked to its form; neither what they
    published nor another person's drafts are listed."""
    from tests.helpers import create_dialogue

    await create_dialogue(client, world.admin.headers)
    url = "/api/v1/dialogues/budget-2027/proposals"

    async def propose(headers: dict[str, str], title: str, draft: bool) -> int:
        body = {"title": title, "body": "Un texte.", "draft": draft}
        created = await client.post(url, json=body, headers=headers)
        assert created.status_code == 201, created.text
        return int(created.json()["id"])

    empty = await client.get("/me", headers=world.alice.headers)
    assert "avez aucun brouillon" in empty.text
    draft = await propose(world.alice.headers, "Un banc à finir", True)
    await propose(world.alice.headers, "Une idée publiée", False)
    await propose(world.bob.headers, "Le brouillon de Bob", True)
    page = await client.get("/me", headers=world.alice.headers)
    assert f'<a href="/proposals/{draft}/edit">Un banc à finir</a>' in page.text
    assert "Budget participatif 2027" in page.text
    assert "Une idée publiée" not in page.text and "Le brouillon de Bob" not in page.text
    english = await client.get("/me", headers={**world.alice.headers, "Accept-Language": "en"})
    assert "My drafts" in english.text
