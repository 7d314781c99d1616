"""The outbox page: emails kept without SMTP, sign-in links never shown."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.models import OutboxMessage
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]


async def test_the_outbox_lists_messages_and_hides_sign_in_links(
    client: Client, world: World
) -> None:
    await create_dialogue(client, world.admin.headers)
    proposal_id = (
        await client.post(
            "/api/v1/dialogues/budget-2027/proposals",
            json={"title": "Une idée", "body": "."},
            headers=world.alice.headers,
        )
    ).json()["id"]
    reviewed = await client.patch(
        f"/api/v1/admin/proposals/{proposal_id}",
        json={"status": "accepted", "status_reason": "Bravo"},
        headers=world.admin.headers,
    )
    assert reviewed.status_code == 200, reviewed.text
    asked = await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
    assert asked.status_code == 202

    page = await client.get("/admin/outbox", headers=world.admin.headers)
    assert page.status_code == 200
    assert "Aucun serveur d'envoi (SMTP) n'est configuré" in page.text
    assert "alice@example.org" in page.text and "bob@example.org" in page.text
    async with world.database.session() as session:
        messages = {m.kind: m for m in await session.scalars(select(OutboxMessage))}
    status = await client.get(
        f"/admin/outbox/{messages['proposal_status'].id}", headers=world.admin.headers
    )
    assert "Bravo" in status.text
    sign_in = await client.get(
        f"/admin/outbox/{messages['sign_in'].id}", headers=world.admin.headers
    )
    assert sign_in.status_code == 200
    assert "son contenu n'est pas affiché" in sign_in.text
    [link] = re.findall(r"https?://\S+", messages["sign_in"].text_body)
    assert link not in sign_in.text
    assert (await client.get("/admin/outbox", headers=world.alice.headers)).status_code == 403
