"""Staff merge duplicates into one proposal: the others closed as merged, their authors
told, their supports and comments carried over without counting anyone twice (a citizen
who supported two of them counts once), every vote change in the vote log and the merge
in the audit log; on both databases, and against a vote cast at the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditEntry, Comment, Organisation, Proposal, Vote, VoteLogEntry
from core.plugin_manager import Plugins
from participe.testing import (
    Outbox,
    VoteSetup,
    enable_module,
    put_vote,
    tally_of,
    vote_dialogue,
)
from tests.conftest import LiveServer, World
from tests.plugins.analysis.refreshing import analyse_now
from tests.signin_helpers import csrf_in, sign_in

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}


async def _setup(client: Any, world: World) -> VoteSetup:
    setup = await vote_dialogue(
        client, world, SUPPORT, proposals=["Une piste cyclable", "Piste vélo", "Un banc"]
    )
    response = await enable_module(client, world, setup.slug, "analysis")
    assert response.status_code == 200, response.text
    return setup


def _merge_url(setup: VoteSetup) -> str:
    return f"/api/v1/admin/dialogues/{setup.slug}/analysis/merge"


async def _merge(client: Client, world: World, setup: VoteSetup, **body: Any) -> Any:
    return await client.post(_merge_url(setup), json=body, headers=world.admin.headers)


async def _supports(database: Database, proposal_id: int) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Vote).where(Vote.proposal_id == proposal_id)
        )
    return int(count or 0)


async def test_a_merge_carries_supports_over_counting_each_citizen_once(
    client: Client,
    world: World,
    database: Database,
    plugins: Plugins,
    outbox: Outbox,
) -> None:
    setup = await _setup(client, world)
    kept, merged, other = setup.proposals
    [both, only_merged, only_kept] = await world.citizens(3)
    for citizen, proposals in (
        (both, [kept, merged]),
        (only_merged, [merged]),
        (only_kept, [kept]),
    ):
        for proposal in proposals:
            voted = await put_vote(client, citizen, setup, proposal)
            assert voted.status_code == 200, voted.text
    await put_vote(client, both, setup, other)
    comment = await client.post(
        f"/api/v1/proposals/{merged}/comments",
        json={"body": "Oui, une piste protégée !"},
        headers=only_merged.headers,
    )
    assert comment.status_code == 201, comment.text
    assert await _supports(database, kept) == 2 and await _supports(database, merged) == 2

    response = await _merge(client, world, setup, kept=kept, merged=[merged])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kept": kept,
        "merged": [merged],
        "votes_moved": 1,
        "counted_once": 1,
        "refused": 0,
        "comments_moved": 1,
        "unconfirmed": 0,
    }
    assert await _supports(database, kept) == 3  # both, only_merged, only_kept: once each
    assert await _supports(database, merged) == 0
    assert await _supports(database, other) == 1
    tally = await tally_of(database, plugins, setup)  # the vote log agrees
    assert tally.proposals[kept]["supports"] == 3
    async with database.session() as session:
        closed = await session.get_one(Proposal, merged)
        assert closed.status.value == "refused"
        assert "Une piste cyclable" in (closed.status_reason or "")
        moved = await session.scalar(
            select(Comment.proposal_id).where(Comment.id == comment.json()["id"])
        )
        assert moved == kept
        logged = (
            await session.scalars(
                select(VoteLogEntry.action).where(VoteLogEntry.reason == "proposals_merged")
            )
        ).all()
        assert sorted(logged) == ["cast", "withdraw", "withdraw"]
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.merge"))
        ).all()
        assert entry.target == f"proposal:{kept}" and entry.details["merged"] == [merged]
        assert entry.details["counted_once"] == 1
    [mail] = await outbox.messages(world.alice.user.email, kind="proposal_status")
    assert "Piste vélo" in mail.text_body and "Fusionnée" in mail.text_body
    # Citizens read « Fusionnée » on its page and on the list, not « Non retenue ».
    page = await client.get(f"/proposals/{merged}")
    assert ">Fusionnée</span>" in page.text and ">Non retenue</span>" not in page.text
    listed = await client.get(f"/dialogues/{setup.slug}/proposals?status=refused")
    assert ">Fusionnée</span>" in listed.text
    english = await client.get(f"/proposals/{merged}", headers={"Accept-Language": "en"})
    assert ">Merged</span>" in english.text
    # An organisation that names its own « merged » status is shown its own label.
    async with database.session() as session:
        org = await session.get_one(Organisation, world.org.id)
        org.options = {
            **(org.options or {}),
            "custom_statuses": [{"key": "merged", "label": "Regroupée", "status": "refused"}],
        }
        await session.commit()
    assert ">Regroupée</span>" in (await client.get(f"/proposals/{merged}")).text

    again = await _merge(client, world, setup, kept=kept, merged=[merged])
    assert again.status_code == 409 and again.json()["code"] == "proposal.not_mergeable"


async def test_bad_merges_are_refused_and_change_nothing(
    client: Client, world: World, database: Database
) -> None:
    setup = await _setup(client, world)
    kept, merged, _ = setup.proposals
    [citizen] = await world.citizens(1)
    await put_vote(client, citizen, setup, merged)
    itself = await _merge(client, world, setup, kept=kept, merged=[kept])
    assert itself.status_code == 422 and itself.json()["code"] == "validation"
    unknown = await _merge(client, world, setup, kept=kept, merged=[999_999])
    assert unknown.status_code == 404
    huge = await _merge(client, world, setup, kept=kept, merged=[2**40])
    assert huge.status_code in (400, 422) and huge.json()["code"] == "validation"
    empty = await _merge(client, world, setup, kept=kept, merged=[])
    assert empty.status_code in (400, 422) and empty.json()["code"] == "validation"
    by_citizen = await client.post(
        _merge_url(setup), json={"kept": kept, "merged": [merged]}, headers=citizen.headers
    )
    assert by_citizen.status_code == 403
    assert await _supports(database, merged) == 1


async def _together(url: str, calls: list[tuple[str, str, Any, dict[str, str]]]) -> list[Any]:
    """Sends every call on its own connection to the real server, all released at once."""
    clients = [httpx.AsyncClient(base_url=url, timeout=120) for _ in calls]
    go = asyncio.Event()
    ready = 0

    async def send(http: httpx.AsyncClient, method: str, path: str, body: Any, headers: Any) -> Any:
        nonlocal ready
        await http.get("/health")  # the connection is open before the burst
        ready += 1
        if ready == len(calls):
            go.set()
        await go.wait()
        return await http.request(method, path, json=body, headers=headers)

    try:
        return list(
            await asyncio.gather(
                *(send(http, *call) for http, call in zip(clients, calls, strict=True))
            )
        )
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))


async def test_a_vote_cast_during_a_merge_is_counted_once(
    live_server: LiveServer, world: World, database: Database, plugins: Plugins
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120) as http:
        setup = await _setup(http, world)
        kept, merged, _ = setup.proposals
        everyone = await world.citizens(48)
        earlier, later = everyone[:40], everyone[40:]
        for citizen in earlier:  # votes for the merge to carry over: it takes a while
            assert (await put_vote(http, citizen, setup, merged)).status_code == 200
        for citizen in later:
            assert (await put_vote(http, citizen, setup, kept)).status_code == 200
    # Those who support the kept proposal support the merged one while staff merge it, all
    # on their own connections to the real server: whichever commits first, nobody ends
    # with two supports, and none is lost.
    results = await _together(
        live_server.url,
        [
            ("POST", _merge_url(setup), {"kept": kept, "merged": [merged]}, world.admin.headers),
            *(("PUT", setup.vote(merged), {}, citizen.headers) for citizen in later),
        ],
    )
    assert results[0].status_code == 200, results[0].text
    assert all(r.status_code in (200, 409) for r in results[1:]), [r.text for r in results[1:]]
    # A support committed before the merge was counted once with the kept one, one after
    # it was refused (the proposal is closed): none is left on the merged proposal.
    assert await _supports(database, merged) == 0
    assert await _supports(database, kept) == len(everyone)
    await tally_of(database, plugins, setup)


async def test_staff_merge_a_group_from_the_back_office(
    client: Client, world: World, database: Database, outbox: Outbox, app: Litestar
) -> None:
    setup = await _setup(client, world)
    await analyse_now(app, database)
    kept, merged, _ = setup.proposals
    [citizen] = await world.citizens(1)
    await put_vote(client, citizen, setup, merged)
    await sign_in(client, database, world.admin.user.email)
    page = await client.get(f"/admin/dialogues/{setup.slug}/analysis")
    assert page.status_code == 200, page.text
    assert 'action="/admin/dialogues/budget-2026/analysis/merge"' in page.text
    refused = await client.post(
        f"/admin/dialogues/{setup.slug}/analysis/merge",
        data={"kept": str(kept), "csrf_token": csrf_in(page.text)},
    )
    assert refused.status_code == 422 and "Choisissez les propositions" in refused.text
    posted = await client.post(
        f"/admin/dialogues/{setup.slug}/analysis/merge",
        data={"kept": str(kept), "merged": str(merged), "csrf_token": csrf_in(page.text)},
    )
    assert posted.status_code in (200, 303), posted.text
    assert await _supports(database, kept) == 1 and await _supports(database, merged) == 0
    assert await outbox.messages(world.alice.user.email, kind="proposal_status")
