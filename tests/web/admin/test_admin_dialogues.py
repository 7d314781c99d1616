"""Dialogue pages of the back office: create, edit, archive, phases, switching a phase."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PARIS = ZoneInfo("Europe/Paris")


async def _post(client: Client, world: World, path: str, data: dict[str, object]) -> object:
    return await client.post(path, data=data, headers=world.admin.headers, follow_redirects=False)


async def test_an_admin_creates_a_dialogue_from_the_form(client: Client, world: World) -> None:
    page = await client.get("/admin/dialogues/new", headers=world.admin.headers)
    assert page.status_code == 200 and "Nouvelle démarche" in page.text

    refused = await client.post(
        "/admin/dialogues/new",
        data={"title": "", "slug": "Budget 2027!", "kind": "budget"},
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
    assert "Donnez un titre à la démarche." in refused.text
    assert "L&#39;adresse ne prend que des minuscules" in refused.text
    assert 'value="Budget 2027!"' in refused.text

    created = await client.post(
        "/admin/dialogues/new",
        data={"title": "Budget 2027", "slug": "budget-2027", "kind": "budget"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"].startswith("/admin/dialogues/budget-2027")
    # A dialogue made in the back office is a draft, which only the staff see.
    assert (await client.get("/api/v1/dialogues/budget-2027")).status_code == 404
    body = (await client.get("/api/v1/dialogues/budget-2027", headers=world.admin.headers)).json()
    assert body["kind"] == "budget" and body["published"] is False
    assert [p["kind"] for p in body["phases"]] == [
        "information",
        "proposals",
        "review",
        "vote",
        "results",
    ]

    taken = await client.post(
        "/admin/dialogues/new",
        data={"title": "Encore", "slug": "budget-2027", "kind": "ideas"},
        headers=world.admin.headers,
    )
    assert taken.status_code == 422 and "Une démarche utilise déjà cette adresse." in taken.text


async def test_general_settings_are_saved_and_checked(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, kind="budget")
    page = await client.get("/admin/dialogues/budget-2027", headers=world.admin.headers)
    assert page.status_code == 200
    form = {
        "title": "Budget 2027",
        "kind": "budget",
        "description": "Des idées **pour** la ville",
        "comments": "qualified",
        "moderation": "pre",
        "results_visibility": "live",
        "budget_amount": "",
        "budget_rule": "greedy",
    }
    missing = await client.post(
        "/admin/dialogues/budget-2027", data=form, headers=world.admin.headers
    )
    assert missing.status_code == 422
    assert "Un budget participatif a besoin d&#39;une enveloppe." in missing.text
    saved = await client.post(
        "/admin/dialogues/budget-2027",
        data={**form, "budget_amount": "150 000", "budget_rule": "equal_shares"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    body = (await client.get("/api/v1/dialogues/budget-2027")).json()
    assert body["title"] == "Budget 2027"
    assert body["comments"] == {"mode": "qualified"}
    assert body["budget"] == {"amount": 150_000, "rule": "equal_shares"}
    assert body["moderation"] == "pre"
    assert body["results_visibility"] == "live"


async def test_archiving_takes_a_dialogue_off_the_lists(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    archived = await client.post(
        "/admin/dialogues/budget-2027/archive", headers=world.admin.headers, follow_redirects=False
    )
    assert archived.status_code == 303
    assert (await client.get("/api/v1/dialogues")).json()["total"] == 0
    listing = await client.get("/admin/dialogues", headers=world.admin.headers)
    assert "Archivée" in listing.text
    await client.post("/admin/dialogues/budget-2027/restore", headers=world.admin.headers)
    assert (await client.get("/api/v1/dialogues")).json()["total"] == 1


async def test_phases_are_dated_restricted_and_switched(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, kind="budget")
    await client.post("/api/v1/admin/groups", json={"name": "Jury"}, headers=world.admin.headers)
    page = await client.get("/admin/dialogues/budget-2027/phases", headers=world.admin.headers)
    assert page.status_code == 200 and "Jury" in page.text

    bad = await client.post(
        "/admin/dialogues/budget-2027/phases",
        data={
            "proposals-enabled": "on",
            "proposals-starts_at": "2027-03-10T09:00",
            "proposals-ends_at": "2027-03-01T09:00",
            "vote-enabled": "on",
            "vote-starts_at": "demain",
        },
        headers=world.admin.headers,
    )
    assert bad.status_code == 422
    assert "doit finir après son début" in bad.text
    assert "Date invalide" in bad.text
    assert 'value="demain"' in bad.text

    saved = await client.post(
        "/admin/dialogues/budget-2027/phases",
        data={
            "proposals-enabled": "on",
            "proposals-title": "Déposez vos projets",
            "proposals-starts_at": "2027-03-01T09:00",
            "proposals-ends_at": "2027-04-01T18:00",
            "vote-enabled": "on",
            "vote-starts_at": "2027-05-01T09:00",
            "vote-ends_at": "2027-05-31T18:00",
            "vote-groups": "Jury",
            "results-enabled": "on",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    body = (await client.get("/api/v1/dialogues/budget-2027")).json()
    assert [p["kind"] for p in body["phases"]] == ["proposals", "vote", "results"]
    proposals, vote, _ = body["phases"]
    assert proposals["title"] == "Déposez vos projets"
    assert datetime.fromisoformat(proposals["starts_at"]) == datetime(2027, 3, 1, 9, tzinfo=PARIS)
    assert vote["groups"] == ["Jury"]
    assert body["current_phase"] is None

    switched = await client.post(
        "/admin/dialogues/budget-2027/phase",
        data={"kind": "vote"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert (await client.get("/api/v1/dialogues/budget-2027")).json()["current_phase"] == "vote"
    unknown = await client.post(
        "/admin/dialogues/budget-2027/phase", data={"kind": "review"}, headers=world.admin.headers
    )
    assert unknown.status_code == 422
