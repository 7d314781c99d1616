"""A session, a token, a sign-in link of one organisation are refused on another's host."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.services import organisations
from tests.conftest import World
from tests.signin_helpers import SESSION_COOKIE, latest_token, outbox_messages, sign_in

OTHER = {"Host": "participer.autre-ville.example"}


async def other_organisation(database: Database) -> None:
    async with database.session() as session:
        await organisations.create_organisation(
            session, slug="autre", name="Autre Ville", hosts=["participer.autre-ville.example"]
        )
        await session.commit()


async def test_a_session_cookie_is_refused_on_another_host(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await other_organisation(database)
    await sign_in(client, database, "alice@example.org")
    assert (await client.get("/api/v1/me")).status_code == 200
    session_id = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    elsewhere = await client.get(
        "/api/v1/me", headers={**OTHER, "Cookie": f"{SESSION_COOKIE}={session_id}"}
    )
    assert elsewhere.status_code == 401 and elsewhere.json()["code"] == "auth.required"
    page = await client.get(
        "/me",
        headers={**OTHER, "Cookie": f"{SESSION_COOKIE}={session_id}"},
        follow_redirects=False,
    )
    assert page.status_code == 303


async def test_a_bearer_token_is_refused_on_another_host(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await other_organisation(database)
    assert (await client.get("/api/v1/me", headers=world.alice.headers)).status_code == 200
    refused = await client.get("/api/v1/me", headers={**world.alice.headers, **OTHER})
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"


async def test_a_link_works_only_on_its_organisation_host(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await other_organisation(database)
    asked = await client.post(
        "/api/v1/auth/email", json={"email": "alice@example.org"}, headers=OTHER
    )
    assert asked.status_code == 202
    [mail] = await outbox_messages(database, "alice@example.org")
    token = await latest_token(database, "alice@example.org")
    # The organisation's configured host, with the scheme and port of PARTICIPE_BASE_URL
    # (the tests' default, http://localhost:8000).
    assert f"http://participer.autre-ville.example:8000/signin/{token}" in mail.text_body
    assert "Autre Ville" in mail.subject

    on_default = await client.post("/api/v1/auth/verify", json={"token": token})
    assert on_default.status_code == 400 and on_default.json()["code"] == "auth.invalid_token"
    page = await client.get(f"/signin/{token}")
    assert page.status_code == 400

    on_its_host = await client.post("/api/v1/auth/verify", json={"token": token}, headers=OTHER)
    assert on_its_host.status_code == 200
    # The same address is another account in the other organisation.
    assert on_its_host.json()["user"]["id"] != world.alice.user.id
