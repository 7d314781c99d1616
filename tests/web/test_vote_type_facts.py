"""A vote type sees the facts of proposals (cost, theme, sector, custom field values): a
client's "approval with at most N per theme" judges ballots by theme through the real vote
API, on both paths of the ballot engine, and counts by theme and sector; the facts the core
builds for ballots and counts are the proposals' own."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.hookspecs import hookimpl
from core.models import Dialogue, User
from core.registries import Registry
from core.services import ballot_box, counted_votes, recount, results, tally
from core.settings import Settings
from core.vote_types import BallotContent, CountedVotes, ProposalFacts, VoteRejected, VoteType
from participe.testing import VoteSetup, put_vote, replace, switch_phase, tally_of, vote_dialogue
from tests.conftest import World, without_installed
from web.app import create_app
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]

FORM = [
    {"key": "quartier", "label": "Quartier", "type": "text"},
    {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
]
DIALOGUE = {
    "themes": [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}],
    "sectors": [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}],
    "form": FORM,
}
#: Three proposals on mobility, one on nature, one without a theme.
DETAILS = [
    {
        "theme": "mobilite",
        "sector": "nord",
        "cost": 100,
        "fields": {"quartier": "Centre", "telephone": "0600000000"},
    },
    {"theme": "mobilite", "sector": "sud", "cost": 200, "fields": {"quartier": "Gare"}},
    {"theme": "mobilite", "sector": "nord"},
    {"theme": "nature", "sector": "sud", "cost": 50},
    {},
]


class ThemeCapSettings(msgspec.Struct, forbid_unknown_fields=True):
    max_per_theme: int = 2


class ThemeCap(VoteType[ThemeCapSettings]):
    """Approval with at most ``max_per_theme`` votes in each theme, as a client's package
    would write it: only the public contract, no database."""

    id = "theme_cap"
    title = "Approbation plafonnée par thème"
    settings_type = ThemeCapSettings
    widget_template = "_thumbs.html"

    @staticmethod
    def _per_theme(ballot: BallotContent) -> Counter[str]:
        themes = (ballot.proposals[pid].theme for pid in ballot.votes)
        return Counter(theme for theme in themes if theme is not None)

    def parse_value(self, settings: ThemeCapSettings, raw: object) -> int:
        return 1

    def present_value(self, settings: ThemeCapSettings, value: int) -> object:
        return None

    def judge(self, settings: ThemeCapSettings, ballot: BallotContent) -> None:
        for theme, count in self._per_theme(ballot).items():
            if count > settings.max_per_theme:
                raise VoteRejected(
                    f"Au plus {settings.max_per_theme} vote(s) par thème ({theme}).",
                    code="vote.theme_max_exceeded",
                )

    def min_votes(self, settings: ThemeCapSettings) -> int:
        return 0

    def rules(self, settings: ThemeCapSettings) -> dict[str, Any]:
        return {"max_per_theme": settings.max_per_theme}

    def remaining(self, settings: ThemeCapSettings, ballot: BallotContent) -> dict[str, Any]:
        used = self._per_theme(ballot)
        return {"themes": {theme: settings.max_per_theme - n for theme, n in used.items()}}

    def tally(self, settings: ThemeCapSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        supports = Counter(int(pid) for pid in votes.proposal_ids)
        themes = Counter[str | None]()
        sectors = Counter[str | None]()
        for pid, n in supports.items():
            themes[votes.facts[pid].theme] += n
            sectors[votes.facts[pid].sector] += n
        return {
            pid: {
                "supports": supports[pid],
                "theme_supports": themes[votes.facts[pid].theme],
                "sector_supports": sectors[votes.facts[pid].sector],
            }
            for pid in votes.candidates
        }


class ThemeCapPlugin:
    @hookimpl
    def register_vote_types(self, registry: Registry[Any]) -> None:
        registry.add(ThemeCap())


class NoOpinion:
    """An access rule that decides nothing: the ballot engine then reads each proposal as
    a model, its other path."""

    @hookimpl
    def permission_allowed(
        self, actor: User | None, action: str, resource: Any, context: dict[str, Any]
    ) -> bool | None:
        return None


@pytest.fixture
async def capped(
    request: pytest.FixtureRequest, settings: Settings, database: Database
) -> AsyncIterator[Client]:
    """An app with the theme-capped vote type; with an access rule when the test asks for
    the engine's ``"models"`` path (its ``"statements"`` path otherwise)."""
    path = getattr(request, "param", "statements")
    extra: list[tuple[str, object]] = [("theme_cap", ThemeCapPlugin())]
    if path == "models":
        extra.append(("no_opinion", NoOpinion()))
    plugins = build_plugins(without_installed(settings), extra=extra)
    assert plugins.has_permission_rules is (path == "models")
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def _setup(client: Client, world: World) -> VoteSetup:
    vote = {"type": "theme_cap", "settings": {"max_per_theme": 2}}
    return await vote_dialogue(
        client, world, vote, proposals=len(DETAILS), details=DETAILS, **DIALOGUE
    )


