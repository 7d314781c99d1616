"""Organisers build a questionnaire in the dialogue body of the admin API: ids given by
the server, every rule checked, and frozen once citizens have answered."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.db import Database
from plugins.questionnaire.models import Question
from tests.conftest import World
from tests.questionnaire_helpers import (
    ADMIN_DIALOGUES,
    EVERY_KIND,
    QUESTIONNAIRE,
    RESPONSES,
    SLUG,
    MakeQuestionnaire,
    answers,
    dialogue_with,
)


async def test_the_api_shows_the_questions_with_ids_given_by_the_server(
    make_questionnaire: MakeQuestionnaire,
) -> None:
    shown = await make_questionnaire()
    ids = shown["ids"]
    assert len(set(ids)) == 6 and all(isinstance(qid, int) for qid in ids)
    assert shown["anonymous"] is False and shown["editable"] is False
    single, multiple, scale, ranking, why, comment = shown["questions"]
    assert single == {
        "id": ids[0],
        "kind": "single",
        "text": "Quel logo pour notre ville ?",
        "required": True,
        "section": "Le logo",
        "other": True,
        "options": [
            {"key": "blason", "label": "Le blason", "image_url": "/static/a.svg"},
            {"key": "riviere", "label": "La rivière"},
            {"key": "arbre", "label": "L'arbre"},
        ],
    }
    assert (multiple["min"], multiple["max"], multiple["required"]) == (1, 2, False)
    assert scale["labels"] == {"min": "Pas du tout", "max": "Énormément"}
    assert (scale["min"], scale["max"], scale["section"]) == (1, 5, "Votre avis")
    assert "options" not in scale
    # A ranking ranks every option unless told otherwise.
    assert (ranking["min"], ranking["max"]) == (3, 3)
    # Skip logic is shown with the id of the question it depends on.
    assert why["show_if"] == {"question": ids[0], "equals": "blason"}
    assert comment == {"id": ids[5], "kind": "text", "text": "Un commentaire ?", "required": False}


async def test_a_dialogue_without_questionnaire_has_none(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    body = dialogue_with(EVERY_KIND)
    del body["questionnaire"]
    created = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    response = await client.get(QUESTIONNAIRE)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def _with(change: Any, index: int = 0, **fields: Any) -> dict[str, Any]:
    questionnaire = copy.deepcopy(EVERY_KIND)
    if callable(change):
        change(questionnaire)
    else:
        questionnaire["questions"][index].update(fields)
    return questionnaire


def _drop(name: str, index: int) -> Any:
    def change(questionnaire: dict[str, Any]) -> None:
        del questionnaire["questions"][index][name]

    return change


INVALID = {
    "too many questions": {"questions": [{"kind": "text", "text": "Q"}] * 201},
    "unknown kind": _with(None, 0, kind="yes_no"),
    "unknown field": _with(None, 0, colour="red"),
    "empty text": _with(None, 0, text="   "),
    "one option": _with(None, 0, options=[{"key": "a", "label": "A"}]),
    "options on text": _with(
        None, 5, options=[{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
    ),
    "choice without options": _with(_drop("options", 3)),
    "bad option key": _with(
        None, 1, options=[{"key": "a b", "label": "A"}, {"key": "c", "label": "C"}]
    ),
    "twice the same key": _with(
        None, 1, options=[{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]
    ),
    "'other' key with other": _with(
        None, 0, options=[{"key": "other", "label": "A"}, {"key": "b", "label": "B"}]
    ),
    "image from another scheme": _with(
        None,
        0,
        options=[
            {"key": "a", "label": "A", "image_url": "javascript:alert(1)"},
            {"key": "b", "label": "B"},
        ],
    ),
    "image on a protocol-relative address": _with(
        None,
        0,
        options=[
            {"key": "a", "label": "A", "image_url": "//evil.example/x.svg"},
            {"key": "b", "label": "B"},
        ],
    ),
    "min on single": _with(None, 0, min=1),
    "max on text": _with(None, 5, max=10),
    "multiple max above options": _with(None, 1, max=5),
    "multiple min above max": _with(None, 1, min=2, max=1),
    "scale of one value": _with(None, 2, min=3, max=3),
    "scale too long": _with(None, 2, min=0, max=20),
    "ranking min of zero": _with(None, 3, min=0),
    "other on scale": _with(None, 2, other=True),
    "labels on single": _with(None, 0, labels={"min": "a"}),
    "condition on itself": _with(None, 4, show_if={"question": 4, "equals": "blason"}),
    "condition on a later question": _with(None, 1, show_if={"question": 2, "equals": "1"}),
    "condition on a scale": _with(None, 4, show_if={"question": 2, "equals": "1"}),
    "condition on an unknown option": _with(None, 4, show_if={"question": 0, "equals": "dragon"}),
    "anonymous and editable": {**EVERY_KIND, "anonymous": True, "editable": True},
}


@pytest.mark.parametrize("questionnaire", list(INVALID.values()), ids=list(INVALID))
async def test_invalid_questionnaires_are_refused_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], world: World, database: Database, questionnaire: Any
) -> None:
    response = await client.post(
        ADMIN_DIALOGUES, json=dialogue_with(questionnaire), headers=world.admin.headers
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["code"] == "validation"
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 404


async def test_a_condition_may_name_the_other_choice(
    make_questionnaire: MakeQuestionnaire,
) -> None:
    shown = await make_questionnaire(_with(None, 4, show_if={"question": 0, "equals": "other"}))
    assert shown["questions"][4]["show_if"]["equals"] == "other"


async def test_patch_replaces_the_questions_before_anyone_answered(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    first = await make_questionnaire()
    shorter = {"questions": [{"kind": "text", "text": "Une idée ?"}], "editable": True}
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/{SLUG}", json={"questionnaire": shorter}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    shown = (await client.get(QUESTIONNAIRE)).json()
    assert shown["editable"] is True
    # The question at the first position keeps its id; the others are gone.
    assert [q["id"] for q in shown["questions"]] == [first["ids"][0]]
    assert shown["questions"][0]["kind"] == "text"


async def _answer_once(client: AsyncTestClient[Litestar], world: World, ids: list[int]) -> None:
    body = answers(ids, "riviere", ["site"], 4, ["nature", "dynamisme", "patrimoine"])
    response = await client.post(RESPONSES, json=body, headers=world.alice.headers)
    assert response.status_code == 201, response.text


async def test_wording_may_change_once_answered(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    shown = await make_questionnaire()
    await _answer_once(client, world, shown["ids"])
    reworded = copy.deepcopy(EVERY_KIND)
    reworded["questions"][0]["text"] = "Quel logo préférez-vous ?"
    reworded["questions"][0]["options"][1]["label"] = "La rivière et le pont"
    reworded["questions"][0]["options"][0]["image_url"] = "/static/b.svg"
    reworded["questions"][2]["labels"] = {"min": "Non", "max": "Oui"}
    reworded["questions"][2]["section"] = "Votre opinion"
    reworded["questions"][5]["help"] = "Facultatif."
    reworded["editable"] = True
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/{SLUG}", json={"questionnaire": reworded}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    again = (await client.get(QUESTIONNAIRE)).json()
    assert [q["id"] for q in again["questions"]] == shown["ids"]
    assert again["questions"][0]["text"] == "Quel logo préférez-vous ?"
    assert again["questions"][0]["options"][1]["label"] == "La rivière et le pont"
    assert again["questions"][2]["labels"] == {"min": "Non", "max": "Oui"}
    assert again["questions"][5]["help"] == "Facultatif."


def _frozen_changes() -> dict[str, dict[str, Any]]:
    def swap(questionnaire: dict[str, Any]) -> None:
        q = questionnaire["questions"]
        q[4], q[5] = q[5], q[4]

    def add(questionnaire: dict[str, Any]) -> None:
        questionnaire["questions"].append({"kind": "text", "text": "Encore ?"})

    def remove(questionnaire: dict[str, Any]) -> None:
        questionnaire["questions"].pop()

    def rename_key(questionnaire: dict[str, Any]) -> None:
        questionnaire["questions"][0]["options"][2]["key"] = "chene"

    def add_option(questionnaire: dict[str, Any]) -> None:
        questionnaire["questions"][1]["options"].append({"key": "radio", "label": "Radio"})

    return {
        "kind": _with(
            None, 5, kind="single", options=[{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
        ),
        "order": _with(swap),
        "a question added": _with(add),
        "a question removed": _with(remove),
        "an option key": _with(rename_key),
        "an option added": _with(add_option),
        "bounds": _with(None, 2, max=10),
        "required": _with(None, 5, required=True),
        "other": _with(None, 1, other=False),
        "condition": _with(None, 4, show_if={"question": 0, "equals": "arbre"}),
        "anonymity": {**EVERY_KIND, "anonymous": True},
    }


@pytest.mark.parametrize("change", list(_frozen_changes()))
async def test_structure_is_frozen_once_answered(
    client: AsyncTestClient[Litestar],
    world: World,
    make_questionnaire: MakeQuestionnaire,
    change: str,
) -> None:
    shown = await make_questionnaire()
    await _answer_once(client, world, shown["ids"])
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/{SLUG}",
        json={"questionnaire": _frozen_changes()[change], "title": "Nouveau titre"},
        headers=world.admin.headers,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "questionnaire.frozen"
    # Nothing of the request was kept, the dialogue's own fields included.
    assert (await client.get(QUESTIONNAIRE)).json()["questions"] == shown["questions"]
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["title"] == "Le logo de la ville"


async def test_only_staff_build_questionnaires(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    response = await client.post(
        ADMIN_DIALOGUES, json=dialogue_with(EVERY_KIND), headers=world.alice.headers
    )
    assert response.status_code == 403
