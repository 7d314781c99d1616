"""A dialogue whose vote type is no longer provided (its package uninstalled, its plugin
blocked): the platform keeps working, and the dialogue says its voting module is missing
(``vote.type_missing``) instead of failing; the votes already cast count again once the
plugin is back."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.hookspecs import hookimpl
from core.registries import Registry
from core.settings import Settings
from core.vote_types import BallotContent, CountedVotes, VoteType
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from web.app import create_app
from web.plugins import build_plugins

MISSING = "Le module de vote de cette démarche n'est pas installé"


class NoSettings(msgspec.Struct, forbid_unknown_fields=True):
    pass


class Thumbs(VoteType[NoSettings]):
    """A thumb up per proposal, from a plugin that the test installs and removes."""

    id = "thumbs"
    title = "Pouce levé"
    settings_type = NoSettings
    widget_template = "_thumbs.html"

    def parse_value(self, settings: NoSettings, raw: object) -> int:
        return 1

    def present_value(self, settings: NoSettings, value: int) -> object:
        return value

    def judge(self, settings: NoSettings, ballot: BallotContent) -> None:
        return None

    def min_votes(self, settings: NoSettings) -> int:
        return 0

    def rules(self, settings: NoSettings) -> dict[str, Any]:
        return {}

    def remaining(self, settings: NoSettings, ballot: BallotContent) -> dict[str, Any]:
        return {}

    def tally(self, settings: NoSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        counted = {pid: 0 for pid in votes.candidates}
        for pid in votes.proposal_ids:
            counted[int(pid)] += 1
        return {pid: {"thumbs": n} for pid, n in counted.items()}


class ThumbsPlugin:
    @hookimpl
    def register_vote_types(self, registry: Registry[Any]) -> None:
        registry.add(Thumbs())


def _client(settings: Settings, database: Database, *extra: tuple[str, object]) -> Any:
    app = create_app(settings, plugins=build_plugins(settings, extra=extra), database=database)
    return AsyncTestClient(app=app, base_url="http://127.0.0.1")


async def test_a_missing_vote_type_is_named_not_a_failure(
    settings: Settings, database: Database, world: World
) -> None:
    client: AsyncTestClient[Litestar]
    async with _client(settings, database, ("thumbs", ThumbsPlugin())) as client:
        setup = await vote_dialogue(client, world, {"type": "thumbs", "settings": {}})
        assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200

    async with _client(settings, database) as client:  # the plugin is gone
        dialogue = await client.get(f"/api/v1/dialogues/{setup.slug}")
        assert dialogue.status_code == 200
        assert dialogue.json()["vote"]["type"] == "thumbs"
        for response in (
            await client.get(setup.ballot, headers=world.bob.headers),
            await put_vote(client, world.bob, setup, setup.proposals[1]),
            await client.get(
                f"/api/v1/dialogues/{setup.slug}/results", headers=world.admin.headers
            ),
        ):
            assert response.status_code == 409
            assert response.json()["code"] == "vote.type_missing"
            assert response.json()["vote_type"] == "thumbs"
            assert "« thumbs »" in response.json()["detail"]

        page = await client.get(f"/proposals/{setup.proposals[0]}", headers=world.bob.headers)
        assert page.status_code == 200
        assert MISSING in html.unescape(page.text)
        assert f'action="/proposals/{setup.proposals[0]}/vote"' not in page.text
        listing = await client.get(f"/dialogues/{setup.slug}/proposals", headers=world.bob.headers)
        assert listing.status_code == 200 and MISSING in html.unescape(listing.text)
        results = await client.get(f"/dialogues/{setup.slug}/results", headers=world.admin.headers)
        assert results.status_code == 409
        assert "n'est pas installé" in html.unescape(results.text)
        assert (await client.get("/me/ballots", headers=world.bob.headers)).status_code == 200
        vote_page = await client.get(
            f"/admin/dialogues/{setup.slug}/vote", headers=world.admin.headers
        )
        assert vote_page.status_code == 200

    async with _client(settings, database, ("thumbs", ThumbsPlugin())) as client:  # back
        body = (
            await client.get(f"/api/v1/dialogues/{setup.slug}/results", headers=world.admin.headers)
        ).json()
        assert body["ballots_counted"] == 1
        tally = {p["id"]: p["tally"] for p in body["proposals"]}
        assert tally[setup.proposals[0]] == {"thumbs": 1}
