"""No GET changes state: every GET route of the app, walked with real parameters by a
signed-in administrator and by an anonymous visitor, leaves the database as it was (the
sign-in link's page included: mail scanners open links)."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Base, Database, utcnow
from core.models import UserSession
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.signin_helpers import latest_token, sign_in

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


#: Bookkeeping that a read may write, and why.
BOOKKEEPING = {
    # When a session was last seen (written at most every few minutes).
    ("user_sessions", "last_seen_at"),
    # That the events of a phase that opened or closed by its dates were fired, which
    # happens on the first request after the date.
    ("phases", "opened_announced_at"),
    ("phases", "closed_announced_at"),
    # That one's news was read: opening it from /me/notifications marks it so.
    ("notifications", "read_at"),
}


#: The events fired with them, whose jobs are queued in the same transaction.
EVENTS_BY_DATES = ("phase_opened", "phase_closed", "results_published")


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, bookkeeping columns left out (and the event jobs of
    phases that opened or closed by their dates)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
            query = select(*columns).order_by(*table.primary_key.columns)
            if table.name == "event_jobs":
                query = query.where(table.c.event.not_in(EVENTS_BY_DATES))
            rows = await session.execute(query)
            tables[table.name] = [tuple(row) for row in rows]
    return tables


async def test_get_routes_change_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    dialogue = await create_dialogue(client, world.admin.headers)
    proposal = await client.post(
        f"/api/v1/dialogues/{dialogue['slug']}/proposals",
        json={"title": "Des arbres", "body": "Rue de la gare"},
        headers=world.alice.headers,
    )
    assert proposal.status_code == 201, proposal.text
    await sign_in(client, database, "admin@ville.test")
    await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
    values = {
        "slug": dialogue["slug"],
        "proposal_id": str(proposal.json()["id"]),
        "token": await latest_token(database, "bob@example.org"),
        "lang": "en",
        "file_path": "participe.css",
        "path": "openapi.json",
    }
    async with database.session() as session:  # no last_seen refresh during the walk
        await session.execute(update(UserSession).values(last_seen_at=utcnow()))
        await session.commit()
    paths = sorted(
        PARAMETER.sub(
            lambda m: values.get(m.group(1), "1" if m.group(2) == "int" else "x"), route.path
        )
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods
    )
    assert "/signin/" + values["token"] in paths
    before = await snapshot(database)
    statuses = {}
    for path in paths:
        statuses[path] = (await client.get(path, follow_redirects=False)).status_code
    cookies = dict(client.cookies)
    client.cookies.clear()
    for path in paths:
        await client.get(path, follow_redirects=False)
    client.cookies.update(cookies)
    assert statuses["/signin/" + values["token"]] == 200
    assert all(status < 500 for status in statuses.values()), statuses
    after = await snapshot(database)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert changed == {}, "\n".join(f"{n}: {b} -> {a}" for n, (b, a) in changed.items())
