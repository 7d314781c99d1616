"""Server-side sessions behind the session cookie."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from core.db import Database, utcnow
from core.models import UserSession
from core.plugin_manager import Plugins
from core.services.sessions import TOUCH_INTERVAL
from core.services.users import hash_token
from core.settings import Settings
from tests.conftest import World
from tests.signin_helpers import SESSION_COOKIE, latest_token, sign_in
from web.app import create_app


async def sessions(database: Database) -> list[UserSession]:
    async with database.session() as session:
        return list(await session.scalars(select(UserSession).order_by(UserSession.id)))


async def test_the_table_keeps_a_hash_of_the_cookie(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await sign_in(client, database, "alice@example.org")
    session_id = client.cookies[SESSION_COOKIE]
    [row] = await sessions(database)
    assert row.id_hash == hash_token(session_id) and session_id not in row.id_hash
    assert row.user_id == world.alice.user.id
    assert row.created_at <= row.last_seen_at < row.expires_at


def cookie(session_id: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={session_id}"}


async def browser_signs_in(
    client: AsyncTestClient[Litestar], database: Database, email: str
) -> tuple[str, str]:
    """Signs in as a fresh browser would: its session id and CSRF token."""
    client.cookies.clear()
    body = await sign_in(client, database, email)
    session_id = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return session_id, body["csrf_token"]


async def test_each_sign_in_opens_a_new_session(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    laptop, _ = await browser_signs_in(client, database, "alice@example.org")
    phone, _ = await browser_signs_in(client, database, "alice@example.org")
    assert phone != laptop
    # Signing in again in a browser replaces its session: the old id ends.
    await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
    token = await latest_token(database, "bob@example.org")
    again = await client.post("/api/v1/auth/verify", json={"token": token}, headers=cookie(laptop))
    assert again.status_code == 200
    renewed = again.cookies[SESSION_COOKIE]
    assert renewed not in (laptop, phone)
    client.cookies.clear()
    assert (await client.get("/api/v1/me", headers=cookie(laptop))).status_code == 401
    assert (await client.get("/api/v1/me", headers=cookie(phone))).json()["email"] == (
        "alice@example.org"
    )
    assert (await client.get("/api/v1/me", headers=cookie(renewed))).json()["email"] == (
        "bob@example.org"
    )
    assert len(await sessions(database)) == 2


async def test_an_expired_session_signs_nobody_in(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await sign_in(client, database, "alice@example.org")
    async with database.session() as session:
        await session.execute(update(UserSession).values(expires_at=utcnow()))
        await session.commit()
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_forged_cookie_signs_nobody_in(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    client.cookies.set(SESSION_COOKIE, "forged")
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.get("/")).status_code == 200


async def test_last_seen_is_refreshed_now_and_then(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await sign_in(client, database, "alice@example.org")
    [row] = await sessions(database)
    await client.get("/api/v1/me")
    assert (await sessions(database))[0].last_seen_at == row.last_seen_at  # too soon
    long_ago = utcnow() - TOUCH_INTERVAL - timedelta(seconds=1)
    async with database.session() as session:
        await session.execute(update(UserSession).values(last_seen_at=long_ago))
        await session.commit()
    await client.get("/api/v1/me")
    assert (await sessions(database))[0].last_seen_at > long_ago + timedelta(seconds=1)


async def test_signing_out_everywhere_ends_every_session(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    laptop, csrf_token = await browser_signs_in(client, database, "alice@example.org")
    phone, _ = await browser_signs_in(client, database, "alice@example.org")
    await browser_signs_in(client, database, "bob@example.org")
    ended = await client.post(
        "/me/sessions/end-all",
        data={"csrf_token": csrf_token},
        headers=cookie(laptop),
        follow_redirects=False,
    )
    assert ended.status_code == 303
    assert (await client.get("/api/v1/me", headers=cookie(laptop))).status_code == 401
    assert (await client.get("/api/v1/me", headers=cookie(phone))).status_code == 401
    [left] = await sessions(database)
    assert left.user_id == world.bob.user.id


async def test_production_cookie_is_host_only_and_secure(
    settings: Settings, plugins: Plugins, database: Database, world: World, tmp_path: Path
) -> None:
    production = settings.replace(production=True, secret_key="s" * 40)
    app = create_app(production, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        await client.post("/api/v1/auth/email", json={"email": "alice@example.org"})
        token = await latest_token(database, "alice@example.org")
        verified = await client.post("/api/v1/auth/verify", json={"token": token})
        cookie = verified.headers["set-cookie"]
        assert cookie.startswith("__Host-participe_session=")
        for attribute in ("Secure", "HttpOnly", "Path=/", "SameSite=lax"):
            assert attribute in cookie
        assert "Domain" not in cookie
        me = await client.get("/api/v1/me")
        assert me.status_code == 200
        out = await client.post(
            "/api/v1/auth/logout", headers={"X-CSRF-Token": verified.json()["csrf_token"]}
        )
        assert out.headers["set-cookie"].startswith("__Host-participe_session=")
        assert "Secure" in out.headers["set-cookie"]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(UserSession)) == 0
