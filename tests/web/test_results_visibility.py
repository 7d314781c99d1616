"""Who sees results, and when: ``live``, ``after_vote`` (by the dates alone, without anyone
clicking), ``manual``; publication by hand; staff previews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database, utcnow
from core.models import Dialogue
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.results_helpers import admin_results_url, read_results, set_phase_dates

SUPPORT = {"type": "support", "settings": {}}


async def _dialogue(client: Any, world: World, visibility: str) -> Any:
    setup = await vote_dialogue(client, world, SUPPORT)
    response = await client.patch(
        f"/api/v1/admin/dialogues/{setup.slug}",
        json={"results_visibility": visibility},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    return setup


async def _published_at(database: Database, slug: str) -> Any:
    async with database.session() as session:
        return await session.scalar(
            select(Dialogue.results_published_at).where(Dialogue.slug == slug)
        )


async def test_live_results_are_always_visible(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    setup = await _dialogue(client, world, "live")
    for person in (None, world.alice):
        response = await read_results(client, setup.slug, person)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["published"] is True
        assert body["vote_type"] == "support"
        assert body["ballots_counted"] == 1


async def test_manual_results_are_hidden_until_published(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await _dialogue(client, world, "manual")
    for person in (None, world.alice):
        hidden = await read_results(client, setup.slug, person)
        assert hidden.status_code == 403
        assert hidden.json()["code"] == "results.hidden"
    preview = await read_results(client, setup.slug, world.admin)
    assert preview.status_code == 200
    assert preview.json()["published"] is False
    assert preview.json()["ballots_counted"] == 1

    refused = await client.post(
        admin_results_url(setup.slug, "publish"), headers=world.alice.headers
    )
    assert refused.status_code == 403
    published = await client.post(
        admin_results_url(setup.slug, "publish"), headers=world.admin.headers
    )
    assert published.status_code == 200, published.text
    assert published.json()["published"] is True
    assert await _published_at(database, setup.slug) is not None
    seen = await read_results(client, setup.slug, world.alice)
    assert seen.status_code == 200 and seen.json()["published"] is True

    hidden_again = await client.post(
        admin_results_url(setup.slug, "unpublish"), headers=world.admin.headers
    )
    assert hidden_again.status_code == 200
    assert hidden_again.json()["published"] is False
    assert (await read_results(client, setup.slug, world.alice)).status_code == 403


async def test_after_vote_results_appear_when_the_vote_phase_ends_by_its_dates(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await _dialogue(client, world, "after_vote")
    hidden = await read_results(client, setup.slug, world.alice)
    assert (hidden.status_code, hidden.json()["code"]) == (403, "results.hidden")
    assert (await read_results(client, setup.slug, world.admin)).json()["published"] is False

    # Time passes: the vote phase's end date is now behind us. Nobody publishes anything.
    ended = utcnow() - timedelta(minutes=1)
    await set_phase_dates(database, setup.slug, "vote", ends_at=ended)
    shown = await read_results(client, setup.slug, world.alice)
    assert shown.status_code == 200, shown.text
    assert shown.json()["published"] is True
    assert shown.json()["ballots_counted"] == 1
    assert await _published_at(database, setup.slug) == ended


async def test_after_vote_end_set_through_the_admin_api(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await _dialogue(client, world, "after_vote")
    now = utcnow()
    phases = [
        {"kind": "proposals", "starts_at": (now - timedelta(days=3)).isoformat(),
         "ends_at": (now - timedelta(days=2)).isoformat()},
        {"kind": "vote", "starts_at": (now - timedelta(days=2)).isoformat(),
         "ends_at": (now - timedelta(seconds=1)).isoformat()},
        {"kind": "results", "starts_at": (now - timedelta(seconds=1)).isoformat()},
    ]  # fmt: skip
    response = await client.patch(
        f"/api/v1/admin/dialogues/{setup.slug}",
        json={"phases": phases},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    shown = await read_results(client, setup.slug)
    assert shown.status_code == 200, shown.text
    assert shown.json()["published"] is True
    assert await _published_at(database, setup.slug) is not None


async def test_unpublishing_after_the_vote_holds_results_back(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await _dialogue(client, world, "after_vote")
    await set_phase_dates(database, setup.slug, "vote", ends_at=utcnow() - timedelta(hours=1))
    assert (await read_results(client, setup.slug, world.alice)).status_code == 200
    hidden = await client.post(
        admin_results_url(setup.slug, "unpublish"), headers=world.admin.headers
    )
    assert hidden.status_code == 200
    # The dates no longer publish them: the organiser holds them back.
    assert (await read_results(client, setup.slug, world.alice)).status_code == 403
    dialogue = (await client.get(f"/api/v1/dialogues/{setup.slug}")).json()
    assert dialogue["results_visibility"] == "manual"


async def test_results_of_another_organisation_are_not_found(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    response = await read_results(client, "nope")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = await client.post(admin_results_url("nope", "publish"), headers=world.admin.headers)
    assert response.status_code == 404


async def test_questionnaire_results_merge_their_questions(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    from tests.questionnaire_helpers import ADMIN_DIALOGUES, EVERY_KIND, SLUG, dialogue_with

    created = await client.post(
        ADMIN_DIALOGUES,
        json=dialogue_with(EVERY_KIND, results_visibility="manual"),
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    hidden = await read_results(client, SLUG, world.alice)
    assert (hidden.status_code, hidden.json()["code"]) == (403, "results.hidden")
    body = (await read_results(client, SLUG, world.admin)).json()
    assert body["published"] is False
    assert body["vote_type"] == "questionnaire"
    assert body["proposals"] == [] and body["winners"] == []
    assert [q["kind"] for q in body["questions"]] == [q["kind"] for q in EVERY_KIND["questions"]]
    page = await client.get(f"/dialogues/{SLUG}/results", headers=world.admin.headers)
    assert f'href="/dialogues/{SLUG}/questionnaire/results"' in page.text
