"""The petition end to end: the operator grants the module, an administrator turns it on
with a threshold, citizens support a proposal, and at the threshold it is « à l'étude »
(still in the vote), its author is told and the administrators are emailed, once."""

from __future__ import annotations

import html
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.models import Organisation, Proposal
from core.plugin_manager import Plugins
from participe.testing import (
    Outbox,
    VoteSetup,
    World,
    enable_module,
    grant_module,
    put_vote,
    run_event_jobs,
    vote_dialogue,
)

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}
STUDIED = {"key": "etude", "label": "À l'étude", "status": "accepted"}


async def _petition(
    client: Client, world: World, database: Database, plugins: Plugins, threshold: int
) -> VoteSetup:
    """A dialogue whose proposals citizens support, the petition on with ``threshold``
    and the organisation's own status « À l'étude »."""
    async with database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        organisation.options = {**organisation.options, "custom_statuses": [STUDIED]}
        await session.commit()
    await grant_module(database, plugins, world, "petition")
    setup = await vote_dialogue(client, world, SUPPORT, proposals=["Un banc", "Un arbre"])
    settings = {"threshold": threshold, "status": "etude"}
    response = await enable_module(client, world, setup.slug, "petition", settings)
    assert response.status_code == 200, response.text
    return setup


async def _status(client: Client, proposal_id: int) -> Any:
    response = await client.get(f"/api/v1/proposals/{proposal_id}")
    assert response.status_code == 200, response.text
    return response.json()["status"]


async def _label(database: Database, proposal_id: int) -> str | None:
    async with database.session() as session:
        return (await session.get_one(Proposal, proposal_id)).status_label


async def test_a_proposal_goes_under_study_at_the_threshold(
    client: Client,
    app: Litestar,
    world: World,
    database: Database,
    plugins: Plugins,
    outbox: Outbox,
) -> None:
    setup = await _petition(client, world, database, plugins, threshold=3)
    banc, arbre = setup.proposals
    citizens = await world.citizens(4)

    for citizen in citizens[:2]:
        assert (await put_vote(client, citizen, setup, banc)).status_code == 200
    await put_vote(client, citizens[0], setup, arbre)
    await run_event_jobs(app)
    assert await _status(client, banc) == "published"

    assert (await put_vote(client, citizens[2], setup, banc)).status_code == 200
    summary = await run_event_jobs(app)
    assert summary.failed == 0
    assert await _status(client, banc) == "accepted" and await _label(database, banc) == "etude"
    assert await _status(client, arbre) == "published"
    page = await client.get(f"/admin/proposals/{banc}", headers=world.admin.headers)
    assert "À l'étude" in html.unescape(page.text)

    [organiser] = await outbox.messages(world.admin.user.email, kind="petition_reached")
    assert "Un banc" in organiser.subject and "3" in organiser.subject
    assert f"/admin/dialogues/{setup.slug}/review" in organiser.text_body
    [author] = await outbox.messages(world.alice.user.email, kind="proposal_status")
    assert "Un banc" in author.subject and "À l'étude" in author.subject
    assert "seuil de soutiens" in author.text_body

    # Still in the vote: a fourth support counts, and changes nothing more.
    assert (await put_vote(client, citizens[3], setup, banc)).status_code == 200
    await run_event_jobs(app)
    assert len(await outbox.messages(world.admin.user.email, kind="petition_reached")) == 1
    assert len(await outbox.messages(world.alice.user.email, kind="proposal_status")) == 1


async def test_the_organiser_reads_it_in_their_language(
    client: Client,
    app: Litestar,
    world: World,
    database: Database,
    plugins: Plugins,
    outbox: Outbox,
) -> None:
    setup = await _petition(client, world, database, plugins, threshold=1)
    english = await world.person("organiser@example.org", role=world.admin.user.role, language="en")
    await put_vote(client, world.bob, setup, setup.proposals[0])
    await run_event_jobs(app)
    [mail] = await outbox.messages(english.user.email, kind="petition_reached")
    assert mail.language == "en" and mail.subject.startswith("Petition:")
    [french] = await outbox.messages(world.admin.user.email, kind="petition_reached")
    assert french.subject.startswith("Pétition")


async def test_nothing_happens_where_the_module_is_off(
    client: Client,
    app: Litestar,
    world: World,
    database: Database,
    plugins: Plugins,
    outbox: Outbox,
) -> None:
    await grant_module(database, plugins, world, "petition")
    setup = await vote_dialogue(client, world, SUPPORT, proposals=1)
    await run_event_jobs(app)  # the platform's own (its news of the dialogue)
    await put_vote(client, world.bob, setup, setup.proposals[0])
    assert (await run_event_jobs(app)).done == 0  # no petition job for the vote
    assert await _status(client, setup.proposals[0]) == "published"
    assert await outbox.messages(kind="petition_reached") == []


async def test_the_settings_are_checked_and_the_grant_is_needed(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT, proposals=1)
    refused = await enable_module(client, world, setup.slug, "petition", {"threshold": 3})
    assert refused.status_code == 404 and refused.json()["code"] == "module.unknown"

    await grant_module(database, plugins, world, "petition")
    bad = await enable_module(client, world, setup.slug, "petition", {"threshold": 0})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json()["errors"]] == ["settings.threshold"]
