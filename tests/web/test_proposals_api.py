"""Proposals through the API: submission, drafts, edition, review, filters, GeoJSON."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import switch_phase
from tests.conftest import World
from tests.helpers import ADMIN_DIALOGUES, create_dialogue

Client = AsyncTestClient[Litestar]
PROPOSALS = "/api/v1/dialogues/budget-2027/proposals"
FORM = [
    {"key": "quartier", "label": "Quartier", "type": "text", "required": True},
    {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
    {
        "key": "public",
        "label": "Public visé",
        "type": "choice",
        "options": [{"key": "enfants", "label": "Enfants"}, {"key": "tous", "label": "Tous"}],
    },
]
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]


async def _dialogue(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, form=FORM, themes=THEMES, sectors=SECTORS)


def _proposal(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Des pistes cyclables rue Nationale",
        "body": "Sécuriser les trajets vers l'école.",
        "fields": {"quartier": "Centre", "telephone": "0600000000", "public": "tous"},
        "theme": "mobilite",
        "sector": "nord",
        "location": {"lat": 47.2184, "lng": -1.5536},
        "cost": 45_000,
    }
    body.update(changes)
    return body


async def test_citizen_submits_and_everyone_reads_without_confidential_fields(
    client: Client, world: World
) -> None:
    await _dialogue(client, world)
    response = await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "published"
    assert created["author"]["name"] == "Alice"
    assert created["fields"]["telephone"] == "0600000000"
    assert created["location"] == {"lat": 47.2184, "lng": -1.5536}
    for viewer in ({}, world.bob.headers):
        seen = (await client.get(f"/api/v1/proposals/{created['id']}", headers=viewer)).json()
        assert "telephone" not in seen["fields"]
        assert seen["fields"]["quartier"] == "Centre"
        listed = (await client.get(PROPOSALS, headers=viewer)).json()
        assert "0600000000" not in str(listed)
    for viewer in (world.alice.headers, world.admin.headers):
        seen = (await client.get(f"/api/v1/proposals/{created['id']}", headers=viewer)).json()
        assert seen["fields"]["telephone"] == "0600000000"


async def test_anonymous_cannot_submit(client: Client, world: World) -> None:
    await _dialogue(client, world)
    response = await client.post(PROPOSALS, json=_proposal())
    assert (response.status_code, response.json()["code"]) == (401, "auth.required")


async def test_submission_needs_the_proposals_phase(client: Client, world: World) -> None:
    await _dialogue(client, world)
    await switch_phase(client, world.admin.headers, "budget-2027", "vote")
    response = await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)
    assert (response.status_code, response.json()["code"]) == (409, "proposals.phase_closed")


async def test_bad_proposals_are_refused_and_nothing_is_stored(
    client: Client, world: World
) -> None:
    await _dialogue(client, world)
    cases = [
        _proposal(title="ab"),
        _proposal(theme="inconnu"),
        _proposal(sector="ouest"),
        _proposal(location={"lat": 123, "lng": 0}),
        _proposal(cost=-1),
        _proposal(fields={"telephone": "1"}),
        _proposal(fields={"quartier": "x", "public": "adultes"}),
        _proposal(fields={"quartier": "x", "inconnu": "y"}),
    ]
    for body in cases:
        response = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "validation"
        assert "0600000000" not in response.text
    for body in (_proposal(extra=1), _proposal(cost="cher")):
        response = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert response.status_code == 400, (body, response.text)
    assert (await client.get(PROPOSALS)).json()["total"] == 0


async def test_draft_is_private_until_published(client: Client, world: World) -> None:
    await _dialogue(client, world)
    draft = (
        await client.post(
            PROPOSALS,
            json={"title": "Un jardin partagé", "draft": True},
            headers=world.alice.headers,
        )
    ).json()
    assert draft["status"] == "draft" and draft["published_at"] is None
    assert (await client.get(f"/api/v1/proposals/{draft['id']}")).status_code == 404
    assert (
        await client.get(f"/api/v1/proposals/{draft['id']}", headers=world.bob.headers)
    ).status_code == 404
    assert (await client.get(PROPOSALS)).json()["total"] == 0
    # Publishing needs the required fields.
    refused = await client.post(
        f"/api/v1/proposals/{draft['id']}/publish", headers=world.alice.headers
    )
    assert refused.status_code == 422
    patched = await client.patch(
        f"/api/v1/proposals/{draft['id']}",
        json={"fields": {"quartier": "Nord"}},
        headers=world.alice.headers,
    )
    assert patched.status_code == 200, patched.text
    not_author = await client.post(
        f"/api/v1/proposals/{draft['id']}/publish", headers=world.bob.headers
    )
    assert not_author.status_code == 404
    published = await client.post(
        f"/api/v1/proposals/{draft['id']}/publish", headers=world.alice.headers
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert (await client.get(PROPOSALS)).json()["total"] == 1
    again = await client.post(
        f"/api/v1/proposals/{draft['id']}/publish", headers=world.alice.headers
    )
    assert (again.status_code, again.json()["code"]) == (422, "proposal.not_draft")


async def test_only_the_author_edits_and_only_before_review(client: Client, world: World) -> None:
    await _dialogue(client, world)
    created = (await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)).json()
    url = f"/api/v1/proposals/{created['id']}"
    assert (
        await client.patch(url, json={"title": "Autre titre"}, headers=world.bob.headers)
    ).status_code == 403
    ok = await client.patch(url, json={"title": "Autre titre"}, headers=world.alice.headers)
    assert ok.json()["title"] == "Autre titre"
    reviewed = await client.patch(
        f"/api/v1/admin/proposals/{created['id']}",
        json={"status": "under_review"},
        headers=world.admin.headers,
    )
    assert reviewed.status_code == 200
    locked = await client.patch(url, json={"title": "Encore"}, headers=world.alice.headers)
    assert (locked.status_code, locked.json()["code"]) == (403, "proposal.locked")
    assert (await client.get(url)).json()["title"] == "Autre titre"


async def test_staff_review_sets_status_reason_and_cost(client: Client, world: World) -> None:
    await _dialogue(client, world)
    created = (await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)).json()
    url = f"/api/v1/admin/proposals/{created['id']}"
    refused = await client.patch(url, json={"status": "accepted"}, headers=world.alice.headers)
    assert refused.status_code == 403
    response = await client.patch(
        url,
        json={"status": "accepted", "status_reason": "Faisable en 2027", "cost": 50_000},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["status_reason"], body["cost"]) == (
        "accepted",
        "Faisable en 2027",
        50_000,
    )
    bad = await client.patch(url, json={"status": "gagnant"}, headers=world.admin.headers)
    assert bad.status_code == 400


async def test_filters_sort_pagination_and_geojson(client: Client, world: World) -> None:
    await _dialogue(client, world)
    titles = []
    for index in range(25):
        body = _proposal(
            title=f"Proposition numéro {index:02d}",
            theme="nature" if index % 2 else "mobilite",
            sector="sud" if index % 5 == 0 else "nord",
            location=None if index % 3 == 0 else {"lat": 47.0 + index / 100, "lng": -1.5},
            body="Un arbre remarquable" if index == 7 else "Texte",
        )
        response = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert response.status_code == 201
        titles.append(body["title"])
    page = (await client.get(f"{PROPOSALS}?per_page=10&page=3&sort=title")).json()
    assert (page["total"], page["page"], page["per_page"]) == (25, 3, 10)
    assert [item["title"] for item in page["items"]] == sorted(titles)[20:]
    assert (await client.get(f"{PROPOSALS}?theme=nature")).json()["total"] == 12
    assert (await client.get(f"{PROPOSALS}?sector=sud&theme=mobilite")).json()["total"] == 3
    found = (await client.get(f"{PROPOSALS}?q=ARBRE")).json()
    assert [item["title"] for item in found["items"]] == ["Proposition numéro 07"]
    assert (await client.get(f"{PROPOSALS}?q=100%25")).json()["total"] == 0
    assert (await client.get(f"{PROPOSALS}?status=published")).json()["total"] == 25
    bad = await client.get(f"{PROPOSALS}?status=nope")
    assert (bad.status_code, bad.json()["code"]) == (422, "validation")
    bad_sort = await client.get(f"{PROPOSALS}?sort=nope")
    assert bad_sort.status_code == 422
    geojson = await client.get(f"{PROPOSALS}.geojson?theme=nature")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = geojson.json()["features"]
    assert geojson.json()["type"] == "FeatureCollection"
    expected = [i for i in range(25) if i % 2 and i % 3]
    assert sorted(f["properties"]["title"] for f in features) == [
        f"Proposition numéro {i:02d}" for i in expected
    ]
    assert all(f["geometry"]["coordinates"][0] == -1.5 for f in features)


async def test_hidden_and_refused_statuses(client: Client, world: World) -> None:
    await _dialogue(client, world)
    created = (await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)).json()
    await client.patch(
        f"/api/v1/admin/proposals/{created['id']}",
        json={"status": "refused", "status_reason": "Hors compétence"},
        headers=world.admin.headers,
    )
    refused = (await client.get(f"{PROPOSALS}?status=refused")).json()
    assert refused["items"][0]["status_reason"] == "Hors compétence"


async def test_proposals_of_another_organisation_are_unknown(client: Client, world: World) -> None:
    from core.services import organisations

    await _dialogue(client, world)
    created = (await client.post(PROPOSALS, json=_proposal(), headers=world.alice.headers)).json()
    async with world.database.session() as session:
        await organisations.create_organisation(
            session, slug="autre", name="Autre ville", hosts=["autre.example"]
        )
        await session.commit()
    other_host = {"Host": "autre.example"}
    response = await client.get(f"/api/v1/proposals/{created['id']}", headers=other_host)
    assert response.status_code == 404
    response = await client.get("/api/v1/dialogues/budget-2027", headers=other_host)
    assert response.status_code == 404
    token_elsewhere = await client.post(
        PROPOSALS, json=_proposal(), headers={**other_host, **world.alice.headers}
    )
    assert (token_elsewhere.status_code, token_elsewhere.json()["code"]) == (
        401,
        "auth.invalid_token",
    )


async def test_admin_patch_dialogue_phase_listing(client: Client, world: World) -> None:
    await _dialogue(client, world)
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/budget-2027",
        json={"themes": [{"key": "nature", "label": "Nature"}]},
        headers=world.admin.headers,
    )
    assert response.status_code == 200
    assert response.json()["themes"] == [{"key": "nature", "label": "Nature"}]
