"""Moderation: pre-moderation holds new items back, reports, hiding with a reason."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.models.users import Role
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PROPOSALS = "/api/v1/dialogues/budget-2027/proposals"


async def _public_titles(client: Client) -> list[str]:
    return [p["title"] for p in (await client.get(PROPOSALS)).json()["items"]]


async def test_pre_moderation_holds_proposals_and_comments(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, moderation="pre")
    created = await client.post(
        PROPOSALS, json={"title": "Un potager", "body": "Au parc."}, headers=world.alice.headers
    )
    assert created.status_code == 201
    proposal_id = created.json()["id"]
    assert await _public_titles(client) == []
    # Its author still sees it.
    mine = await client.get(f"/api/v1/proposals/{proposal_id}", headers=world.alice.headers)
    assert mine.status_code == 200
    assert (await client.get(f"/api/v1/proposals/{proposal_id}")).status_code == 404

    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    queue = await client.get("/admin/moderation", headers=moderator.headers)
    assert queue.status_code == 200 and "Un potager" in queue.text
    approved = await client.post(
        f"/admin/proposals/{proposal_id}/moderate",
        data={"action": "approve", "next": "/admin/moderation?notice=moderated"},
        headers=moderator.headers,
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/admin/moderation?notice=moderated"
    assert await _public_titles(client) == ["Un potager"]

    comment = await client.post(
        f"/api/v1/proposals/{proposal_id}/comments",
        json={"body": "Bonne idée"},
        headers=world.bob.headers,
    )
    assert comment.status_code == 201, comment.text
    comment_id = comment.json()["id"]
    comments = f"/api/v1/proposals/{proposal_id}/comments"
    assert (await client.get(comments)).json()["total"] == 0
    refused = await client.post(
        f"/admin/moderation/comments/{comment_id}",
        data={"action": "hide", "reason": ""},
        headers=moderator.headers,
    )
    assert refused.status_code == 422 and "Dites pourquoi" in refused.text
    await client.post(
        f"/admin/moderation/comments/{comment_id}",
        data={"action": "approve"},
        headers=moderator.headers,
    )
    assert (await client.get(comments)).json()["total"] == 1


async def test_reports_lead_to_hiding_with_a_reason(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    proposal_id = (
        await client.post(
            PROPOSALS, json={"title": "Un kiosque", "body": "."}, headers=world.alice.headers
        )
    ).json()["id"]
    comment_id = (
        await client.post(
            f"/api/v1/proposals/{proposal_id}/comments",
            json={"body": "Propos injurieux"},
            headers=world.bob.headers,
        )
    ).json()["id"]
    reported = await client.post(
        f"/api/v1/comments/{comment_id}/report",
        json={"reason": "insultant"},
        headers=world.alice.headers,
    )
    assert reported.status_code == 202
    queue = await client.get("/admin/moderation", headers=world.admin.headers)
    assert "Propos injurieux" in queue.text and "« insultant »" in queue.text
    home = await client.get("/admin", headers=world.admin.headers)
    assert "1 commentaire(s) signalé(s)" in home.text
    hidden = await client.post(
        f"/admin/moderation/comments/{comment_id}",
        data={"action": "hide", "reason": "Insulte"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert hidden.status_code == 303
    assert (await client.get(f"/api/v1/proposals/{proposal_id}/comments")).json()["total"] == 0
    queue = await client.get("/admin/moderation", headers=world.admin.headers)
    assert "Aucun signalement en cours." in queue.text and "Insulte" in queue.text

    hide_proposal = await client.post(
        f"/admin/proposals/{proposal_id}/moderate",
        data={"action": "hide", "reason": "Hors sujet"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert hide_proposal.status_code == 303
    assert await _public_titles(client) == []
    await client.post(
        f"/admin/proposals/{proposal_id}/moderate",
        data={"action": "restore"},
        headers=world.admin.headers,
    )
    assert await _public_titles(client) == ["Un kiosque"]
    reviewer = await world.person("rev@ville.test", Role.REVIEWER)
    assert (await client.get("/admin/moderation", headers=reviewer.headers)).status_code == 403
