"""The proposal form builder: fields, order, confidentiality, options, themes, sectors."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PAGE = "/admin/dialogues/budget-2027/form"


def row(index: int, **values: Any) -> dict[str, Any]:
    return {f"f{index}-{name}": value for name, value in values.items()}


async def test_fields_are_built_ordered_and_removed(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    page = await client.get(PAGE, headers=world.admin.headers)
    assert page.status_code == 200 and "Nouveau champ" in page.text
    data = {
        "rows": "3",
        **row(0, label="Téléphone", type="text", position="2", confidential="on"),
        **row(
            1,
            label="Quartier concerné",
            type="choice",
            position="1",
            required="on",
            options="nord = Nord\nSud\n",
        ),
        **row(2, label="", type="text", position="3"),
        "themes": "Mobilité douce\nnature = Nature en ville",
        "sectors": "centre = Centre-ville",
    }
    saved = await client.post(PAGE, data=data, headers=world.admin.headers, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    body = (await client.get("/api/v1/dialogues/budget-2027")).json()
    assert body["form"] == [
        {
            "key": "quartier-concerne",
            "label": "Quartier concerné",
            "type": "choice",
            "required": True,
            "options": [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}],
        },
        {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
    ]
    assert body["themes"] == [
        {"key": "mobilite-douce", "label": "Mobilité douce"},
        {"key": "nature", "label": "Nature en ville"},
    ]
    assert body["sectors"] == [{"key": "centre", "label": "Centre-ville"}]

    edit = await client.get(PAGE, headers=world.admin.headers)
    assert 'value="quartier-concerne"' in edit.text
    removed = await client.post(
        PAGE,
        data={
            "rows": "2",
            **row(
                0,
                key="quartier-concerne",
                label="Quartier concerné",
                type="choice",
                position="1",
                options="nord = Nord",
                remove="on",
            ),
            **row(1, key="telephone", label="Téléphone", type="text", position="2"),
            "themes": "",
            "sectors": "",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert removed.status_code == 303
    body = (await client.get("/api/v1/dialogues/budget-2027")).json()
    assert [field["key"] for field in body["form"]] == ["telephone"]
    assert body["themes"] == [] and body["sectors"] == []


async def test_a_bad_form_comes_back_with_messages(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    refused = await client.post(
        PAGE,
        data={
            "rows": "3",
            **row(0, label="Liste", type="choice", position="1"),
            **row(1, label="A", key="même", type="text", position="2"),
            **row(2, label="B", key="dup", type="nope", position="3"),
            "themes": "a = A\na = encore",
        },
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
    text = refused.text
    assert "Ce type de champ a besoin d&#39;options." in text
    assert "Lettres sans accents" in text
    assert "Choisissez un type de champ." in text
    assert "la clé « a » est déjà utilisée" in text
    assert 'value="Liste"' in text
    assert (await client.get("/api/v1/dialogues/budget-2027")).json()["form"] == []
