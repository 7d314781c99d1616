"""A sign-in link redeemed many times at once gives exactly one session, on a real server
(one uvicorn process, concurrent connections) and on either database."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from core.db import Database
from core.models import SignInToken, UserSession
from tests.conftest import LiveServer, World
from tests.signin_helpers import latest_token

ATTEMPTS = 12


async def test_concurrent_redemptions_give_one_session(
    live_server: LiveServer, world: World, database: Database
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        asked = await http.post("/api/v1/auth/email", json={"email": "carol@example.org"})
        assert asked.status_code == 202
        token = await latest_token(database, "carol@example.org")

        async def redeem() -> httpx.Response:
            async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as own:
                return await own.post("/api/v1/auth/verify", json={"token": token})

        answers = await asyncio.gather(*(redeem() for _ in range(ATTEMPTS)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [400] * (ATTEMPTS - 1), [a.text for a in answers]
    assert all(a.json()["code"] == "auth.invalid_token" for a in answers if a.status_code == 400)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(UserSession)) == 1
        assert (
            await session.scalar(
                select(func.count()).select_from(SignInToken).where(SignInToken.used_at.is_(None))
            )
            == 0
        )
