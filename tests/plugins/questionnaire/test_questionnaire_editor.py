"""The back office's questionnaire editor: staff turn the module on from the Modules tab,
write the questions from the browser (without JavaScript), move and delete them with their
conditions kept right, and are told in words what a questionnaire already answered no
longer lets them change; a form drawn from an older version is sent back, never applied
to a question that moved; two staff saving at once lose nothing, against a real server."""

from __future__ import annotations

import asyncio
import re
from html import unescape
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from plugins.questionnaire.editor import EditRefused, deleted, moved, option_keys, read_question
from tests.conftest import LiveServer, World
from tests.questionnaire_helpers import (
    ADMIN_DIALOGUES,
    EVERY_KIND,
    QUESTIONNAIRE,
    RESPONSES,
    SLUG,
    answers,
    dialogue_with,
)
from tests.web.front_helpers import text_of
from tests.web.test_english_everywhere import french_words_in
from web.admin.forms import FormValues

Client = AsyncTestClient[Litestar]
EDITOR = f"/admin/dialogues/{SLUG}/questionnaire"
MODULES_TAB = f"/admin/dialogues/{SLUG}/modules"


def _version(html: str) -> str:
    found = re.search(r'name="version" value="([0-9a-f]+)"', html)
    assert found, html
    return found.group(1)


async def _editor(client: Client, world: World) -> str:
    page = await client.get(EDITOR, headers=world.admin.headers)
    assert page.status_code == 200, page.text
    return page.text


async def _post(client: Client, world: World, path: str, data: dict[str, str] | None = None) -> Any:
    version = _version(await _editor(client, world))
    return await client.post(
        path,
        data={"version": version, **(data or {})},
        headers=world.admin.headers,
        follow_redirects=False,
    )


async def _questions(client: Client) -> list[dict[str, Any]]:
    shown = await client.get(QUESTIONNAIRE)
    assert shown.status_code == 200, shown.text
    questions: list[dict[str, Any]] = shown.json()["questions"]
    return questions


async def _empty_questionnaire(client: Client, world: World) -> None:
    """A dialogue without a questionnaire, whose staff turn the module on in its tab."""
    body = dialogue_with(EVERY_KIND)
    del body["questionnaire"]
    created = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    assert (await client.get(EDITOR, headers=world.admin.headers)).status_code == 404
    tab = await client.get(MODULES_TAB, headers=world.admin.headers)
    assert f'action="{MODULES_TAB}/questionnaire"' in tab.text
    on = await client.post(
        f"{MODULES_TAB}/questionnaire", headers=world.admin.headers, follow_redirects=False
    )
    assert on.status_code == 303, on.text
    tab = await client.get(MODULES_TAB, headers=world.admin.headers)
    assert f'href="{EDITOR}"' in tab.text


CHOICE = {"kind": "single", "text": "Quel logo ?", "options": "Le blason\nLa rivière"}
SCALE = {
    "kind": "scale",
    "text": "Êtes-vous attaché·e au blason ?",
    "required": "on",
    "label_min": "Pas du tout",
    "label_max": "Énormément",
}


