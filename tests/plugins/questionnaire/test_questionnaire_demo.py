"""The demonstration questionnaire: a logo vote with images the plugin serves, and a few
other questions, built through the same path as the back office."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Dialogue
from core.plugin_manager import Plugins
from plugins.questionnaire.demo import create_demo_questionnaire
from tests.conftest import World
from tests.helpers import dialogue_body

ADMIN_DIALOGUES = "/api/v1/admin/dialogues"


async def test_the_demo_questionnaire(
    client: AsyncTestClient[Litestar], world: World, database: Database, plugins: Plugins
) -> None:
    body = dialogue_body("logo", kind="questionnaire")
    assert (
        await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    ).status_code == 201
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == "logo"))
        assert dialogue is not None
        await create_demo_questionnaire(session, plugins, dialogue)
        await session.commit()

    shown = (await client.get("/api/v1/dialogues/logo/questionnaire")).json()
    first = shown["questions"][0]
    assert first["text"] == "Quel logo pour notre ville ?"
    assert first["kind"] == "single" and first["required"] is True
    assert len(first["options"]) == 3
    assert {q["kind"] for q in shown["questions"]} == {
        "single",
        "multiple",
        "scale",
        "ranking",
        "text",
    }
    for option in first["options"]:
        logo = await client.get(option["image_url"])
        assert logo.status_code == 200, option["image_url"]
        assert logo.headers["content-type"].startswith("image/svg+xml")
        assert logo.text.lstrip().startswith("<svg")
    condition = next(q for q in shown["questions"] if "show_if" in q)
    assert condition["show_if"]["question"] in [q["id"] for q in shown["questions"]]
