"""Ballot sources (``register_ballot_sources``): ballots kept by a plugin are counted with
the online ones in the results, the "what if" report and the recount, and a change of
theirs is never hidden by a cached results body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ballot_sources import (
    BallotSource,
    ExtraBallots,
    with_extra_counts,
    with_extra_votes,
)
from core.db import Database
from core.hookspecs import hookimpl
from core.models import Dialogue
from core.registries import Registry
from core.services.recount import recount
from core.settings import Settings
from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes, ProposalFacts
from participe.testing import replace, vote_dialogue
from tests.conftest import World
from web.app import create_app
from web.plugins import build_plugins

SUPPORT: dict[str, Any] = {"type": "support", "settings": {}}
RANKED: dict[str, Any] = {"type": "ranked", "settings": {"method": "borda"}}


class Urn(BallotSource):
    """Ballots held in memory: ``stored`` as counted, ``logged`` as its log rebuilds them
    (the same unless a test makes them differ)."""

    id = "urn"

    def __init__(self) -> None:
        self.stored: dict[int, dict[int, int]] = {}
        self.logged: dict[int, dict[int, int]] | None = None
        self.slugs: set[str] = set()

    def applies_to(self, dialogue: Dialogue) -> bool:
        return dialogue.slug in self.slugs

    @staticmethod
    def _extra(ballots: dict[int, dict[int, int]]) -> ExtraBallots:
        rows = [(b, p, v) for b, votes in ballots.items() for p, v in votes.items()]
        return ExtraBallots(
            len(ballots), [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        )

    async def ballots(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        return self._extra(self.stored)

    async def replayed(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        return self._extra(self.stored if self.logged is None else self.logged)

    async def version(self, session: AsyncSession, dialogue: Dialogue) -> str:
        return str(sorted((b, sorted(v.items())) for b, v in self.stored.items()))


class UrnPlugin:
    def __init__(self, urn: Urn) -> None:
        self.urn = urn

    @hookimpl
    def register_ballot_sources(self, registry: Registry[BallotSource]) -> None:
        registry.add(self.urn)


@pytest.fixture
async def urn_client(settings: Settings, database: Database) -> Any:
    urn = Urn()
    plugins = build_plugins(settings, extra=[("urn", UrnPlugin(urn))])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client, urn, plugins


async def _recount(database: Database, plugins: Any, slug: str) -> Any:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None
        return await recount(session, plugins, dialogue)


async def test_hook_register_ballot_sources(
    urn_client: tuple[AsyncTestClient[Litestar], Urn, Any], world: World, database: Database
) -> None:
    client, urn, plugins = urn_client
    assert "urn" in plugins.ballot_sources.ids()
    setup = await vote_dialogue(client, world, SUPPORT, proposals=3)
    a, b, c = setup.proposals
    await replace(client, world.alice, setup, {a: None, b: None})
    results = f"/api/v1/dialogues/{setup.slug}/results"
    before = (await client.get(results, headers=world.admin.headers)).json()
    assert before["ballots_counted"] == 1

    urn.slugs.add(setup.slug)
    urn.stored = {10: {a: 1}, 11: {c: 1, 999: 1}, 12: {}}  # 999: not a candidate
    body = (await client.get(results, headers=world.admin.headers)).json()
    assert body["ballots_counted"] == 4  # the cached body was not served
    assert {p["id"]: p["tally"]["supports"] for p in body["proposals"]} == {a: 2, b: 1, c: 1}
    report = await _recount(database, plugins, setup.slug)
    assert report.ok, report.differences
    assert report.from_log.ballots_counted == 4

    # A source whose log disagrees with its stored ballots fails the recount.
    urn.logged = {10: {a: 1}, 11: {}, 12: {}}
    report = await _recount(database, plugins, setup.slug)
    assert not report.ok
    assert any(f"proposal {c}" in difference for difference in report.differences)


async def test_whole_ballots_from_a_source_count_in_ranked_votes(
    urn_client: tuple[AsyncTestClient[Litestar], Urn, Any], world: World, database: Database
) -> None:
    client, urn, plugins = urn_client
    setup = await vote_dialogue(client, world, RANKED, slug="classement", proposals=3)
    a, b, c = setup.proposals
    await replace(client, world.alice, setup, {a: 1, b: 2, c: 3})
    urn.slugs.add(setup.slug)
    urn.stored = {1: {c: 1, b: 2, a: 3}, 2: {c: 1, a: 2, b: 3}}
    results = f"/api/v1/dialogues/{setup.slug}/results"
    body = (await client.get(results, headers=world.admin.headers)).json()
    assert body["ballots_counted"] == 3
    assert body["winners"][0] == c  # two paper first choices beat one online
    assert (await _recount(database, plugins, setup.slug)).ok
    report = (
        await client.get(
            f"/api/v1/admin/dialogues/{setup.slug}/results/report", headers=world.admin.headers
        )
    ).json()
    assert report["ballots_counted"] == 3


def test_merging_keeps_the_promised_order() -> None:
    facts = {pid: ProposalFacts(pid * 100, f"theme-{pid}") for pid in (1, 2, 3)}
    votes = CountedVotes([1, 2, 3], [5, 5, 8], [1, 3, 2], [1, 1, 1], 2, facts)
    extra = ExtraBallots(2, [0, 0, 1], [2, 1, 3], [4, 5, 6])
    merged = with_extra_votes(votes, extra)
    assert merged.facts == facts
    assert merged.ballots_counted == 4
    assert list(merged.ballot_ids) == [-2, -1, -1, 5, 5, 8]
    assert list(merged.proposal_ids) == [3, 1, 2, 1, 3, 2]
    assert list(merged.values) == [6, 5, 4, 1, 1, 1]
    assert with_extra_votes(votes, ExtraBallots()) is votes

    counts = VoteCounts.from_rows([1, 2, 3], [(1, 1, 2), (2, 1, 1)], 2)
    grouped = with_extra_counts(counts, ExtraBallots(1, [0, 0], [1, 3], [1, 1]))
    assert grouped.ballots_counted == 3
    assert grouped.per_candidate() == {1: 3, 2: 1, 3: 1}
    assert numpy.unique(grouped.proposal_ids * 10 + grouped.values).size == len(grouped.counts)
    with pytest.raises(ValueError, match="same length"):
        ExtraBallots(1, [0], [1, 2], [1])