async def test_staff_write_a_questionnaire_from_the_back_office(
    client: Client, world: World
) -> None:
    await _empty_questionnaire(client, world)
    # Turned on without questions: citizens are told it is being written.
    page = await client.get(f"/dialogues/{SLUG}/questionnaire", headers=world.alice.headers)
    assert "en préparation" in unescape(page.text) and 'name="action"' not in page.text
    refused = await client.post(RESPONSES, json={"answers": {}}, headers=world.alice.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "questionnaire.not_ready")
    assert "Aucune question pour l'instant" in unescape(await _editor(client, world))

    for question in (CHOICE, SCALE):
        added = await _post(client, world, f"{EDITOR}/questions", question)
        assert added.status_code == 303, added.text
    conditional = {"kind": "text", "text": "Pourquoi le blason ?", "show_if": "0:le-blason"}
    assert (await _post(client, world, f"{EDITOR}/questions", conditional)).status_code == 303

    first, scale, text = await _questions(client)
    assert first["options"] == [
        {"key": "le-blason", "label": "Le blason"},
        {"key": "la-riviere", "label": "La rivière"},
    ]
    assert (scale["min"], scale["max"], scale["required"]) == (1, 5, True)
    assert scale["labels"] == {"min": "Pas du tout", "max": "Énormément"}
    assert text["show_if"] == {"question": first["id"], "equals": "le-blason"}

    # Reworded options keep their keys, so answers and conditions still name them.
    reworded = {**CHOICE, "options": "Le blason actuel\nLa rivière\nL'arbre"}
    saved = await _post(client, world, f"{EDITOR}/questions/1", reworded)
    assert saved.status_code == 303, saved.text
    keys = [option["key"] for option in (await _questions(client))[0]["options"]]
    assert keys == ["le-blason", "la-riviere", "l-arbre"]

    # The conditional question cannot go before the one it depends on, nor be orphaned.
    for path in (f"{EDITOR}/questions/1/delete",):
        kept = await _post(client, world, path)
        assert kept.status_code == 422
        assert "changez d'abord sa condition" in unescape(kept.text)
    moved_down = await _post(client, world, f"{EDITOR}/questions/1/down")
    assert moved_down.status_code == 303
    scale_first, choice, text = await _questions(client)
    assert scale_first["kind"] == "scale" and text["show_if"]["question"] == choice["id"]
    too_far = await _post(client, world, f"{EDITOR}/questions/3/up")
    assert too_far.status_code == 422 and "doit rester après elle" in unescape(too_far.text)
    assert (await _post(client, world, f"{EDITOR}/questions/1/delete")).status_code == 303
    choice, text = await _questions(client)
    assert text["show_if"] == {"question": choice["id"], "equals": "le-blason"}

    # Settings: anonymous responses cannot be changed afterwards.
    both = await _post(client, world, f"{EDITOR}/settings", {"anonymous": "on", "editable": "on"})
    assert both.status_code == 422 and "ne peuvent pas être modifiées" in unescape(both.text)
    saved = await _post(client, world, f"{EDITOR}/settings", {"editable": "on"})
    assert saved.status_code == 303
    assert (await client.get(QUESTIONNAIRE)).json()["editable"] is True

    # Citizens answer what staff wrote; the editor is staff's only.
    ids = [question["id"] for question in await _questions(client)]
    answered = await client.post(
        RESPONSES, json=answers(ids, "le-blason", "Il est beau."), headers=world.alice.headers
    )
    assert answered.status_code == 201, answered.text
    assert (await client.get(EDITOR, headers=world.alice.headers)).status_code == 403


async def test_fields_are_refused_in_words_and_the_form_comes_back(
    client: Client, world: World
) -> None:
    await _empty_questionnaire(client, world)
    cases = [
        ({"kind": "single", "text": "", "options": "A\nB"}, "À remplir."),
        ({"kind": "single", "text": "Q", "options": "Seul choix"}, "De 2 à 50 choix"),
        ({"kind": "scale", "text": "Q", "min": "1", "max": "20"}, "de 2 à 11 valeurs"),
        ({"kind": "multiple", "text": "Q", "options": "A\nB", "max": "3"}, "Au plus 2 :"),
        ({"kind": "multiple", "text": "Q", "options": "A\nB", "max": "deux"}, "Un nombre entier"),
        ({"kind": "text", "text": "Q", "show_if": "0:nothing"}, "question précédente"),
        ({"kind": "poll", "text": "Q"}, "Choisissez un type"),
    ]
    for data, message in cases:
        refused = await _post(client, world, f"{EDITOR}/questions", data)
        assert refused.status_code == 422, (data, refused.text)
        assert message in unescape(refused.text), data
        if data["text"]:
            assert f">{data['text']}</textarea>" in refused.text  # typed text kept
    assert await _questions(client) == []


async def test_an_answered_questionnaire_keeps_its_structure(client: Client, world: World) -> None:
    created = await client.post(
        ADMIN_DIALOGUES, json=dialogue_with(EVERY_KIND), headers=world.admin.headers
    )
    assert created.status_code == 201
    ids = [question["id"] for question in await _questions(client)]
    body = answers(ids, "riviere", ["site"], 3, None, None, "Bravo")
    assert (await client.post(RESPONSES, json=body, headers=world.alice.headers)).status_code == 201
    page = await _editor(client, world)
    assert "seule la formulation peut encore changer" in unescape(page)
    assert "/delete" not in page and "Ajouter la question" not in page

    edit = await client.get(f"{EDITOR}/questions/1", headers=world.admin.headers)
    assert edit.status_code == 200 and "Le blason\nLa rivière\nL&#39;arbre" in edit.text
    wording = {
        "kind": "single",
        "section": "Le logo",
        "text": "Quel logo préférez-vous pour la ville ?",
        "required": "on",
        "other": "on",
        "options": "Le blason historique\nLa rivière\nL'arbre",
    }
    saved = await _post(client, world, f"{EDITOR}/questions/1", wording)
    assert saved.status_code == 303, saved.text
    first = (await _questions(client))[0]
    assert first["text"] == "Quel logo préférez-vous pour la ville ?"
    assert first["options"][0] == {
        "key": "blason",
        "label": "Le blason historique",
        "image_url": "/static/a.svg",
    }
    more = {**wording, "options": wording["options"] + "\nLe pont"}
    refused = await _post(client, world, f"{EDITOR}/questions/1", more)
    assert refused.status_code == 422
    assert "seule la formulation peut encore changer" in unescape(refused.text)
    assert len((await _questions(client))[0]["options"]) == 3
    deleted_anyway = await _post(client, world, f"{EDITOR}/questions/6/delete")
    assert deleted_anyway.status_code == 422
    assert len(await _questions(client)) == 6


