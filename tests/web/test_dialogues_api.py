"""The dialogue endpoints and the back office's dialogue endpoints."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import switch_phase
from tests.conftest import World
from tests.helpers import ADMIN_DIALOGUES, create_dialogue, dialogue_body

Client = AsyncTestClient[Litestar]


async def test_admin_creates_a_dialogue_everyone_can_read(client: Client, world: World) -> None:
    created = await create_dialogue(
        client,
        world.admin.headers,
        kind="budget",
        vote={"type": "support", "settings": {"max_votes": 3}},
        budget={"amount": 100_000, "rule": "greedy"},
        comments={"mode": "qualified"},
        themes=[{"key": "mobilite", "label": "Mobilité"}],
        form=[
            {"key": "quartier", "label": "Quartier", "type": "text", "required": True},
            {"key": "tel", "label": "Téléphone", "type": "text", "confidential": True},
        ],
        results_visibility="live",
    )
    assert created["current_phase"] == "proposals"
    assert created["vote"]["type"] == "support"
    assert created["vote"]["settings"]["max_votes"] == 3
    assert created["budget"] == {"amount": 100_000, "rule": "greedy"}
    response = await client.get("/api/v1/dialogues/budget-2027")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("slug", "kind", "current_phase")} == {
        "slug": "budget-2027",
        "kind": "budget",
        "current_phase": "proposals",
    }
    assert [phase["kind"] for phase in body["phases"]] == ["proposals", "vote", "results"]
    assert body["comments"] == {"mode": "qualified"}
    assert [field["key"] for field in body["form"]] == ["quartier", "tel"]
    listing = (await client.get("/api/v1/dialogues")).json()
    assert listing["total"] == 1
    assert listing["items"] == [
        {
            "slug": "budget-2027",
            "title": "Budget participatif 2027",
            "kind": "budget",
            "current_phase": "proposals",
        }
    ]


async def test_unknown_dialogue_is_404_with_code(client: Client, world: World) -> None:
    response = await client.get("/api/v1/dialogues/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_back_office_refuses_citizens_and_anonymous(client: Client, world: World) -> None:
    anonymous = await client.post(ADMIN_DIALOGUES, json=dialogue_body())
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth.required")
    citizen = await client.post(ADMIN_DIALOGUES, json=dialogue_body(), headers=world.alice.headers)
    assert (citizen.status_code, citizen.json()["code"]) == (403, "forbidden")


async def test_bad_bodies_are_refused_with_codes(client: Client, world: World) -> None:
    cases = [
        (dialogue_body(unknown_field=1), 400),
        (dialogue_body(kind="referendum"), 400),
        (dialogue_body(slug="Pas Bon"), 422),
        (dialogue_body(vote={"type": "nope"}), 422),
        (dialogue_body(vote={"type": "support", "settings": {"max_votes": "x"}}), 422),
        (dialogue_body(vote={"type": "support", "settings": {"bogus": 1}}), 422),
        (dialogue_body(budget={"amount": 1000, "rule": "nope"}), 422),
        (dialogue_body(budget={"amount": -5}), 422),
        (dialogue_body(form=[{"key": "a", "label": "A", "type": "nope"}]), 422),
        (dialogue_body(form=[{"key": "a", "label": "A", "type": "choice"}]), 422),
        (dialogue_body(phases=[{"kind": "vote"}, {"kind": "vote"}]), 422),
        (dialogue_body(phases=[{"kind": "vote", "starts_at": "2027-01-01T00:00:00"}]), 422),
        (dialogue_body(phases=[{"kind": "vote", "groups": ["inconnu"]}]), 422),
    ]
    for body, status in cases:
        response = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
        assert response.status_code == status, (body, response.text)
        assert set(response.json()) >= {"status_code", "detail", "code"}
        assert response.json()["code"] in {"validation", "bad_request"}
    assert (await client.get("/api/v1/dialogues")).json()["total"] == 0


async def test_malformed_json_is_a_400_not_a_500(client: Client, world: World) -> None:
    response = await client.post(
        ADMIN_DIALOGUES,
        content=b"{not json",
        headers={**world.admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation"


async def test_slug_taken_is_a_conflict(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    response = await client.post(ADMIN_DIALOGUES, json=dialogue_body(), headers=world.admin.headers)
    assert (response.status_code, response.json()["code"]) == (409, "dialogue.slug_taken")


async def test_patch_changes_only_what_is_given(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/budget-2027",
        json={"title": "Nouveau titre", "results_visibility": "manual"},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Nouveau titre"
    assert body["results_visibility"] == "manual"
    assert body["description"] == "Proposez vos idées pour la ville."
    refused = await client.patch(
        f"{ADMIN_DIALOGUES}/budget-2027", json={"slug": "autre"}, headers=world.admin.headers
    )
    assert refused.status_code == 422


async def test_switching_the_phase_by_hand(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    await switch_phase(client, world.admin.headers, "budget-2027", "vote")
    await switch_phase(client, world.admin.headers, "budget-2027", "proposals")
    await switch_phase(client, world.admin.headers, "budget-2027", "results")
    phases = (await client.get("/api/v1/dialogues/budget-2027")).json()["phases"]
    assert phases[0]["ends_at"] is not None and phases[1]["ends_at"] is not None
    response = await client.post(
        f"{ADMIN_DIALOGUES}/budget-2027/phase",
        json={"kind": "information"},
        headers=world.admin.headers,
    )
    assert response.status_code == 422


async def test_phase_groups_are_kept(client: Client, world: World, session: object) -> None:
    from core.models import Group

    async with world.database.session() as db:
        db.add(Group(organisation_id=world.org.id, name="comite"))
        await db.commit()
    created = await create_dialogue(
        client, world.admin.headers, phases=[{"kind": "vote", "groups": ["comite"]}]
    )
    assert created["phases"][0]["groups"] == ["comite"]


async def test_pagination_bounds_are_validated(client: Client, world: World) -> None:
    for query in ("per_page=101", "per_page=0", "page=0", "page=abc"):
        response = await client.get(f"/api/v1/dialogues?{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] == "validation"


async def test_unknown_host_is_404(client: Client, world: World) -> None:
    response = await client.get("/api/v1/dialogues", headers={"Host": "ailleurs.example"})
    assert (response.status_code, response.json()["code"]) == (404, "organisation.unknown")


async def test_openapi_is_published(client: Client, world: World) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "/api/v1/dialogues/{slug}/proposals" in schema["paths"]
    assert "/api/v1/admin/dialogues" in schema["paths"]
