"""The questionnaire read in English: its form, its error messages and its results."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World
from tests.questionnaire_helpers import RESPONSES, SLUG, MakeQuestionnaire
from tests.web.front_helpers import text_of

Client = AsyncTestClient[Litestar]
ENGLISH = {"Accept-Language": "en"}


async def test_questionnaire_in_english(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    page = f"/dialogues/{SLUG}/questionnaire"
    shown = await client.get(page, headers={**world.alice.headers, **ENGLISH})
    assert shown.status_code == 200
    assert "Questions marked with an asterisk (*) are required." in shown.text
    assert "Save the draft" in shown.text and "Next" in shown.text
    wrong = await client.post(
        page,
        data={"section": "1", "action": "next", f"q{ids[1]}": ["site", "panneaux", "vehicules"]},
        headers={**world.alice.headers, **ENGLISH},
    )
    assert wrong.status_code == 422
    text = text_of(wrong.text)
    assert "Some answers need correcting" in text
    assert "Question 1: answer required" in text
    assert "Question 2: tick no more than 2" in text
    results = await client.get(f"{page}/results", headers=ENGLISH)
    assert results.status_code == 200
    assert "Questionnaire results" in results.text and "0 answers" in text_of(results.text)


async def test_answer_errors_of_the_api_in_english(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    """The API's refusal of answers says each question's problem in the request's
    language, French by default, with the same code and keys."""
    ids = (await make_questionnaire())["ids"]
    wrong = {"answers": {str(ids[1]): ["site", "panneaux", "vehicules"]}}
    french = await client.post(RESPONSES, json=wrong, headers=world.alice.headers)
    english = await client.post(RESPONSES, json=wrong, headers={**world.alice.headers, **ENGLISH})
    assert french.status_code == english.status_code == 422
    assert french.json()["code"] == english.json()["code"] == "validation"
    assert french.json()["errors"][str(ids[0])] == "réponse obligatoire"
    assert english.json()["errors"] == {
        str(ids[0]): "answer required",
        str(ids[1]): "tick no more than 2",
        str(ids[2]): "answer required",
    }
    assert english.json()["detail"] == (
        f"answers.{ids[0]}: answer required; answers.{ids[1]}: tick no more than 2; "
        f"answers.{ids[2]}: answer required"
    )
