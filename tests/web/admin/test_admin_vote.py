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


async def test_a_type_picked_in_the_list_is_saved_with_one_click(
    client: Client, world: World
) -> None:
    """Picking a type then "Enregistrer le vote" saves it (its default settings), on a
    page that showed no settings or another type's; saving what is already stored says
    that nothing changed, not that it was saved."""
    await create_dialogue(client, world.admin.headers, kind="budget")
    saved = await client.post(
        PAGE,
        data={"shown": "", "type": "support"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "notice=saved" in saved.headers["location"]
    vote = (await client.get("/api/v1/dialogues/budget-2027")).json()["vote"]
    assert vote["type"] == "support"
    page = await client.get(saved.headers["location"], headers=world.admin.headers)
    assert "Vote enregistré : <strong>Soutien</strong>" in page.text
    assert 'name="settings.label"' in page.text

    # The support settings on the page are not the binary vote's.
    switched = await client.post(
        PAGE,
        data={"shown": "support", "type": "binary", "settings.label": "Je soutiens"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert switched.status_code == 303
    vote = (await client.get("/api/v1/dialogues/budget-2027")).json()["vote"]
    assert vote["type"] == "binary" and "label" not in vote["settings"]

    again = await client.post(
        PAGE,
        data={"shown": "binary", "type": "binary", "show": "1"},
        headers=world.admin.headers,
    )
    assert again.status_code == 200 and 'name="settings.options"' in again.text
    same = await client.post(
        PAGE,
        data={"shown": "binary", "type": "binary", **_settings_fields(again.text)},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert same.status_code == 303 and "notice=unchanged" in same.headers["location"]
    shown = await client.get(same.headers["location"], headers=world.admin.headers)
    assert "Rien n&#39;a changé" in shown.text or "Rien n'a changé" in shown.text
    assert "Les modifications sont enregistrées" not in shown.text


def _settings_fields(html: str) -> dict[str, str]:
    """The settings fields of a vote page as its form would post them."""
    import re

    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="(settings\.[^"]+)"[^>]*value="([^"]*)"', html):
        fields[name] = value
    for name, value in re.findall(
        r'<textarea[^>]*name="(settings\.[^"]+)"[^>]*>([^<]*)</textarea>', html
    ):
        fields[name] = value.strip("\n")
    return fields
