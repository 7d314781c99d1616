"""Sign-in by email link through the JSON API (API contract, "Sign-in")."""

from __future__ import annotations

import base64
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from core.db import Database, utcnow
from core.models import SignInToken, User, UserSession
from core.plugin_manager import Plugins
from core.services import organisations
from core.services.users import hash_token
from core.settings import Settings
from tests.conftest import World
from tests.signin_helpers import SESSION_COOKIE, ask_link, latest_token, outbox_messages, sign_in
from web.app import create_app


async def test_a_link_signs_in_and_creates_the_verified_citizen_account(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    asked = await ask_link(client, "New.Citizen@Example.org")
    assert asked.status_code == 202
    token = await latest_token(database, "new.citizen@example.org")

    verified = await client.post("/api/v1/auth/verify", json={"token": token})

    assert verified.status_code == 200, verified.text
    user = verified.json()["user"]
    assert user["email"] == "new.citizen@example.org"
    assert user["role"] == "citizen"
    assert verified.json()["csrf_token"]
    cookie = verified.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "Path=/" in cookie and "SameSite=lax" in cookie
    async with database.session() as session:
        account = await session.scalar(select(User).where(User.id == user["id"]))
        assert account is not None and account.email_verified_at is not None
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == "new.citizen@example.org"


async def test_an_existing_account_is_signed_in_not_duplicated(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    body = await sign_in(client, database, "alice@example.org")
    assert body["user"]["id"] == world.alice.user.id
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.email == "alice@example.org")
        )
    assert count == 1


async def test_the_token_is_random_long_and_stored_hashed(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_link(client, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    async with database.session() as session:
        hashes = list(await session.scalars(select(SignInToken.token_hash)))
    assert hashes == [hash_token(token)]


async def test_a_link_works_once(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_link(client, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    first = await client.post("/api/v1/auth/verify", json={"token": token})
    assert first.status_code == 200
    again = await client.post("/api/v1/auth/verify", json={"token": token})
    assert again.status_code == 400
    assert again.json() == {
        "status_code": 400,
        "detail": again.json()["detail"],
        "code": "auth.invalid_token",
    }


async def test_an_expired_link_is_refused(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_link(client, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    async with database.session() as session:
        await session.execute(
            update(SignInToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    refused = await client.post("/api/v1/auth/verify", json={"token": token})
    assert refused.status_code == 400 and refused.json()["code"] == "auth.invalid_token"


async def test_links_last_fifteen_minutes(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    before = utcnow()
    await ask_link(client, "bob@example.org")
    async with database.session() as session:
        expires_at = await session.scalar(select(SignInToken.expires_at))
    assert expires_at is not None
    assert timedelta(minutes=14) < expires_at - before <= timedelta(minutes=15, seconds=5)


async def test_a_newer_link_voids_the_older_ones(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_link(client, "bob@example.org")
    older = await latest_token(database, "bob@example.org")
    await ask_link(client, "bob@example.org")
    newer = await latest_token(database, "bob@example.org")
    assert newer != older
    refused = await client.post("/api/v1/auth/verify", json={"token": older})
    assert refused.status_code == 400 and refused.json()["code"] == "auth.invalid_token"
    accepted = await client.post("/api/v1/auth/verify", json={"token": newer})
    assert accepted.status_code == 200


async def test_unknown_and_malformed_tokens(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    unknown = await client.post("/api/v1/auth/verify", json={"token": "not-a-token"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "auth.invalid_token"
    empty = await client.post("/api/v1/auth/verify", json={"token": ""})
    assert empty.status_code == 400 and empty.json()["code"] == "auth.invalid_token"
    huge = await client.post("/api/v1/auth/verify", json={"token": "x" * 5000})
    assert huge.status_code == 400 and huge.json()["code"] == "auth.invalid_token"
    missing = await client.post("/api/v1/auth/verify", json={})
    assert missing.status_code == 400 and missing.json()["code"] == "validation"
    extra = await client.post("/api/v1/auth/verify", json={"token": "x", "admin": True})
    assert extra.status_code == 400 and extra.json()["code"] == "validation"


async def test_an_invalid_address_is_a_validation_error(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    for email in ("not an address", "", "a@b", "x" * 400 + "@example.org"):
        response = await ask_link(client, email)
        assert response.status_code == 422, email
        assert response.json()["code"] == "validation"
    assert await outbox_messages(database) == []


async def test_the_mail_speaks_the_language_of_the_request_or_of_the_account(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_link(client, "newcomer@example.org", **{"Accept-Language": "en-GB,en;q=0.9"})
    [english] = await outbox_messages(database, "newcomer@example.org")
    assert english.language == "en" and english.subject.startswith("Your sign-in link")
    token = await latest_token(database, "newcomer@example.org")
    signed_in = await client.post("/api/v1/auth/verify", json={"token": token})
    assert signed_in.json()["user"]["language"] == "en"

    await ask_link(client, "alice@example.org", **{"Accept-Language": "en"})
    [french] = await outbox_messages(database, "alice@example.org")
    assert french.language == "fr" and french.subject.startswith("Votre lien de connexion")
    assert "15 minutes" in french.text_body and "15 minutes" in french.html_body


async def test_the_link_points_to_the_site_and_keeps_where_to_go_next(
    client: AsyncTestClient[Litestar], world: World, database: Database, settings: Settings
) -> None:
    await client.post(
        "/api/v1/auth/email", json={"email": "bob@example.org", "next": "/dialogues/velo"}
    )
    [mail] = await outbox_messages(database, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    # A local address means PARTICIPE_BASE_URL, never the address the request named.
    link = f"{settings.base_url}/signin/{token}?next=/dialogues/velo"
    assert link in mail.text_body
    assert f'href="{link}"' in mail.html_body

    await client.post(
        "/api/v1/auth/email", json={"email": "bob@example.org", "next": "//evil.example/x"}
    )
    [mail, _] = await outbox_messages(database, "bob@example.org")
    assert "evil" not in mail.text_body


async def test_logout_ends_the_session(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    body = await sign_in(client, database, "alice@example.org")
    session_id = client.cookies[SESSION_COOKIE]

    out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})

    assert out.status_code == 204
    assert (
        'participe_session=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(UserSession)) == 0
    client.cookies.set(SESSION_COOKIE, session_id)  # the old cookie, replayed
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_logout_without_a_session_is_harmless(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 204


async def test_in_production_links_are_https_on_the_organisation_host(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    async with database.session() as session:
        await organisations.create_organisation(
            session, slug="autre", name="Autre Ville", hosts=["participer.autre-ville.example"]
        )
        await session.commit()
    production = settings.replace(
        production=True, secret_key="k" * 40, base_url="https://participer.ville.example"
    )
    app = create_app(production, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
        await client.post(
            "/api/v1/auth/email",
            json={"email": "bob@example.org"},
            headers={"Host": "participer.autre-ville.example:8443"},
        )
    [alice] = await outbox_messages(database, "alice@example.org")
    assert "https://participer.ville.example/signin/" in alice.text_body
    [bob] = await outbox_messages(database, "bob@example.org")
    assert "https://participer.autre-ville.example/signin/" in bob.text_body
