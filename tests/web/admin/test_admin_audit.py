"""The audit log of staff actions: every kind of staff action, made through HTTP as staff
make it (API or back-office form), lands one entry in its own transaction; the log is
read by administrators only, on its page and through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import AuditEntry
from core.models.users import Role
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
ADMIN = "/api/v1/admin"


@dataclass
class Scene:
    """A dialogue in its proposals phase, with a proposal by Alice and a comment by Bob."""

    client: Client
    world: World
    proposal: int
    comment: int

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = await self.client.post(
            path, headers=self.world.admin.headers, follow_redirects=False, **kwargs
        )
        return response


Act = Callable[[Scene], Awaitable[httpx.Response]]


async def _scene(client: Client, world: World) -> Scene:
    await create_dialogue(client, world.admin.headers, results_visibility="manual")
    proposal = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Un banc", "body": "Place du marché."},
        headers=world.alice.headers,
    )
    assert proposal.status_code == 201, proposal.text
    comment = await client.post(
        f"/api/v1/proposals/{proposal.json()['id']}/comments",
        json={"body": "Oui"},
        headers=world.bob.headers,
    )
    assert comment.status_code == 201, comment.text
    return Scene(client, world, proposal.json()["id"], comment.json()["id"])


async def _group(scene: Scene) -> int:
    created = await scene.post(f"{ADMIN}/groups", json={"name": "Comité"})
    assert created.status_code == 201, created.text
    groups = await scene.client.get("/admin/groups", headers=scene.world.admin.headers)
    marker = 'href="/admin/groups/'
    start = groups.text.index(marker) + len(marker)
    return int(groups.text[start : groups.text.index('"', start)])


async def _api_member_add(scene: Scene) -> httpx.Response:
    await _group(scene)
    response: httpx.Response = await scene.client.put(
        f"{ADMIN}/groups/Comité/members/alice@example.org", headers=scene.world.admin.headers
    )
    return response


async def _api_member_remove(scene: Scene) -> httpx.Response:
    await _group(scene)
    path = f"{ADMIN}/groups/Comité/members/alice@example.org"
    await scene.client.put(path, headers=scene.world.admin.headers)
    response: httpx.Response = await scene.client.delete(path, headers=scene.world.admin.headers)
    return response


async def _page_member_remove(scene: Scene) -> httpx.Response:
    group_id = await _group(scene)
    alice = scene.world.alice.user.id
    await scene.post(f"/admin/groups/{group_id}/members", data={"email": "alice@example.org"})
    return await scene.post(f"/admin/groups/{group_id}/members/{alice}/remove")


async def _page_rename(scene: Scene) -> httpx.Response:
    return await scene.post(f"/admin/groups/{await _group(scene)}/rename", data={"name": "Jury"})


async def _page_import(scene: Scene) -> httpx.Response:
    return await scene.post(
        f"/admin/groups/{await _group(scene)}/import",
        data={"lines": "un@example.org\ndeux@example.org\npas une adresse"},
        files={"file": ("", b"", "application/octet-stream")},
    )


async def _page_delete(scene: Scene) -> httpx.Response:
    return await scene.post(f"/admin/groups/{await _group(scene)}/delete")


async def _signed_export(scene: Scene) -> httpx.Response:
    made = await scene.post(
        f"/admin/dialogues/{SLUG}/exports", data={"what": "proposals", "format": "csv"}
    )
    assert made.status_code == 200, made.text
    start = made.text.index('href="/admin/exports/') + len('href="')
    link = made.text[start : made.text.index('"', start)]
    response: httpx.Response = await scene.client.get(link, headers=scene.world.admin.headers)
    return response


ORGANISATION_FORM = {
    "name": "Ville de Test",
    "primary_color": "#1f4e8c",
    "text_color": "#1a1a1a",
    "background_color": "#ffffff",
    "font_body": "humanist",
    "font_heading": "serif",
    "hosts": "",
    "languages": ["fr"],
    "default_language": "fr",
    "options.retention.inactive_accounts_months": "24",
    "options.retention.sent_emails_days": "30",
    "options.retention.exports_days": "3",
}

#: (id, the action, what the entry must say: action, target, details it holds)
CASES: list[tuple[str, Act, str, str, dict[str, Any]]] = [
    (
        "api dialogue update",
        lambda s: s.client.patch(
            f"{ADMIN}/dialogues/{SLUG}",
            json={"title": "Budget 2027"},
            headers=s.world.admin.headers,
        ),
        "dialogue.update",
        f"dialogue:{SLUG}",
        {"fields": ["title"]},
    ),
    (
        "page dialogue create",
        lambda s: s.post(
            "/admin/dialogues/new", data={"title": "Idées", "kind": "ideas", "slug": "idees"}
        ),
        "dialogue.create",
        "dialogue:idees",
        {},
    ),
    (
        "page dialogue update",
        lambda s: s.post(
            f"/admin/dialogues/{SLUG}",
            data={
                "title": "Budget",
                "kind": "ideas",
                "description": "",
                "comments": "thread",
                "moderation": "post",
                "results_visibility": "manual",
            },
        ),
        "dialogue.update",
        f"dialogue:{SLUG}",
        {},
    ),
    (
        "page phases",
        lambda s: s.post(
            f"/admin/dialogues/{SLUG}/phases",
            data={"proposals-enabled": "on", "results-enabled": "on"},
        ),
        "dialogue.update",
        f"dialogue:{SLUG}",
        {"fields": ["phases"]},
    ),
    (
        "page vote module",
        lambda s: s.post(
            f"/admin/dialogues/{SLUG}/vote", data={"type": "support", "settings.label": "Oui"}
        ),
        "dialogue.update",
        f"dialogue:{SLUG}",
        {"fields": ["vote"]},
    ),
    (
        "page archive",
        lambda s: s.post(f"/admin/dialogues/{SLUG}/archive"),
        "dialogue.archive",
        f"dialogue:{SLUG}",
        {},
    ),
    (
        "api phase switch",
        lambda s: s.post(f"{ADMIN}/dialogues/{SLUG}/phase", json={"kind": "results"}),
        "phase.switch",
        f"dialogue:{SLUG}",
        {"phase": "results", "closed": "proposals"},
    ),
    (
        "page phase switch",
        lambda s: s.post(f"/admin/dialogues/{SLUG}/phase", data={"kind": "vote"}),
        "phase.switch",
        f"dialogue:{SLUG}",
        {"phase": "vote"},
    ),
    (
        "api review",
        lambda s: s.client.patch(
            f"{ADMIN}/proposals/{s.proposal}",
            json={"status": "accepted", "cost": 1200},
            headers=s.world.admin.headers,
        ),
        "proposal.review",
        "proposal:{proposal}",
        {"fields": ["cost", "status"], "status": "accepted", "previous": "published"},
    ),
    (
        "page review",
        lambda s: s.post(
            f"/admin/proposals/{s.proposal}/review",
            data={"status": "refused", "status_reason": "Hors budget."},
        ),
        "proposal.review",
        "proposal:{proposal}",
        {"status": "refused", "previous": "published"},
    ),
    (
        "page bulk review",
        lambda s: s.post(
            f"/admin/dialogues/{SLUG}/proposals/bulk",
            data={"ids": [str(s.proposal)], "status": "under_review"},
        ),
        "proposal.review",
        "proposal:{proposal}",
        {"fields": ["status"], "status": "under_review"},
    ),
    (
        "page proposal moderation",
        lambda s: s.post(
            f"/admin/proposals/{s.proposal}/moderate",
            data={"action": "hide", "reason": "Hors sujet"},
        ),
        "proposal.moderate",
        "proposal:{proposal}",
        {"decision": "hide", "reason": "Hors sujet"},
    ),
    (
        "page comment moderation",
        lambda s: s.post(f"/admin/moderation/comments/{s.comment}", data={"action": "keep"}),
        "comment.moderate",
        "comment:{comment}",
        {"decision": "keep"},
    ),
    (
        "api publish",
        lambda s: s.post(f"{ADMIN}/dialogues/{SLUG}/results/publish"),
        "results.publish",
        f"dialogue:{SLUG}",
        {},
    ),
    (
        "api unpublish",
        lambda s: s.post(f"{ADMIN}/dialogues/{SLUG}/results/unpublish"),
        "results.unpublish",
        f"dialogue:{SLUG}",
        {},
    ),
    (
        "page publish",
        lambda s: s.post(f"/dialogues/{SLUG}/results", data={"action": "publish"}),
        "results.publish",
        f"dialogue:{SLUG}",
        {},
    ),
    (
        "api group create",
        lambda s: s.post(f"{ADMIN}/groups", json={"name": "Jury"}),
        "group.create",
        "group:Jury",
        {},
    ),
    (
        "page group create",
        lambda s: s.post("/admin/groups", data={"name": "Jury"}),
        "group.create",
        "group:Jury",
        {},
    ),
    ("api member add", _api_member_add, "group.member_add", "group:Comité", {"user": "{alice}"}),
    ("api member remove", _api_member_remove, "group.member_remove", "group:Comité", {}),
    ("page member remove", _page_member_remove, "group.member_remove", "group:Comité", {}),
    ("page rename", _page_rename, "group.rename", "group:Jury", {"from": "Comité"}),
    (
        "page import",
        _page_import,
        "group.import",
        "group:Comité",
        {"added": 2, "already": 0, "refused": 1},
    ),
    ("page group delete", _page_delete, "group.delete", "group:Comité", {}),
    (
        "page role",
        lambda s: s.post(f"/admin/people/{s.world.bob.user.id}/role", data={"role": "moderator"}),
        "user.role",
        "user:{bob}",
        {"role": "moderator"},
    ),
    (
        "api export",
        lambda s: s.client.get(
            f"{ADMIN}/dialogues/{SLUG}/export",
            params={"what": "proposals", "format": "csv"},
            headers=s.world.admin.headers,
        ),
        "export.download",
        f"dialogue:{SLUG}",
        {"what": "proposals", "format": "csv"},
    ),
    ("signed export", _signed_export, "export.download", f"dialogue:{SLUG}", {"what": "proposals"}),
    (
        "page organisation",
        lambda s: s.post(
            "/admin/organisation",
            data=ORGANISATION_FORM,
            files={"logo": ("", b"", "application/octet-stream")},
        ),
        "organisation.update",
        "",
        {},
    ),
]


async def _entries(database: Database, action: str) -> list[AuditEntry]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


@pytest.mark.parametrize(
    ("act", "action", "target", "details"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_each_staff_action_lands_in_the_audit_log(
    client: Client,
    world: World,
    database: Database,
    act: Act,
    action: str,
    target: str,
    details: dict[str, Any],
) -> None:
    scene = await _scene(client, world)
    names = {
        "proposal": scene.proposal,
        "comment": scene.comment,
        "alice": world.alice.user.id,
        "bob": world.bob.user.id,
    }
    before = len(await _entries(database, action))
    response = await act(scene)
    assert response.status_code < 400, response.text
    entries = await _entries(database, action)
    assert len(entries) == before + 1, [(e.action, e.target) for e in entries]
    entry = entries[-1]
    assert entry.target == target.format(**names)
    assert entry.actor_id == world.admin.user.id
    expected = {
        key: (int(value.format(**names)) if isinstance(value, str) and "{" in value else value)
        for key, value in details.items()
    }
    assert {key: entry.details.get(key) for key in expected} == expected
    if action == "organisation.update":
        assert "options.retention" in entry.details["changed"]


async def test_a_refused_action_records_nothing(
    client: Client, world: World, database: Database
) -> None:
    scene = await _scene(client, world)
    refused = await scene.post(
        f"/admin/proposals/{scene.proposal}/moderate", data={"action": "hide", "reason": ""}
    )
    assert refused.status_code == 422
    bad = await scene.client.patch(
        f"{ADMIN}/proposals/{scene.proposal}",
        json={"theme": "inconnu"},
        headers=world.admin.headers,
    )
    assert bad.status_code == 422
    assert await _entries(database, "proposal.moderate") == []
    assert await _entries(database, "proposal.review") == []


async def test_the_log_is_for_administrators(client: Client, world: World) -> None:
    scene = await _scene(client, world)
    await scene.post(f"{ADMIN}/dialogues/{SLUG}/results/publish")
    await scene.post(f"/admin/people/{world.bob.user.id}/role", data={"role": "moderator"})

    api = await client.get(f"{ADMIN}/audit", headers=world.admin.headers)
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    assert [item["action"] for item in body["items"]] == [
        "user.role",
        "results.publish",
        "dialogue.create",
    ]
    newest = body["items"][0]
    assert newest["target"] == f"user:{world.bob.user.id}"
    assert newest["details"] == {"role": "moderator"}
    assert newest["actor"]["email"] == "admin@ville.test" and newest["actor"]["deleted"] is False
    only = await client.get(
        f"{ADMIN}/audit",
        params={"action": "results.publish", "per_page": 1},
        headers=world.admin.headers,
    )
    assert [item["action"] for item in only.json()["items"]] == ["results.publish"]
    assert only.json()["total"] == 1
    second = await client.get(
        f"{ADMIN}/audit", params={"page": 2, "per_page": 2}, headers=world.admin.headers
    )
    assert [item["action"] for item in second.json()["items"]] == ["dialogue.create"]
    assert (
        await client.get(f"{ADMIN}/audit", params={"per_page": 101}, headers=world.admin.headers)
    ).status_code == 400

    page = await client.get("/admin/audit", headers=world.admin.headers)
    assert page.status_code == 200
    assert "Résultats publiés" in page.text and "admin@ville.test" in page.text
    assert '<option value="user.role">Rôle changé</option>' in page.text
    filtered = await client.get(
        "/admin/audit", params={"action": "user.role"}, headers=world.admin.headers
    )
    assert "Rôle changé <span" in filtered.text and "Résultats publiés <span" not in filtered.text

    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    for person in (moderator, world.bob, world.alice):
        assert (await client.get(f"{ADMIN}/audit", headers=person.headers)).status_code == 403
        assert (await client.get("/admin/audit", headers=person.headers)).status_code == 403
    assert (await client.get(f"{ADMIN}/audit")).status_code == 401
