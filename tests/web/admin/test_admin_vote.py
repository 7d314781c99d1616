"""The vote tab: a vote type's settings form, generated from its Struct and checked."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PAGE = "/admin/dialogues/budget-2027/vote"


async def test_the_settings_form_of_a_vote_type_is_saved(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, kind="budget")
    empty = await client.get(PAGE, headers=world.admin.headers)
    assert empty.status_code == 200 and "Cette démarche n'a pas de vote." in empty.text
    form = await client.get(PAGE + "?type=support", headers=world.admin.headers)
    assert 'name="settings.budget_limit"' in form.text
    assert 'name="settings.label"' in form.text

    saved = await client.post(
        PAGE,
        data={
            "type": "support",
            "settings.label": "Je soutiens",
            "settings.min_votes": "0",
            "settings.max_votes": "",
            "settings.budget_limit": "300000",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    vote = (await client.get("/api/v1/dialogues/budget-2027")).json()["vote"]
    assert vote["type"] == "support"
    assert vote["settings"]["budget_limit"] == 300_000
    assert vote["settings"]["label"] == "Je soutiens"
    assert vote["settings"].get("max_votes") is None

    again = await client.get(PAGE, headers=world.admin.headers)
    assert 'value="300000"' in again.text


async def test_bad_settings_come_back_field_by_field(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    typed = await client.post(
        PAGE,
        data={"type": "support", "settings.label": "Oui", "settings.min_votes": "deux"},
        headers=world.admin.headers,
    )
    assert typed.status_code == 422
    assert "Saisissez un nombre entier." in typed.text
    assert 'value="deux"' in typed.text
    contradictory = await client.post(
        PAGE,
        data={
            "type": "support",
            "settings.label": "Oui",
            "settings.min_votes": "4",
            "settings.max_votes": "2",
        },
        headers=world.admin.headers,
    )
    assert contradictory.status_code == 422
    assert 'id="error-settings.min_votes"' in contradictory.text
    unknown = await client.post(PAGE, data={"type": "lottery"}, headers=world.admin.headers)
    assert unknown.status_code == 422
    assert (await client.get("/api/v1/dialogues/budget-2027")).json()["vote"] is None


async def test_binary_labels_are_customised(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    saved = await client.post(
        PAGE,
        data={
            "type": "binary",
            "settings.options": "for\nagainst\nneutral",
            "settings.labels": "for = D'accord\nagainst = Pas d'accord",
            "settings.min_votes": "0",
            "settings.max_votes": "",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    settings = (await client.get("/api/v1/dialogues/budget-2027")).json()["vote"]["settings"]
    assert settings["options"] == ["for", "against", "neutral"]
    assert settings["labels"] == {"for": "D'accord", "against": "Pas d'accord"}
