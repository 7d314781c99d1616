"""Questionnaire tests: a dialogue with a questionnaire, created through the admin API."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World
from tests.questionnaire_helpers import (
    ADMIN_DIALOGUES,
    EVERY_KIND,
    QUESTIONNAIRE,
    MakeQuestionnaire,
    dialogue_with,
)


@pytest.fixture
def make_questionnaire(client: AsyncTestClient[Litestar], world: World) -> MakeQuestionnaire:
    """Creates the dialogue through the admin API; returns the questionnaire as the API
    shows it, with ``ids``: the question ids in order."""

    async def make(
        questionnaire: dict[str, Any] | None = None, phase: str = "vote", **changes: Any
    ) -> dict[str, Any]:
        body = dialogue_with(questionnaire or EVERY_KIND, phase, **changes)
        created = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
        assert created.status_code == 201, created.text
        shown = await client.get(QUESTIONNAIRE)
        assert shown.status_code == 200, shown.text
        result: dict[str, Any] = shown.json()
        result["ids"] = [question["id"] for question in result["questions"]]
        return result

    return make
