"""Security headers on every answer: pages, API, error pages, static files."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from core.db import Database
from core.models import Organisation
from core.plugin_manager import Plugins
from core.settings import Settings
from tests.conftest import World
from web.app import create_app

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def assert_protected(headers: object, *, production: bool = False) -> None:
    get = headers.get  # type: ignore[attr-defined]
    assert get("x-content-type-options") == "nosniff"
    assert get("referrer-policy") == "strict-origin-when-cross-origin"
    assert "camera=()" in get("permissions-policy")
    csp = get("content-security-policy")
    assert csp == CSP
    assert "unsafe-inline" not in csp
    if production:
        assert get("strict-transport-security").startswith("max-age=63072000")
    else:
        assert get("strict-transport-security") is None


async def test_pages_api_errors_and_static_files_carry_them(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    for path, status in (
        ("/", 200),
        ("/signin", 200),
        ("/api/v1/dialogues", 200),
        ("/static/participe.css", 200),
        ("/no-such-page", 404),
        ("/api/v1/no-such-thing", 404),
        ("/api/v1/proposals/999999", 404),
        ("/me/tokens", 405),
    ):
        response = await client.get(path)
        assert response.status_code == status, path
        assert_protected(response.headers)
    refused = await client.post("/api/v1/auth/verify", json={"token": "x"})
    assert refused.status_code == 400
    assert_protected(refused.headers)
    unknown_host = await client.get("/", headers={"Host": "unknown.example"})
    assert unknown_host.status_code == 404
    assert_protected(unknown_host.headers)


async def test_production_adds_strict_transport_security(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    production = settings.replace(production=True, secret_key="p" * 40)
    app = create_app(production, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as client:
        for path in ("/", "/api/v1/dialogues", "/nothing"):
            assert_protected((await client.get(path)).headers, production=True)


async def test_pages_other_than_the_embed_view_are_never_framed_elsewhere(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    async with database.session() as session:
        await session.execute(
            update(Organisation).values(options={"embedding_sites": ["https://www.ville.example"]})
        )
        await session.commit()
    for path in ("/", "/api/v1/dialogues", "/nothing"):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self'"), path
