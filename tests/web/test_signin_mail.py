"""Sign-in links by SMTP: the mail reaches a real server, after the answer, never in the
request's time."""

from __future__ import annotations

import time

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.mail.delivery import WIPED
from core.plugin_manager import Plugins
from core.settings import Settings
from tests.conftest import LiveServer, SmtpServer, World
from tests.signin_helpers import LINK, outbox_messages
from web.app import create_app


@pytest.fixture
def live_server_env(smtp_server: SmtpServer) -> dict[str, str]:
    return {
        "PARTICIPE_SMTP_URL": smtp_server.url,
        "PARTICIPE_MAIL_FROM": "Ville de Test <ne-pas-repondre@ville.test>",
    }


def link_token(mail: object) -> str:
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
    match = LINK.search(text)
    assert match, text
    return match.group(1)


async def test_the_link_arrives_by_smtp_and_signs_in(
    settings: Settings,
    plugins: Plugins,
    database: Database,
    world: World,
    smtp_server: SmtpServer,
) -> None:
    app: Litestar = create_app(
        settings.replace(smtp_url=smtp_server.url), plugins=plugins, database=database
    )
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        asked = await client.post(
            "/api/v1/auth/email",
            json={"email": "alice@example.org"},
            headers={"Accept-Language": "en"},
        )
        assert asked.status_code == 202
        [mail] = await smtp_server.wait_for(1)
        assert mail["To"] == "alice@example.org"
        assert mail["Subject"] == "Votre lien de connexion à Ville de Test"  # Alice reads French
        signed_in = await client.post("/api/v1/auth/verify", json={"token": link_token(mail)})
        assert signed_in.status_code == 200
        assert signed_in.json()["user"]["id"] == world.alice.user.id
    [kept] = await outbox_messages(database)
    assert kept.sent_at is not None and kept.text_body == WIPED  # no live link left behind


async def test_a_slow_mail_server_does_not_slow_the_answer(
    live_server: LiveServer, world: World, smtp_server: SmtpServer, database: Database
) -> None:
    smtp_server.delay = 3.0
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        started = time.perf_counter()
        asked = await http.post("/api/v1/auth/email", json={"email": "bob@example.org"})
        elapsed = time.perf_counter() - started
    assert asked.status_code == 202
    assert elapsed < 2.0, elapsed  # the mail takes 3 s to be accepted
    [mail] = await smtp_server.wait_for(1, seconds=20)
    assert mail["From"] == "Ville de Test <ne-pas-repondre@ville.test>"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        signed_in = await http.post("/api/v1/auth/verify", json={"token": link_token(mail)})
    assert signed_in.status_code == 200
