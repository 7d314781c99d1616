"""The answering pages, without JavaScript: sections as pages, a draft kept on the server,
accessible fields and errors, skip logic, the confirmation, and the results page."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from participe.testing import switch_phase
from plugins.questionnaire.models import Answer, Draft
from tests.conftest import Person, World
from tests.questionnaire_helpers import EVERY_KIND, RESPONSES, SLUG, MakeQuestionnaire, answers
from tests.signin_helpers import csrf_in, sign_in

PAGE = f"/dialogues/{SLUG}/questionnaire"
Client = AsyncTestClient[Litestar]


async def _post(client: Client, person: Person, data: dict[str, Any]) -> Any:
    return await client.post(PAGE, data=data, headers=person.headers, follow_redirects=False)


def _first_page(ids: list[int], logo: str = "riviere", **more: Any) -> dict[str, Any]:
    return {"section": "1", "action": "next", f"q{ids[0]}": logo, f"q{ids[1]}": ["site"], **more}


def _second_page(ids: list[int], action: str = "submit", **more: Any) -> dict[str, Any]:
    ranks = {
        f"q{ids[3]}_rank_{key}": rank
        for key, rank in (("nature", "2"), ("patrimoine", "3"), ("dynamisme", "1"))
    }
    return {"section": "2", "action": action, f"q{ids[2]}": "4", **ranks, **more}


async def _stored(database: Database) -> dict[int, Any]:
    async with database.session() as session:
        return {row.question_id: row.value for row in await session.scalars(select(Answer))}


async def _draft(database: Database, person: Person) -> dict[str, Any] | None:
    async with database.session() as session:
        draft = await session.scalar(select(Draft).where(Draft.user_id == person.user.id))
        return None if draft is None else draft.answers


async def test_visitors_see_the_questions_and_are_asked_to_sign_in(
    client: Client, make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire()
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Connectez-vous pour répondre" in page.text
    assert f'href="/signin?next=/dialogues/{SLUG}/questionnaire"' in page.text
    assert "<form" not in page.text
    assert "Quel logo pour notre ville ?" in page.text


async def test_the_first_page_is_an_accessible_form(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    page = await client.get(PAGE, headers=world.alice.headers)
    assert page.status_code == 200
    text = page.text
    assert '<html lang="fr">' in text
    assert "Partie 1 sur 2" in text
    assert '<h2 class="qn-section">Le logo</h2>' in text
    # One fieldset per choice question, its legend the question, required marked.
    assert text.count("<fieldset") == 2
    legend = (
        '<legend class="qn-legend">1. Quel logo pour notre ville ?'
        '<span class="qn-required" aria-hidden="true"> *</span>'
        '<span class="qn-visually-hidden"> (obligatoire)</span></legend>'
    )
    assert legend in text
    assert f'<input type="radio" id="q{ids[0]}-blason" name="q{ids[0]}" value="blason">' in text
    assert (
        f'<label for="q{ids[0]}-blason"><img class="qn-option-image" src="/static/a.svg" alt=""'
        in text
    )
    assert f'<label for="q{ids[0]}_other" class="qn-other-label">Précisez</label>' in text
    assert f'<input type="checkbox" id="q{ids[1]}-site" name="q{ids[1]}" value="site">' in text
    assert "Cochez de 1 à 2 choix." in text
    # The questions of the second section are not on this page.
    assert f'name="q{ids[2]}"' not in text
    assert '<input type="hidden" name="section" value="1">' in text
    assert (
        'value="next"' in text and 'value="previous"' not in text and 'value="submit"' not in text
    )


async def test_an_error_is_summarised_and_linked_to_its_field(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    response = await _post(
        client,
        world.alice,
        {"section": "1", "action": "next", f"q{ids[1]}": ["site", "panneaux", "vehicules"]},
    )
    assert response.status_code == 422
    text = response.text
    assert "<title>Erreur : Questionnaire" in text
    assert 'class="qn-error-summary" role="alert"' in text
    assert f'<a href="#q{ids[0]}-blason">Question 1 : réponse obligatoire</a>' in text
    assert f'<a href="#q{ids[1]}-panneaux">Question 2 : cochez 2 choix au plus</a>' in text
    assert f'<fieldset aria-describedby="q{ids[0]}-error" aria-invalid="true">' in text
    assert f'<p class="qn-error" id="q{ids[0]}-error">' in text
    # What the citizen ticked is shown back.
    assert f'id="q{ids[1]}-vehicules" name="q{ids[1]}" value="vehicules" checked' in text
    assert await _stored(database) == {}


async def test_pages_keep_a_draft_and_the_last_one_submits(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    first = await _post(
        client,
        world.alice,
        _first_page(ids, **{f"q{ids[1]}": ["site", "other"], f"q{ids[1]}_other": "Les bus"}),
    )
    assert first.status_code == 303
    assert first.headers["location"] == f"{PAGE}?section=2"
    assert await _draft(database, world.alice) == {
        str(ids[0]): "riviere",
        str(ids[1]): ["site", {"other": "Les bus"}],
    }
    # Back on the first page, the answers are there.
    again = (await client.get(f"{PAGE}?section=1", headers=world.alice.headers)).text
    assert 'value="riviere" checked' in again
    assert f'id="q{ids[1]}_other" name="q{ids[1]}_other" value="Les bus"' in again
    second = (await client.get(f"{PAGE}?section=2", headers=world.alice.headers)).text
    assert "Partie 2 sur 2" in second
    assert 'value="submit"' in second and 'value="previous"' in second
    # The condition depends on the first page: "riviere" hides "Pourquoi le blason ?".
    assert "Pourquoi le blason" not in second
    assert f'<select id="q{ids[3]}_rank_nature" name="q{ids[3]}_rank_nature">' in second
    assert (
        f'<label for="q{ids[2]}-1">1<span class="qn-scale-end"> — Pas du tout</span></label>'
        in second
    )

    done = await _post(client, world.alice, _second_page(ids, **{f"q{ids[5]}": "Merci !"}))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{PAGE}/confirmation"
    assert await _stored(database) == {
        ids[0]: "riviere",
        ids[1]: ["site", "other"],
        ids[2]: 4,
        ids[3]: ["dynamisme", "nature", "patrimoine"],
        ids[5]: "Merci !",
    }
    assert await _draft(database, world.alice) is None
    confirmation = await client.get(f"{PAGE}/confirmation", headers=world.alice.headers)
    assert "Merci, vos réponses sont enregistrées" in confirmation.text
    # Answered and not editable: the form is gone, a second post is refused.
    after = (await client.get(PAGE, headers=world.alice.headers)).text
    assert "Vous avez déjà répondu" in after and "<form" not in after
    refused = await _post(client, world.alice, _second_page(ids))
    assert refused.status_code == 409


async def test_a_condition_from_an_earlier_page_shows_the_question(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    await _post(client, world.alice, _first_page(ids, "blason"))
    second = (await client.get(f"{PAGE}?section=2", headers=world.alice.headers)).text
    assert f'<label class="qn-legend" for="q{ids[4]}">5. Pourquoi le blason ?' in second
    missing = await _post(client, world.alice, _second_page(ids))
    assert missing.status_code == 422
    assert f'<a href="#q{ids[4]}">Question 5 : réponse obligatoire</a>' in missing.text
    done = await _post(client, world.alice, _second_page(ids, **{f"q{ids[4]}": "Il est beau."}))
    assert done.status_code == 303
    assert (await _stored(database))[ids[4]] == "Il est beau."


async def test_a_condition_on_the_same_page_is_spelled_out_and_applied(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    questionnaire = {
        "questions": [
            {
                "kind": "single",
                "text": "Venez-vous en vélo ?",
                "required": True,
                "options": [
                    {"key": "oui", "label": "Oui, 100 % vélo"},
                    {"key": "non", "label": "Non"},
                ],
            },
            {
                "kind": "text",
                "text": "Où le garez-vous ?",
                "required": True,
                "show_if": {"question": 0, "equals": "oui"},
            },
        ]
    }
    ids = (await make_questionnaire(questionnaire))["ids"]
    page = (await client.get(PAGE, headers=world.alice.headers)).text
    assert "Répondez seulement si vous avez choisi « Oui, 100 % vélo » à la question 1." in page
    assert f'aria-describedby="q{ids[1]}-condition"' in page
    # "Non": the conditional answer is dropped, and not required.
    done = await _post(
        client,
        world.alice,
        {"section": "1", "action": "submit", f"q{ids[0]}": "non", f"q{ids[1]}": "Devant la gare"},
    )
    assert done.status_code == 303, done.text
    assert await _stored(database) == {ids[0]: "non"}
    # "Oui": the conditional question is required.
    missing = await _post(
        client, world.bob, {"section": "1", "action": "submit", f"q{ids[0]}": "oui"}
    )
    assert missing.status_code == 422
    assert "Question 2 : réponse obligatoire" in missing.text


async def test_ranks_given_twice_are_an_error(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    await _post(client, world.alice, _first_page(ids))
    data = _second_page(ids, **{f"q{ids[3]}_rank_nature": "1"})
    response = await _post(client, world.alice, data)
    assert response.status_code == 422
    assert "Question 4 : deux choix ont le même rang" in response.text
    assert f'<a href="#q{ids[3]}_rank_nature">' in response.text
    # The ranks as typed are shown again, the mistake included, for the person to mend.
    for key, rank in (("nature", 1), ("patrimoine", 3), ("dynamisme", 1)):
        select = re.search(rf'<select id="q{ids[3]}_rank_{key}".*?</select>', response.text, re.S)
        assert select, key
        assert f'<option value="{rank}" selected>' in select.group(0), key


async def test_submitting_shows_the_first_page_with_a_problem(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    # Straight to the second page, the required logo never answered.
    response = await _post(client, world.alice, _second_page(ids))
    assert response.status_code == 422
    assert "Partie 1 sur 2" in response.text
    assert "Question 1 : réponse obligatoire" in response.text


async def test_the_draft_button_saves_without_requiring(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    saved = await _post(
        client, world.alice, {"section": "1", "action": "save", f"q{ids[1]}": ["panneaux"]}
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PAGE}?section=1&saved=1"
    assert await _draft(database, world.alice) == {str(ids[1]): ["panneaux"]}
    page = (await client.get(saved.headers["location"], headers=world.alice.headers)).text
    assert "Vos réponses sont enregistrées en brouillon." in page
    back = await _post(client, world.alice, {**_second_page(ids, "previous"), f"q{ids[2]}": ""})
    assert back.status_code == 303
    assert back.headers["location"] == f"{PAGE}?section=1"


async def test_an_editable_response_is_changed_through_the_form(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire({**EVERY_KIND, "editable": True}))["ids"]
    first = await client.post(
        RESPONSES, json=answers(ids, "arbre", None, 2), headers=world.alice.headers
    )
    assert first.status_code == 201
    page = (await client.get(PAGE, headers=world.alice.headers)).text
    assert "vous pouvez modifier vos réponses" in page
    assert 'value="arbre" checked' in page
    await _post(client, world.alice, _first_page(ids, "riviere"))
    done = await _post(client, world.alice, _second_page(ids))
    assert done.status_code == 303, done.text
    assert (await _stored(database))[ids[0]] == "riviere"


async def test_a_closed_questionnaire_says_so(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire(phase="results"))["ids"]
    page = await client.get(PAGE, headers=world.alice.headers)
    assert page.status_code == 200
    assert "<form" not in page.text
    assert "Voir les résultats" in page.text
    refused = await _post(client, world.alice, _first_page(ids))
    assert refused.status_code == 409


async def test_forms_carry_the_csrf_token_of_a_browser_session(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    await sign_in(client, database, "alice@example.org")
    page = await client.get(PAGE)
    assert page.status_code == 200 and "<form" in page.text
    data = {**_first_page(ids), "action": "save"}
    forged = await client.post(PAGE, data=data, follow_redirects=False)
    assert forged.status_code == 403
    token = csrf_in(page.text)
    saved = await client.post(PAGE, data={**data, "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    assert await _draft(database, world.alice) == {str(ids[0]): "riviere", str(ids[1]): ["site"]}


async def test_the_results_page_draws_a_chart_and_a_table_per_question(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    for person, logo in ((world.alice, "blason"), (world.bob, "riviere")):
        body = answers(
            ids,
            logo,
            ["site"],
            4,
            ["nature", "patrimoine", "dynamisme"],
            "Il est beau." if logo == "blason" else None,
        )
        assert (await client.post(RESPONSES, json=body, headers=person.headers)).status_code == 201
    page = await client.get(f"{PAGE}/results", headers=world.bob.headers)
    assert page.status_code == 200
    text = html.unescape(page.text)
    # A chart per question with options, named by its title, its figures in its
    # description; a text question has none.
    assert text.count('role="img"') == 4
    assert f'aria-labelledby="chart-{ids[0]}-title chart-{ids[0]}-desc"' in text
    assert (
        f'<title id="chart-{ids[0]}-title">Question 1 : Quel logo pour notre ville ?</title>'
        in text
    )
    half, none = "50,0\u202f%", "0,0\u202f%"
    assert (
        f'<desc id="chart-{ids[0]}-desc">Question 1 : Quel logo pour notre ville ? '
        f"(2 réponses). Le blason : 1 ({half}); La rivière : 1 ({half}); "
        f"L'arbre : 0 ({none}); Autre : 0 ({none})</desc>"
    ) in text
    assert f'<desc id="chart-{ids[2]}-desc">' in text and "moyenne 4" in text
    assert "<caption>Les chiffres de la question 1</caption>" in text
    assert '<tr><th scope="row">Le blason</th><td>1</td><td>50,0\u202f%</td></tr>' in text
    assert '<tr><th scope="row">Nature</th><td>1</td><td>4</td><td>2</td></tr>' in text
    assert "(2 réponses, points de la méthode de Borda). 1. Nature : 4; 2. Patrimoine : 2" in text
    assert "Il est beau." not in text
    staff = await client.get(f"{PAGE}/results", headers=world.admin.headers)
    assert "Réponses libres (réservé à l'équipe)" in html.unescape(staff.text)
    assert "Il est beau." in staff.text


async def test_hidden_results_are_refused_on_the_page(
    client: Client, world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire(results_visibility="after_vote")
    page = await client.get(f"{PAGE}/results", headers=world.alice.headers)
    assert page.status_code == 403
    assert "Les résultats ne sont pas encore publiés." in page.text
    await switch_phase(client, world.admin.headers, SLUG, "results")
    assert (await client.get(f"{PAGE}/results")).status_code == 200


async def test_a_draft_survives_questions_removed_before_anyone_answered(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    saved = await _post(client, world.alice, {"section": "2", "action": "save", f"q{ids[2]}": "3"})
    assert saved.status_code == 303
    shorter = {"questions": EVERY_KIND["questions"][:2]}
    changed = await client.patch(
        f"/api/v1/admin/dialogues/{SLUG}",
        json={"questionnaire": shorter},
        headers=world.admin.headers,
    )
    assert changed.status_code == 200, changed.text
    done = await _post(client, world.alice, {**_first_page(ids), "action": "submit"})
    assert done.status_code == 303, done.text
    assert await _stored(database) == {ids[0]: "riviere", ids[1]: ["site"]}


async def test_the_dialogue_home_leads_to_the_questionnaire(client: Any, world: Any) -> None:
    from tests.helpers import ADMIN_DIALOGUES, phases_now

    body = {
        "slug": "avis",
        "title": "Votre avis",
        "kind": "questionnaire",
        "phases": phases_now("vote", ("information", "vote", "results")),
        "questionnaire": {"questions": [{"kind": "text", "text": "Une idée ?"}]},
    }
    created = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    page = (await client.get("/dialogues/avis")).text
    assert 'href="/dialogues/avis/questionnaire"' in page
    assert "Répondre au questionnaire" in page


async def test_an_optional_multiple_choice_left_empty_is_no_error(
    client: Client, world: World, database: Database, make_questionnaire: MakeQuestionnaire
) -> None:
    """No box ticked sends no value at all for the question: it is left unanswered."""
    ids = (await make_questionnaire())["ids"]
    page = {"section": "1", "action": "next", f"q{ids[0]}": "riviere"}
    moved_on = await _post(client, world.alice, page)
    assert moved_on.status_code == 303, moved_on.text
    assert await _draft(database, world.alice) == {str(ids[0]): "riviere"}
