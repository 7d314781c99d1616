"""Modules in tests: the operator's grant, and an administrator's enable through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from core.db import Database, utcnow
from core.models import Organisation
from core.plugin_manager import Plugins
from core.services import modules
from participe.testing.people import World

Client = Any  # Litestar's AsyncTestClient or an httpx.AsyncClient on a live server


async def grant_module(
    database: Database, plugins: Plugins, world: World, name: str, granted: bool = True
) -> list[str]:
    """The platform operator lets ``world``'s organisation use the module ``name`` (or
    withdraws it); returns the dialogues where a withdrawal turned it off."""
    async with database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        turned_off = await modules.set_grant(
            session, plugins, organisation, name, granted, now=utcnow()
        )
        await session.commit()
    return turned_off


async def enable_module(
    client: Client, world: World, slug: str, name: str, settings: Mapping[str, Any] | None = None
) -> httpx.Response:
    """An administrator turns the module ``name`` on for the dialogue ``slug`` with
    ``settings`` (``PUT /api/v1/admin/dialogues/{slug}/modules/{name}``); the answer."""
    response: httpx.Response = await client.put(
        f"/api/v1/admin/dialogues/{slug}/modules/{name}",
        json={"settings": dict(settings or {})},
        headers=world.admin.headers,
    )
    return response
