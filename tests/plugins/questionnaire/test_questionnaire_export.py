"""The back office exports a questionnaire's responses as CSV, streamed in batches; read
back here with the csv module."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Dialogue
from plugins.questionnaire.models import Answer, Question, Response
from tests.conftest import World
from tests.questionnaire_helpers import (
    ADMIN_DIALOGUES,
    EVERY_KIND,
    RESPONSES,
    SLUG,
    MakeQuestionnaire,
    answers,
    dialogue_with,
)

EXPORT = f"{ADMIN_DIALOGUES}/{SLUG}/export"


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


QUESTION_COLUMNS = [
    "Q1. Quel logo pour notre ville ?",
    "Q1. Autre (précision)",
    "Q2. Où le voir ?",
    "Q2. Autre (précision)",
    "Q3. Êtes-vous attaché·e au blason actuel ?",
    "Q4. Classez ces valeurs.",
    "Q5. Pourquoi le blason ?",
    "Q6. Un commentaire ?",
]


async def test_responses_export_as_csv(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    alice = answers(
        ids,
        "blason",
        ["site", {"other": "Les bus; et les trams"}],
        4,
        ["nature", "dynamisme", "patrimoine"],
        'Il est "beau"\net simple.',
    )
    bob = answers(ids, {"other": "Un hibou"}, None, 1, None, None, "Bravo")
    for person, body in ((world.alice, alice), (world.bob, bob)):
        response = await client.post(RESPONSES, json=body, headers=person.headers)
        assert response.status_code == 201, response.text

    exported = await client.get(
        EXPORT, params={"what": "responses", "format": "csv"}, headers=world.admin.headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == f'attachment; filename="{SLUG}-responses.csv"'
    header, *rows = read_csv(exported.content)
    assert header == ["réponse", "participant", "envoyée le", "modifiée le", *QUESTION_COLUMNS]
    assert len(rows) == 2
    by_email = {row[1]: row for row in rows}
    assert by_email["alice@example.org"][4:] == [
        "Le blason",
        "",
        "Site internet | Autre",
        "Les bus; et les trams",
        "4",
        "1. Nature | 2. Dynamisme | 3. Patrimoine",
        'Il est "beau"\net simple.',
        "",
    ]
    assert by_email["bob@example.org"][4:] == ["Autre", "Un hibou", "", "", "1", "", "", "Bravo"]
    assert all(row[2] for row in rows)


async def test_an_anonymous_export_names_no_one(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire({**EVERY_KIND, "anonymous": True}))["ids"]
    await client.post(RESPONSES, json=answers(ids, "arbre", None, 2), headers=world.alice.headers)
    exported = await client.get(EXPORT, params={"what": "responses"}, headers=world.admin.headers)
    assert exported.status_code == 200, exported.text
    header, row = read_csv(exported.content)
    assert header == ["réponse", *QUESTION_COLUMNS]
    assert "alice" not in exported.text
    assert row[1:] == ["L'arbre", "", "", "", "2", "", "", ""]


async def test_the_export_reads_responses_in_batches(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    await make_questionnaire(
        {"questions": [{"kind": "scale", "text": "Note ?", "min": 0, "max": 10}]}
    )
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert dialogue is not None
        question = await session.scalar(select(Question))
        assert question is not None
        responses = [Response(dialogue_id=dialogue.id) for _ in range(1_234)]
        session.add_all(responses)
        await session.flush()
        session.add_all(
            Answer(response_id=r.id, question_id=question.id, value=n % 11)
            for n, r in enumerate(responses)
        )
        await session.commit()
        expected = [[str(r.id), str(n % 11)] for n, r in enumerate(responses)]
    exported = await client.get(EXPORT, params={"what": "responses"}, headers=world.admin.headers)
    assert exported.status_code == 200
    header, *rows = read_csv(exported.content)
    assert header == ["réponse", "participant", "envoyée le", "modifiée le", "Q1. Note ?"]
    assert [[row[0], row[4]] for row in rows] == expected


async def test_export_refusals(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire()
    citizen = await client.get(EXPORT, params={"what": "responses"}, headers=world.alice.headers)
    assert citizen.status_code == 403
    assert (await client.get(EXPORT, params={"what": "responses"})).status_code == 401
    unknown = await client.get(EXPORT, params={"what": "secrets"}, headers=world.admin.headers)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "validation"
    bad_format = await client.get(
        EXPORT, params={"what": "responses", "format": "pdf"}, headers=world.admin.headers
    )
    assert bad_format.status_code == 422
    missing = await client.get(EXPORT, headers=world.admin.headers)
    assert missing.status_code == 400
    other = dialogue_with(EVERY_KIND, slug="sans-questionnaire")
    del other["questionnaire"]
    assert (
        await client.post(ADMIN_DIALOGUES, json=other, headers=world.admin.headers)
    ).status_code == 201
    none = await client.get(
        f"{ADMIN_DIALOGUES}/sans-questionnaire/export",
        params={"what": "responses"},
        headers=world.admin.headers,
    )
    assert none.status_code == 404
