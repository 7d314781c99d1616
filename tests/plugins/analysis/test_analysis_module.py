"""The ``analysis`` module in the app: similar proposals while writing (the API and the
no-JavaScript step before the form), the stored analysis kept up to date by its event
handler, and for staff the duplicates (marked distinct), the topics and their export, the
theme suggestions; nothing where the module is off."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from participe.testing import enable_module, run_event_jobs
from plugins.analysis.models import AnalysedText
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.plugins.analysis.refreshing import analyse_now
from tests.signin_helpers import csrf_in, sign_in

Client = AsyncTestClient[Litestar]
SLUG = "idees"
API = f"/api/v1/dialogues/{SLUG}/analysis"
ADMIN_API = f"/api/v1/admin/dialogues/{SLUG}/analysis"
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
PROPOSALS = [
    ("Une piste cyclable avenue Jaurès", "Les vélos roulent au milieu des voitures.", "mobilite"),
    ("Sécuriser les vélos sur l'avenue Jaurès", "Une voie cyclable protégée.", "mobilite"),
    ("Des bus le dimanche", "Aucun bus le dimanche pour aller au centre.", "mobilite"),
    ("Planter des arbres dans les cours d'école", "Des cours ombragées.", "nature"),
    ("Des jardins partagés", "Cultiver des légumes entre voisins.", "nature"),
    ("Un composteur de quartier", "Pour les épluchures des immeubles.", "nature"),
    ("Des arbres fruitiers au parc", "Un verger en libre cueillette.", None),
    ("Un parking vélo à la gare", "Les vélos sont volés devant la gare.", None),
]


async def _dialogue(client: Client, world: World, *, enabled: bool = True) -> list[int]:
    await create_dialogue(client, world.admin.headers, slug=SLUG, themes=THEMES)
    if enabled:
        response = await enable_module(client, world, SLUG, "analysis")
        assert response.status_code == 200, response.text
    ids = []
    for title, body, theme in PROPOSALS:
        created = await client.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={"title": title, "body": body, **({"theme": theme} if theme else {})},
            headers=world.alice.headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def _similar(client: Client, **body: Any) -> Any:
    return await client.post(f"{API}/similar", json=body)


async def test_similar_proposals_while_writing(
    client: Client, world: World, app: Litestar, database: Database
) -> None:
    ids = await _dialogue(client, world)
    # Before the handler ran, the look-up reads the proposals themselves.
    before = await _similar(client, title="Piste vélo sur l'avenue Jean Jaurès")
    assert before.status_code == 200, before.text
    summary = await run_event_jobs(app)
    assert summary.failed == 0
    async with database.session() as session:
        stored = (
            await session.scalars(select(AnalysedText).order_by(AnalysedText.proposal_id))
        ).all()
    assert [row.proposal_id for row in stored] == ids
    assert "jaur" in stored[0].text
    after = await _similar(client, title="Piste vélo sur l'avenue Jean Jaurès", body="Vélos")
    assert after.json() == before.json() or after.status_code == 200
    items = after.json()["items"]
    assert [item["proposal"]["id"] for item in items][:2] in ([ids[0], ids[1]], [ids[1], ids[0]])
    assert len(items) <= 5
    assert items[0]["proposal"]["url"] == f"/proposals/{items[0]['proposal']['id']}"
    assert 0 < items[0]["score"] <= 1
    nothing = await _similar(client, title="Un planétarium", body="Observer les étoiles")
    assert nothing.json() == {"items": []}


async def test_bad_input_gets_a_clear_error(client: Client, world: World) -> None:
    await _dialogue(client, world)
    empty = await _similar(client, title="  ", body="")
    assert empty.status_code in (400, 422) and empty.json()["code"] == "validation"
    unknown = await _similar(client, title="Vélo", colour="bleu")
    assert unknown.status_code in (400, 422) and unknown.json()["code"] == "validation"
    long = await _similar(client, title="x" * 201)
    assert long.status_code in (400, 422) and long.json()["code"] == "validation"
    missing = await client.post("/api/v1/dialogues/nowhere/analysis/similar", json={"title": "x"})
    assert missing.status_code == 404


async def test_nothing_where_the_module_is_off(client: Client, world: World) -> None:
    await _dialogue(client, world, enabled=False)
    assert (await _similar(client, title="Piste vélo")).status_code == 404
    assert (
        await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    ).status_code == 404
    assert (await client.get(f"/dialogues/{SLUG}/proposals/similar?title=v")).status_code == 404
    form = await client.get(f"/dialogues/{SLUG}/proposals/new", headers=world.alice.headers)
    assert "/proposals/similar" not in form.text


async def test_staff_see_duplicates_and_mark_a_pair_distinct(
    client: Client, world: World, app: Litestar, database: Database
) -> None:
    ids = await _dialogue(client, world)
    await analyse_now(app, database)
    refused = await client.get(f"{ADMIN_API}/duplicates", headers=world.alice.headers)
    assert refused.status_code == 403
    found = await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    assert found.status_code == 200, found.text
    groups = found.json()["items"]
    assert [p["id"] for p in groups[0]["proposals"]] == [ids[0], ids[1]]
    assert 0 < groups[0]["score"] <= 1

    pair = {"proposal_ids": [ids[1], ids[0]]}
    marked = await client.post(f"{ADMIN_API}/distinct", json=pair, headers=world.admin.headers)
    assert marked.status_code == 201 and marked.json() == {"proposal_ids": [ids[0], ids[1]]}
    again = await client.post(f"{ADMIN_API}/distinct", json=pair, headers=world.admin.headers)
    assert again.status_code == 200
    after = await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    assert [ids[0], ids[1]] not in [
        [p["id"] for p in g["proposals"]] for g in after.json()["items"]
    ]

    same = {"proposal_ids": [ids[0], ids[0]]}
    bad = await client.post(f"{ADMIN_API}/distinct", json=same, headers=world.admin.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "validation"
    elsewhere = {"proposal_ids": [ids[0], 999_999]}
    gone = await client.post(f"{ADMIN_API}/distinct", json=elsewhere, headers=world.admin.headers)
    assert gone.status_code == 404
    huge = {"proposal_ids": [ids[0], 2**40]}
    refused_huge = await client.post(
        f"{ADMIN_API}/distinct", json=huge, headers=world.admin.headers
    )
    assert refused_huge.status_code in (400, 422)
    three = {"proposal_ids": ids[:3]}
    wrong = await client.post(f"{ADMIN_API}/distinct", json=three, headers=world.admin.headers)
    assert wrong.status_code in (400, 422)


async def test_topics_and_theme_suggestions(
    client: Client, world: World, app: Litestar, database: Database
) -> None:
    ids = await _dialogue(client, world)
    await analyse_now(app, database)
    topics = await client.get(f"{ADMIN_API}/topics", headers=world.admin.headers)
    assert topics.status_code == 200, topics.text
    items = topics.json()["items"]
    assert sorted(p["id"] for t in items for p in t["proposals"]) == ids
    assert all(t["key_words"] for t in items)
    themes = await client.get(f"{ADMIN_API}/themes", headers=world.admin.headers)
    assert themes.status_code == 200, themes.text
    suggested = {s["proposal"]["id"]: s["theme"] for s in themes.json()["items"]}
    assert suggested == {ids[6]: "nature", ids[7]: "mobilite"}
    export = await client.get(
        f"/admin/dialogues/{SLUG}/analysis/topics.csv", headers=world.admin.headers
    )
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "topic;key_words;proposal_id;title;status;theme"
    assert len(lines) == 1 + len(ids)


async def test_the_step_before_the_form_works_without_javascript(
    client: Client, world: World, database: Database
) -> None:
    ids = await _dialogue(client, world)
    form = await client.get(f"/dialogues/{SLUG}/proposals/new", headers=world.alice.headers)
    assert f'href="/dialogues/{SLUG}/proposals/similar"' in form.text
    step = await client.get(
        f"/dialogues/{SLUG}/proposals/similar",
        params={"title": "Piste vélo avenue Jaurès", "body": "Pour les cyclistes"},
    )
    assert step.status_code == 200, step.text
    assert f'href="/proposals/{ids[0]}#vote"' in step.text
    assert f'href="/proposals/{ids[0]}#comments"' in step.text
    assert "écrire ma proposition" in step.text
    next_link = f"/dialogues/{SLUG}/proposals/new?title=Piste+v%C3%A9lo+avenue+Jaur%C3%A8s"
    assert next_link in step.text
    prefilled = await client.get(next_link, headers=world.alice.headers)
    assert 'value="Piste vélo avenue Jaurès"' in prefilled.text
    assert f'href="/dialogues/{SLUG}/proposals/similar"' not in prefilled.text
    english = await client.get(
        f"/dialogues/{SLUG}/proposals/similar",
        params={"title": "Un planétarium"},
        headers={"Accept-Language": "en"},
    )
    assert "No proposal says the same thing" in english.text
    too_long = await client.get(f"/dialogues/{SLUG}/proposals/similar", params={"title": "x" * 201})
    assert too_long.status_code in (400, 422)


async def test_the_back_office_tab(
    client: Client, world: World, app: Litestar, database: Database
) -> None:
    ids = await _dialogue(client, world)
    await analyse_now(app, database)
    await sign_in(client, database, world.admin.user.email)
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert page.status_code == 200, page.text
    assert "Doublons probables" in page.text and "Sujets" in page.text
    assert "Thèmes suggérés" in page.text
    huge = await client.post(
        f"/admin/dialogues/{SLUG}/analysis/distinct",
        data={"first": str(ids[0]), "second": str(2**40), "csrf_token": csrf_in(page.text)},
    )
    assert huge.status_code == 422 and "Choisissez deux propositions" in huge.text
    posted = await client.post(
        f"/admin/dialogues/{SLUG}/analysis/distinct",
        data={"first": str(ids[0]), "second": str(ids[1]), "csrf_token": csrf_in(page.text)},
    )
    assert posted.status_code in (200, 303), posted.text
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert f'name="second" value="{ids[1]}"' not in page.text


async def test_staff_apply_theme_suggestions_in_one_click(
    client: Client, world: World, app: Litestar, database: Database
) -> None:
    ids = await _dialogue(client, world)
    await analyse_now(app, database)
    await sign_in(client, database, world.admin.user.email)
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    token = csrf_in(page.text)
    assert f'name="apply" value="{ids[6]}:nature"' in page.text
    assert ">Publiée<" in page.text and ">published<" not in page.text  # statuses in words
    nothing = await client.post(
        f"/admin/dialogues/{SLUG}/analysis/themes", data={"csrf_token": token}
    )
    assert nothing.status_code == 422 and "Cochez au moins une suggestion" in nothing.text
    # A proposal given a theme by staff meanwhile keeps it.
    reviewed = await client.patch(
        f"/api/v1/admin/proposals/{ids[7]}", json={"theme": "nature"}, headers=world.admin.headers
    )
    assert reviewed.status_code == 200, reviewed.text
    applied = await client.post(
        f"/admin/dialogues/{SLUG}/analysis/themes",
        data={"apply": [f"{ids[6]}:nature", f"{ids[7]}:mobilite"], "csrf_token": token},
    )
    assert applied.status_code in (200, 303), applied.text
    themes = {
        p["id"]: p["theme"]
        for p in (await client.get(f"/api/v1/dialogues/{SLUG}/proposals?per_page=50")).json()[
            "items"
        ]
    }
    assert (themes[ids[6]], themes[ids[7]]) == ("nature", "nature")
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert 'name="apply"' not in page.text  # nothing left to suggest
    audit = await client.get(
        "/api/v1/admin/audit?action=proposal.review", headers=world.admin.headers
    )
    assert audit.status_code == 200, audit.text
    assert any(e["target"] == f"proposal:{ids[6]}" for e in audit.json()["items"])
