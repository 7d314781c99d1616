"""The links of emails lead to the organisation's configured host or to
``PARTICIPE_BASE_URL``, whatever the request's Host header says beyond the host name it
was resolved from."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import organisations
from core.settings import Settings
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.signin_helpers import outbox_messages
from web.app import create_app

BASE_URL = "https://participer.example.org"


@pytest.fixture
async def app_with_hosts(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> Litestar:
    async with database.session() as session:
        await organisations.create_organisation(
            session, slug="alpha", name="Alpha", hosts=["alpha.test"]
        )
        await session.commit()
    return create_app(settings.replace(base_url=BASE_URL), plugins=plugins, database=database)


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("alpha.test", "https://alpha.test"),
        ("ALPHA.test:8443", "https://alpha.test"),
        ("127.0.0.1:8000", BASE_URL),
        ("localhost:9999", BASE_URL),
    ],
)
async def test_sign_in_links_come_from_the_configuration(
    app_with_hosts: Litestar, database: Database, host: str, site: str
) -> None:
    async with AsyncTestClient(app=app_with_hosts, base_url="http://127.0.0.1") as client:
        asked = await client.post(
            "/api/v1/auth/email", json={"email": "carol@example.org"}, headers={"Host": host}
        )
    assert asked.status_code == 202, asked.text
    [message] = await outbox_messages(database, "carol@example.org")
    [link] = links_in(message.text_body)
    assert link.startswith(f"{site}/signin/"), link


@pytest.mark.parametrize(
    "host", ["alpha.test:@evil.example", "localhost:@evil.example", "alpha.test:1@evil.example"]
)
async def test_a_forged_host_header_never_reaches_a_link(
    app_with_hosts: Litestar, database: Database, host: str
) -> None:
    """Refused as bad input, or answered with links to the configured site only."""
    async with AsyncTestClient(app=app_with_hosts, base_url="http://127.0.0.1") as client:
        asked = await client.post(
            "/api/v1/auth/email", json={"email": "carol@example.org"}, headers={"Host": host}
        )
    assert asked.status_code in (202, 400), asked.text
    for message in await outbox_messages(database):
        assert "evil" not in message.text_body and "evil" not in message.html_body


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("alpha.test:@evil.example", "https://alpha.test"),
        ("alpha.test:8443", "https://alpha.test"),
        ("localhost:@evil.example", BASE_URL),
        ("[::1]:8000", BASE_URL),
        ("unknown.example", BASE_URL),
    ],
)
async def test_the_site_of_an_organisation_ignores_the_rest_of_the_host_header(
    app_with_hosts: Litestar, database: Database, host: str, site: str
) -> None:
    async with database.session() as session:
        alpha = await organisations.get_by_slug(session, "alpha")
        assert await organisations.site_url(session, alpha, host, BASE_URL) == site


def test_the_base_url_gives_the_scheme_and_port() -> None:
    assert organisations.address_on("http://localhost:8000", "alpha.test") == (
        "http://alpha.test:8000"
    )
    assert organisations.address_on("https://x.example", "alpha.test") == "https://alpha.test"


async def test_a_status_email_links_to_the_configured_site(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    app = create_app(settings.replace(base_url=BASE_URL), plugins=plugins, database=database)
    other_port = {"Host": "127.0.0.1:9999"}
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        await create_dialogue(client, world.admin.headers)
        submitted = await client.post(
            "/api/v1/dialogues/budget-2027/proposals",
            json={"title": "Un jardin", "body": "Un texte."},
            headers=world.alice.headers,
        )
        assert submitted.status_code == 201, submitted.text
        proposal_id = submitted.json()["id"]
        reviewer = await world.person("agent@ville.test", Role.REVIEWER)
        saved = await client.post(
            f"/admin/proposals/{proposal_id}/review",
            data={"status": "refused", "status_reason": "Non."},
            headers={**reviewer.headers, **other_port},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
    [message] = await outbox_messages(database, "alice@example.org")
    assert links_in(message.text_body) == [f"{BASE_URL}/proposals/{proposal_id}"]
