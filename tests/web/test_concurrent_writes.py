"""Citizens write at the same moment: every request that changes something succeeds.

On SQLite a transaction that has read and then writes cannot wait for another writer (it
fails at once with "database is locked"), so a request that changes something must hold
the write lock from its first statement. These requests go through the real server, all
released together, so that their transactions overlap."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from participe.testing import switch_phase
from tests.conftest import LiveServer, World

CITIZENS = 12


async def _together(url: str, calls: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[int]:
    """Posts every call on its own connection, all released at once; the status codes."""
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in calls]
    go = asyncio.Event()
    ready = 0

    async def send(http: httpx.AsyncClient, path: str, body: Any, headers: Any) -> int:
        nonlocal ready
        await http.get("/health")  # the connection is open before the burst
        ready += 1
        if ready == len(calls):
            go.set()
        await go.wait()
        response = await http.post(path, json=body, headers=headers)
        return response.status_code

    try:
        return list(
            await asyncio.gather(
                *(send(http, *call) for http, call in zip(clients, calls, strict=True))
            )
        )
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))


async def test_citizens_propose_and_comment_at_the_same_moment(
    live_server: LiveServer, world: World
) -> None:
    citizens = [await world.person(f"citizen{n}@example.org") for n in range(CITIZENS)]
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        created = await http.post(
            "/api/v1/admin/dialogues",
            json={
                "slug": "idees",
                "title": "Boîte à idées",
                "kind": "ideas",
                "phases": [{"kind": "proposals"}],
            },
            headers=world.admin.headers,
        )
        assert created.status_code == 201, created.text
        await switch_phase(http, world.admin.headers, "idees", "proposals")

        proposals = await _together(
            live_server.url,
            [
                (
                    "/api/v1/dialogues/idees/proposals",
                    {"title": f"Idée {n}", "body": "Pour la ville."},
                    person.headers,
                )
                for n, person in enumerate(citizens)
            ],
        )
        assert proposals == [201] * CITIZENS

        listed = await http.get("/api/v1/dialogues/idees/proposals?limit=100")
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert len(items) == CITIZENS
        first = items[0]["id"]

        comments = await _together(
            live_server.url,
            [
                (f"/api/v1/proposals/{first}/comments", {"body": f"Avis {n}"}, person.headers)
                for n, person in enumerate(citizens)
            ],
        )
        assert comments == [201] * CITIZENS
        thread = await http.get(f"/api/v1/proposals/{first}/comments?limit=100")
        assert len(thread.json()["items"]) == CITIZENS
