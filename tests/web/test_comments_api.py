"""Comments through the API: threads, qualified (for/against) comments, replies, reports."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.hookspecs import hookimpl
from core.models import CommentReport
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PROPOSALS = "/api/v1/dialogues/budget-2027/proposals"


async def _proposal(client: Client, world: World, **dialogue: Any) -> int:
    await create_dialogue(client, world.admin.headers, **dialogue)
    response = await client.post(
        PROPOSALS,
        json={"title": "Un jardin partagé", "body": "Place du marché."},
        headers=world.alice.headers,
    )
    assert response.status_code == 201, response.text
    proposal_id: int = response.json()["id"]
    return proposal_id


async def test_thread_comments_and_replies(client: Client, world: World) -> None:
    proposal_id = await _proposal(client, world)
    url = f"/api/v1/proposals/{proposal_id}/comments"
    first = await client.post(url, json={"body": "  Bonne idée !  "}, headers=world.bob.headers)
    assert first.status_code == 201, first.text
    comment = first.json()
    assert comment["body"] == "Bonne idée !"
    assert comment["author"]["name"] == "Bob"
    assert comment["stance"] is None and comment["parent_id"] is None
    reply = await client.post(
        url, json={"body": "Merci", "parent_id": comment["id"]}, headers=world.alice.headers
    )
    assert reply.status_code == 201
    assert reply.json()["parent_id"] == comment["id"]

    page = (await client.get(url)).json()
    assert page["total"] == 2 and page["page"] == 1 and page["per_page"] == 20
    assert [c["body"] for c in page["items"]] == ["Bonne idée !", "Merci"]
    assert set(page["items"][0]) == {"id", "author", "body", "stance", "parent_id", "created_at"}
    assert (await client.get(url, params={"per_page": 1, "page": 2})).json()["items"][0][
        "body"
    ] == "Merci"


async def test_bad_comments_are_refused_with_codes(client: Client, world: World) -> None:
    proposal_id = await _proposal(client, world)
    url = f"/api/v1/proposals/{proposal_id}/comments"
    anonymous = await client.post(url, json={"body": "Salut"})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.required"
    empty = await client.post(url, json={"body": "   "}, headers=world.bob.headers)
    assert empty.status_code == 422 and empty.json()["code"] == "validation"
    too_long = await client.post(url, json={"body": "x" * 5001}, headers=world.bob.headers)
    assert too_long.status_code == 422
    unknown_field = await client.post(
        url, json={"body": "ok", "colour": "red"}, headers=world.bob.headers
    )
    assert unknown_field.status_code == 400
    stance_in_thread = await client.post(
        url, json={"body": "ok", "stance": "for"}, headers=world.bob.headers
    )
    assert stance_in_thread.status_code == 422
    bad_parent = await client.post(
        url, json={"body": "ok", "parent_id": 99999}, headers=world.bob.headers
    )
    assert bad_parent.status_code == 422
    missing = await client.post(
        "/api/v1/proposals/99999/comments", json={"body": "ok"}, headers=world.bob.headers
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert (await client.get(url)).json()["total"] == 0


async def test_qualified_comments_need_a_stance(client: Client, world: World) -> None:
    proposal_id = await _proposal(client, world, comments={"mode": "qualified"})
    url = f"/api/v1/proposals/{proposal_id}/comments"
    response = await client.post(url, json={"body": "Sans avis"}, headers=world.bob.headers)
    assert response.status_code == 422
    assert response.json()["fields"] == {"stance": "Choisissez « pour » ou « contre »."}
    response = await client.post(
        url, json={"body": "Trop cher", "stance": "against"}, headers=world.bob.headers
    )
    assert response.status_code == 201
    assert response.json()["stance"] == "against"
    wrong = await client.post(url, json={"body": "?", "stance": "maybe"}, headers=world.bob.headers)
    assert wrong.status_code == 400


async def test_comments_off_are_not_found(client: Client, world: World) -> None:
    proposal_id = await _proposal(client, world, comments={"mode": "off"})
    url = f"/api/v1/proposals/{proposal_id}/comments"
    response = await client.post(url, json={"body": "Bonjour"}, headers=world.bob.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (await client.get(url)).status_code == 404


async def test_drafts_cannot_be_commented(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    draft = (
        await client.post(
            PROPOSALS, json={"title": "Brouillon", "draft": True}, headers=world.alice.headers
        )
    ).json()
    url = f"/api/v1/proposals/{draft['id']}/comments"
    assert (
        await client.post(url, json={"body": "x"}, headers=world.bob.headers)
    ).status_code == 404
    own = await client.post(url, json={"body": "x"}, headers=world.alice.headers)
    assert own.status_code == 409 and own.json()["code"] == "comments.not_public"


async def test_hook_comment_posted(
    client: Client, world: World, settings: Any, database: Any
) -> None:
    from core.settings import Settings
    from web.app import create_app
    from web.plugins import build_plugins

    seen: list[tuple[str, int]] = []

    class Listener:
        @hookimpl
        def comment_posted(self, comment: Any, proposal: Any) -> None:
            seen.append((comment.body, proposal.id))

    assert isinstance(settings, Settings)
    plugins = build_plugins(settings, extra=[("listener", Listener())])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as own_client:
        proposal_id = await _proposal(own_client, world)
        response = await own_client.post(
            f"/api/v1/proposals/{proposal_id}/comments",
            json={"body": "Vu"},
            headers=world.bob.headers,
        )
        assert response.status_code == 201
    assert seen == [("Vu", proposal_id)]


@pytest.mark.parametrize("body", [None, {"reason": "Propos injurieux"}])
async def test_reporting_a_comment(
    client: Client, world: World, database: Any, body: dict[str, str] | None
) -> None:
    proposal_id = await _proposal(client, world)
    comment = (
        await client.post(
            f"/api/v1/proposals/{proposal_id}/comments",
            json={"body": "Hors sujet"},
            headers=world.bob.headers,
        )
    ).json()
    url = f"/api/v1/comments/{comment['id']}/report"
    assert (await client.post(url, json=body)).status_code == 401
    for _ in range(2):  # reporting twice is harmless
        response = await client.post(url, json=body, headers=world.alice.headers)
        assert response.status_code == 202, response.text
        assert response.json() == {"reported": True}
    assert (await client.post("/api/v1/comments/4242/report", headers=world.alice.headers)).json()[
        "code"
    ] == "not_found"
    async with database.session() as session:
        reports = (await session.scalars(select(CommentReport))).all()
    assert [(r.comment_id, r.reporter_id) for r in reports] == [
        (comment["id"], world.alice.user.id)
    ]
    assert reports[0].reason == (body or {}).get("reason", "")
