"""One citizen sending the same questionnaire 30 times at once, against a real server:
exactly one response is stored, the others are refused with 409, never a server error,
on SQLite and on PostgreSQL, named or anonymous.

Every connection is opened first and the requests released together. The test was seen
failing (several responses stored, or 500s) with the "has answered" row's primary key
and the responses' unique constraint taken out of the plugin's migration.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Database
from plugins.questionnaire.models import Answer, Participant, Response
from tests.conftest import LiveServer, World
from tests.questionnaire_helpers import EVERY_KIND, RESPONSES, MakeQuestionnaire, answers

SUBMISSIONS = 30


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_thirty_concurrent_submissions_store_one_response(
    live_server: LiveServer,
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
    anonymous: bool,
) -> None:
    ids = (await make_questionnaire({**EVERY_KIND, "anonymous": anonymous}))["ids"]
    body = answers(ids, "riviere", ["site"], 3)
    go = asyncio.Event()
    ready = 0

    async def submit() -> httpx.Response:
        nonlocal ready
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
            assert (await http.get("/api/v1/dialogues")).status_code == 200
            ready += 1
            if ready == SUBMISSIONS:
                go.set()
            await go.wait()
            return await http.post(RESPONSES, json=body, headers=world.alice.headers)

    responses = await asyncio.gather(*(submit() for _ in range(SUBMISSIONS)))
    outcomes = Counter(
        (r.status_code, r.json().get("code", "") if r.status_code != 201 else "") for r in responses
    )
    assert outcomes == {(201, ""): 1, (409, "questionnaire.already_answered"): SUBMISSIONS - 1}
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 1
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1
        assert await session.scalar(select(func.count()).select_from(Answer)) == 3