async def _dialogue(database: Database, slug: str) -> Dialogue:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
    assert dialogue is not None
    return dialogue


@pytest.mark.parametrize("capped", ["statements", "models"], indirect=True)
async def test_a_vote_type_caps_the_votes_of_a_theme(capped: Client, world: World) -> None:
    setup = await _setup(capped, world)
    first, second, third, nature, themeless = setup.proposals
    for proposal_id in (first, second, nature, themeless):
        assert (await put_vote(capped, world.bob, setup, proposal_id)).status_code == 200

    refused = await put_vote(capped, world.bob, setup, third)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "vote.theme_max_exceeded"
    swapped = await replace(capped, world.bob, setup, {first: None, second: None, third: None})
    assert swapped.status_code == 409, swapped.text
    assert swapped.json()["code"] == "vote.theme_max_exceeded"

    ballot = (await capped.get(setup.ballot, headers=world.bob.headers)).json()
    assert sorted(vote["proposal_id"] for vote in ballot["votes"]) == sorted(
        [first, second, nature, themeless]
    )
    assert ballot["remaining"] == {"themes": {"mobilite": 0, "nature": 1}}
    # Room made in the theme: the third mobility proposal now fits.
    assert (await capped.delete(setup.vote(first), headers=world.bob.headers)).status_code == 200
    assert (await put_vote(capped, world.bob, setup, third)).status_code == 200


async def test_a_tally_counts_by_theme_and_sector(
    capped: Client, world: World, database: Database, settings: Settings
) -> None:
    setup = await _setup(capped, world)
    first, second, third, nature, themeless = setup.proposals
    await replace(capped, world.bob, setup, {first: None, nature: None, themeless: None})
    await replace(capped, world.alice, setup, {first: None, third: None})
    await switch_phase(capped, world.admin.headers, setup.slug, "results")

    body = (await capped.get(f"/api/v1/dialogues/{setup.slug}/results")).json()
    tallies = {proposal["id"]: proposal["tally"] for proposal in body["proposals"]}
    # mobilite: 3 supports (first twice, third once); nature 1; no theme 1.
    # nord: first and third (3); sud: nature (1); no sector: themeless (1).
    assert tallies == {
        first: {"supports": 2, "theme_supports": 3, "sector_supports": 3},
        second: {"supports": 0, "theme_supports": 3, "sector_supports": 1},
        third: {"supports": 1, "theme_supports": 3, "sector_supports": 3},
        nature: {"supports": 1, "theme_supports": 1, "sector_supports": 1},
        themeless: {"supports": 1, "theme_supports": 1, "sector_supports": 1},
    }
    # The tally of the stored ballots and the recount from the vote log count alike.
    plugins = build_plugins(without_installed(settings), extra=[("theme_cap", ThemeCapPlugin())])
    counted = await tally_of(database, plugins, setup)
    assert counted.proposals == tallies


async def test_the_facts_of_ballots_and_counts_are_the_proposals_own(
    capped: Client, world: World, database: Database
) -> None:
    setup = await _setup(capped, world)
    first, second, third, nature, themeless = setup.proposals
    await replace(capped, world.bob, setup, {first: None, nature: None, themeless: None})
    expected = {
        first: ProposalFacts(
            100, "mobilite", "nord", {"quartier": "Centre", "telephone": "0600000000"}
        ),
        second: ProposalFacts(200, "mobilite", "sud", {"quartier": "Gare"}),
        third: ProposalFacts(None, "mobilite", "nord", {}),
        nature: ProposalFacts(50, "nature", "sud", {}),
        themeless: ProposalFacts(None, None, None, {}),
    }
    voted = {pid: expected[pid] for pid in (first, nature, themeless)}
    dialogue = await _dialogue(database, setup.slug)

    async with database.session() as session:
        bob = await session.get_one(User, world.bob.user.id)
        content = (await ballot_box.read_ballot(session, dialogue, bob)).content()
        assert content.proposals == voted
        assert content.costs == {first: 100, nature: 50, themeless: None}
        (loaded,) = (await ballot_box.ballot_box(session, world.org, bob, page=1, per_page=5))[0]
        assert loaded.content() == content

        assert (await tally.candidate_facts(session, dialogue)) == expected
        assert (await tally.counted_votes(session, dialogue)).facts == expected
        found = await counted_votes.candidates(session, dialogue)
        assert {c.id: c.facts for c in found} == expected
        assert [c.cost for c in found] == [100, 200, None, 50, None]
        online = await counted_votes.ballots_counted(session, dialogue)
        assert (await results.load_votes(session, dialogue, found, online)).facts == expected
        replayed = await recount.replay_log(session, dialogue)
        assert recount.counted_from(replayed, expected).candidates == list(expected)
