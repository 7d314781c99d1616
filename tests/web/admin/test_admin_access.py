"""Every back-office route, present and future, is refused to citizens, to strangers and
to the staff of another organisation: the test walks the app's routes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.models import Organisation
from core.models.users import Role
from core.services import organisations
from plugins.analysis.extra import available as analysis_available
from tests.conftest import Person, World
from tests.helpers import create_dialogue
from web.admin.guard import staff_guard

Client = AsyncTestClient[Litestar]
BACK_OFFICE = ("/admin", "/api/v1/admin")
PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


def back_office_routes(app: Litestar) -> Iterator[tuple[str, str, object]]:
    """``(method, path, handler)`` of every route under the back office's prefixes."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if not route.path.startswith(BACK_OFFICE):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                yield method, route.path, handler


def concrete(path: str, slug: str, number: int) -> str:
    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or "str"
        if kind == "int":
            return str(number)
        if name == "slug":
            return slug
        if name == "email":
            return "someone@example.org"
        return "x"

    return PARAMETER.sub(fill, path)


def test_the_walk_finds_the_back_office(app: Litestar) -> None:
    found = {(method, path) for method, path, _ in back_office_routes(app)}
    assert len(found) > 40
    for expected in (
        ("GET", "/admin/dialogues"),
        ("POST", "/api/v1/admin/groups"),
        ("PUT", "/api/v1/admin/groups/{name:str}/members/{email:str}"),
        ("PATCH", "/api/v1/admin/proposals/{proposal_id:int}"),
        ("GET", "/api/v1/admin/dialogues/{slug:str}/export"),
        ("GET", "/admin/exports/{token:str}"),
    ):
        assert expected in found


def test_every_back_office_route_has_the_staff_guard(app: Litestar) -> None:
    unguarded = [
        f"{method} {path}"
        for method, path, handler in back_office_routes(app)
        if staff_guard not in handler.resolve_guards()  # type: ignore[attr-defined]
    ]
    assert unguarded == []


@pytest.fixture
async def stranger(world: World) -> Person:
    """The administrator of another organisation."""
    async with world.database.session() as session:
        await organisations.create_organisation(
            session, slug="voisine", name="Ville voisine", hosts=["voisine.example.org"]
        )
        await session.commit()
    async with world.database.session() as session:
        other = await session.scalar(select(Organisation).where(Organisation.slug == "voisine"))
    neighbour = World(
        org=other, admin=world.admin, alice=world.alice, bob=world.bob, database=world.database
    )  # type: ignore[arg-type]
    return await neighbour.person("maire@voisine.example.org", Role.ADMIN)


async def test_citizens_strangers_and_other_staff_are_refused(
    app: Litestar, client: Client, world: World, stranger: Person
) -> None:
    # The analysis's routes answer 404 where its module is off: on, they meet the wall.
    on = {"modules": {"analysis": {}}} if analysis_available() else {}
    await create_dialogue(client, world.admin.headers, **on)
    proposal = await client.post(
        "/api/v1/dialogues/budget-2027/proposals",
        json={"title": "Une idée", "body": "."},
        headers=world.alice.headers,
    )
    proposal_id = proposal.json()["id"]
    callers = {
        "anonymous": {},
        "citizen": world.alice.headers,
        "other organisation's admin": stranger.headers,
    }
    accepted = []
    checked = 0
    for method, path, _ in back_office_routes(app):
        url = concrete(path, "budget-2027", proposal_id)
        for who, headers in callers.items():
            response = await client.request(
                method,
                url,
                headers={**headers, "accept": "application/json"},
                json={} if method in ("POST", "PUT", "PATCH") and "/api/" in url else None,
                data={"name": "x"} if method == "POST" and "/api/" not in url else None,
                follow_redirects=False,
            )
            checked += 1
            if response.status_code not in (401, 403):
                accepted.append(f"{who}: {method} {url} → {response.status_code}")
    assert accepted == []
    assert checked > 120

    # On its own host, the other organisation's admin does not see this one's dialogues.
    own_host = {**stranger.headers, "host": "voisine.example.org"}
    assert (await client.get("/admin/dialogues/budget-2027", headers=own_host)).status_code == 404
    assert (
        await client.get(f"/admin/proposals/{proposal_id}", headers=own_host)
    ).status_code == 404
    export = await client.get(
        "/api/v1/admin/dialogues/budget-2027/export?what=proposals", headers=own_host
    )
    assert export.status_code == 404
