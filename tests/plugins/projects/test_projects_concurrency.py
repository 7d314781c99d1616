"""Staff writing the same project from many requests at once, against a real server: the
project's row is made once, a proposal is added once (the others 409
``project.already_listed``), never a server error, on SQLite and on PostgreSQL.

Every connection is opened first and the requests released together. The unique
proposal of the projects' table keeps the row single (a request whose insert it refuses
waits for the other's row); without the second look under the row's lock, all twenty
additions were answered 201 on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select

from core.db import Database
from plugins.projects.models import Project
from tests.conftest import LiveServer, World
from tests.projects_helpers import ADMIN_PROJECTS, PROJECTS, budget_with_results

REQUESTS = 20


async def _at_once(
    live_server: LiveServer, send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
) -> list[httpx.Response]:
    go = asyncio.Event()
    ready = 0

    async def one(index: int) -> httpx.Response:
        nonlocal ready
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
            assert (await http.get("/api/v1/dialogues")).status_code == 200
            ready += 1
            if ready == REQUESTS:
                go.set()
            await go.wait()
            return await send(http, index)

    return list(await asyncio.gather(*(one(i) for i in range(REQUESTS))))


async def _rows(database: Database, proposal_id: int) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Project).where(Project.proposal_id == proposal_id)
        )
    return int(count or 0)


async def test_concurrent_changes_make_one_row_and_additions_add_once(
    live_server: LiveServer, world: World, database: Database
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        setup = await budget_with_results(api, world)
    winner, loser = setup.proposals[0], setup.proposals[2]

    changed = await _at_once(
        live_server,
        lambda http, i: http.patch(
            f"{ADMIN_PROJECTS}/{winner}", json={"progress": i}, headers=world.admin.headers
        ),
    )
    assert Counter(r.status_code for r in changed) == {200: REQUESTS}
    assert await _rows(database, winner) == 1

    added = await _at_once(
        live_server,
        lambda http, _: http.post(
            ADMIN_PROJECTS, json={"proposal_id": loser}, headers=world.admin.headers
        ),
    )
    outcomes = Counter((r.status_code, r.json().get("code", "")) for r in added)
    assert outcomes == {(201, ""): 1, (409, "project.already_listed"): REQUESTS - 1}
    assert await _rows(database, loser) == 1
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        listed = [p["proposal_id"] for p in (await http.get(PROJECTS)).json()]
    assert listed.count(loser) == 1