async def test_a_form_drawn_from_an_older_version_is_sent_back(
    client: Client, world: World
) -> None:
    await _empty_questionnaire(client, world)
    old = _version(await _editor(client, world))
    for question in (CHOICE, SCALE):
        assert (await _post(client, world, f"{EDITOR}/questions", question)).status_code == 303
    # A colleague deleted question 1 meanwhile: an edit of "question 1" drawn before
    # would change the scale.
    late = await client.post(
        f"{EDITOR}/questions/1",
        data={"version": old, **CHOICE, "text": "Autre chose"},
        headers=world.admin.headers,
    )
    assert late.status_code == 409
    assert "a changé depuis que vous avez ouvert cette page" in unescape(late.text)
    assert [q["text"] for q in await _questions(client)] == [CHOICE["text"], SCALE["text"]]
    missing = await client.get(f"{EDITOR}/questions/9", headers=world.admin.headers)
    assert missing.status_code == 404


async def test_staff_saving_at_once_lose_nothing(live_server: LiveServer, world: World) -> None:
    """Ten staff add a question from the same page at once: one is added, the nine
    others are told the questionnaire changed, and none is applied on top of another."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        body = dialogue_with(EVERY_KIND)
        del body["questionnaire"]
        created = await http.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
        assert created.status_code == 201
        on = await http.post(f"{MODULES_TAB}/questionnaire", headers=world.admin.headers)
        assert on.status_code in (200, 303), on.text
        version = _version((await http.get(EDITOR, headers=world.admin.headers)).text)

    async def add(number: int) -> int:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
            posted = await http.post(
                f"{EDITOR}/questions",
                data={"version": version, "kind": "text", "text": f"Question {number}"},
                headers=world.admin.headers,
            )
            return posted.status_code

    statuses = sorted(await asyncio.gather(*(add(n) for n in range(10))))
    assert statuses.count(409) == 9 and statuses[0] in (200, 303), statuses
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        shown = (await http.get(QUESTIONNAIRE)).json()["questions"]
    assert len(shown) == 1


def test_moves_and_deletions_keep_the_conditions_right() -> None:
    questions: list[dict[str, Any]] = [
        {"kind": "single", "text": "A", "options": [{"key": "x", "label": "X"}] * 2},
        {"kind": "text", "text": "B"},
        {"kind": "text", "text": "C", "show_if": {"question": 0, "equals": "x"}},
    ]
    swapped = moved(questions, 1, 1)
    assert [q["text"] for q in swapped] == ["A", "C", "B"]
    assert swapped[1]["show_if"]["question"] == 0
    later = moved(questions, 0, 1)
    assert [q["text"] for q in later] == ["B", "A", "C"]
    assert later[2]["show_if"]["question"] == 1
    with pytest.raises(EditRefused):
        moved(later, 2, -1)
    with pytest.raises(EditRefused):
        deleted(questions, 0)
    assert deleted(later, 0)[1]["show_if"]["question"] == 0
    with pytest.raises(EditRefused):
        moved(questions, 0, -1)


def test_option_keys_stay_line_by_line_and_new_ones_are_unique() -> None:
    assert option_keys(["Été", "Été", "other"], [], other=True) == ["ete", "ete-2", "other-2"]
    assert option_keys(["Nouveau libellé", "B"], ["a"], other=False) == ["a", "b"]
    assert option_keys(["!!!", "?"], [], other=False) == ["option-1", "option-2"]


def test_a_question_read_from_its_form() -> None:
    spec, errors = read_question(
        FormValues({"kind": "ranking", "text": " Classez ", "options": "A\n\nB\nC\n"}), [], None
    )
    assert errors == {}
    assert spec["text"] == "Classez" and (spec["min"], spec["max"]) == (3, 3)
    assert [o["key"] for o in spec["options"]] == ["a", "b", "c"]
    _, errors = read_question(FormValues({"kind": "ranking", "text": "Q", "options": "A\nB",
                                          "min": "3"}), [], None)  # fmt: skip
    assert errors == {"min": "Le minimum dépasse le maximum."}
    # Given only a maximum, a ranking goes from one choice up to it.
    four = {"kind": "ranking", "text": "Q", "options": "A\nB\nC\nD", "max": "2"}
    spec, errors = read_question(FormValues(four), [], None)
    assert errors == {} and (spec["min"], spec["max"]) == (1, 2)


async def test_an_answered_questionnaire_cannot_go_back_to_a_draft(
    client: Client, world: World
) -> None:
    created = await client.post(
        ADMIN_DIALOGUES, json=dialogue_with(EVERY_KIND), headers=world.admin.headers
    )
    assert created.status_code == 201
    unpublish = f"{ADMIN_DIALOGUES}/{SLUG}/unpublish"
    publish = f"{ADMIN_DIALOGUES}/{SLUG}/publish"
    assert (await client.post(unpublish, headers=world.admin.headers)).status_code == 200
    assert (await client.post(publish, headers=world.admin.headers)).status_code == 200
    ids = [question["id"] for question in await _questions(client)]
    body = answers(ids, "riviere", ["site"], 3, None, None, "Bravo")
    assert (await client.post(RESPONSES, json=body, headers=world.alice.headers)).status_code == 201
    refused = await client.post(unpublish, headers=world.admin.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "dialogue.has_participation")


async def test_a_dialogue_of_another_kind_links_its_questionnaire(
    client: Client, world: World
) -> None:
    body = dialogue_with(EVERY_KIND, kind="consultation")
    assert (await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)).is_success
    page = await client.get(f"/dialogues/{SLUG}")
    assert "Un questionnaire accompagne cette démarche." in unescape(page.text)
    assert f'href="/dialogues/{SLUG}/questionnaire"' in page.text
    english = await client.get(f"/dialogues/{SLUG}", headers={"Accept-Language": "en"})
    assert "A questionnaire comes with this dialogue." in english.text


ENGLISH = {"Accept-Language": "en"}
#: The staff's own texts of :data:`EVERY_KIND`, which stay as they were written.
STAFF_TEXTS = (
    "Le logo de la ville",
    "Quel logo pour notre ville ?",
    "Le logo",
    "Le blason",
    "La rivière",
    "L'arbre",
    "Où le voir ?",
    "Votre avis",
    "Êtes-vous attaché·e au blason actuel ?",
    "Classez ces valeurs.",
    "Pourquoi le blason ?",
    "Un commentaire ?",
)


async def test_the_editor_reads_in_english_and_stays_french_in_french(
    client: Client, world: World
) -> None:
    """An English reader gets the editor, its question lines, its fields, its errors and
    its refusals in English; the French page says what it always said."""
    created = await client.post(
        ADMIN_DIALOGUES, json=dialogue_with(EVERY_KIND), headers=world.admin.headers
    )
    assert created.status_code == 201, created.text
    english_headers = {**world.admin.headers, **ENGLISH}
    page = await client.get(EDITOR, headers=english_headers)
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    for wanted in (
        "Single choice · required · 3 choices and “Other”",
        "Multiple choice · 3 choices and “Other” · to tick: at least 1, at most 2",
        "Rating scale · required · from 1 to 5",
        "Free text · required · shown depending on the answer to question 1",
        "Part: Le logo",
        "Add a question",
        "Question type",
        "Show only after the answer",
        "Question 1: “Le blason”",
        "Question 2: “Other”",
        "Anonymous answers: no link between an answer and its author is kept",
        "Save the answer settings",
    ):
        assert wanted in text, wanted
    assert french_words_in(text, STAFF_TEXTS) == []
    assert "Choix unique" not in text and "Échelle de notes" not in text

    question = await client.get(f"{EDITOR}/questions/2", headers=english_headers)
    assert question.status_code == 200
    question_text = text_of(question.text)
    assert "Question 2" in question_text and "Save the question" in question_text
    assert "Limits (multiple choice, scale and ranking)" in question_text
    assert french_words_in(question_text, STAFF_TEXTS) == []

    version = _version(page.text)
    too_many = {"version": version, "kind": "multiple", "text": "Q", "options": "A\nB", "max": "3"}
    refused = await client.post(f"{EDITOR}/questions", data=too_many, headers=english_headers)
    assert refused.status_code == 422
    assert "At most 2: the number of choices of the question." in text_of(refused.text)
    orphaning = await client.post(
        f"{EDITOR}/questions/1/delete", data={"version": version}, headers=english_headers
    )
    assert orphaning.status_code == 422
    assert (
        "Question 5 is shown only depending on the answer to this one: change its condition first."
    ) in text_of(orphaning.text)
    stale = await client.post(
        f"{EDITOR}/questions/2/up", data={"version": "0"}, headers=english_headers
    )
    assert stale.status_code == 409
    assert "The questionnaire has changed since you opened this page" in text_of(stale.text)

    french = text_of(await _editor(client, world))
    assert "Choix unique · obligatoire · 3 choix et « Autre »" in french
    assert "Choix multiples · 3 choix et « Autre » · à cocher : au moins 1, au plus 2" in french
    assert "Échelle de notes · obligatoire · de 1 à 5" in french
    assert "Réponse libre · obligatoire · affichée selon la réponse à la question 1" in french
    assert "Question 1 : « Le blason »" in french and "Ajouter une question" in french
