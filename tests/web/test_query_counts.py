"""SQL statements per request on the hot paths: a fixed, small number whatever the page
size (no query per proposal, no N+1), on SQLite and on PostgreSQL.

Statements are counted on the engine with SQLAlchemy's ``before_cursor_execute`` event;
``BEGIN`` (which the SQLite driver sends as a statement, and psycopg does not) is not one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from core.db import Database
from core.hookspecs import hookimpl
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing import PluginChoice, build_test_plugins, http_client, make_app, switch_phase
from tests.conftest import Person, World
from tests.helpers import create_dialogue, phases_now

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]
#: Proposals of the dialogue; every third is about nature (a filter with few results).
PROPOSALS = 30

#: The most statements a list page may cost (API JSON, HTML grid/list/map, GeoJSON).
LIST_PAGE = 6
#: The most statements a proposal page may cost.
PROPOSAL_PAGE = 8
#: The statements of a vote: token with the user's groups; the ballot's lock; its votes
#: with the proposal asked for; the writes, one statement on PostgreSQL (vote, ballot and
#: log in data-modifying CTEs), one per table on SQLite (vote, ballot, log). The worker
#: holds the organisation and the dialogue with its phases (``core.read_cache``); a
#: worker that does not yet reads them too (two more). The ballot's lock also takes the
#: dialogue's and reads its configuration version on PostgreSQL (one more statement on
#: SQLite, ``core.services.vote_locks``); on SQLite the app reads and moves the vote log's
#: chain head (a trigger does it on PostgreSQL, ``core.vote_chain``).
VOTE = {"postgresql": 4, "sqlite": 9}
#: What a plugin implementing ``permission_allowed`` adds to a vote, whatever it answers:
#: the proposals asked for are read as models, for its rule to judge each one
#: (``core.services.ballots``).
PERMISSION_RULES = 1


@contextmanager
def counted_queries(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(" ".join(statement.split())[:160])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


@dataclass
class Browse:
    proposals: list[int]
    voter: Person


@pytest.fixture
async def browse(client: Client, world: World) -> Browse:
    """A participatory budget in its vote phase: ``PROPOSALS`` located proposals with
    themes and sectors, comments on the first ones, and Bob's ballot."""
    await create_dialogue(
        client,
        world.admin.headers,
        slug=SLUG,
        kind="budget",
        themes=THEMES,
        sectors=SECTORS,
        vote={"type": "support", "settings": {"max_votes": 10}},
        comments={"mode": "thread"},
        phases=phases_now("proposals", ("proposals", "vote", "results")),
    )
    ids = []
    for index in range(PROPOSALS):
        response = await client.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={
                "title": f"Proposition {index + 1}",
                "body": "Pour la ville, **vite**.",
                "theme": "nature" if index % 3 == 0 else "mobilite",
                "sector": "nord" if index % 2 else "sud",
                "location": {"lat": 47.2 + index / 1000, "lng": -1.55},
                "cost": 1000 * (index + 1),
            },
            headers=(world.alice if index % 2 else world.bob).headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    for proposal_id in ids[:5]:
        response = await client.post(
            f"/api/v1/proposals/{proposal_id}/comments",
            json={"body": "Bonne idée."},
            headers=world.alice.headers,
        )
        assert response.status_code == 201, response.text
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    for proposal_id in ids[:3]:
        response = await client.put(
            f"/api/v1/dialogues/{SLUG}/ballot/votes/{proposal_id}", headers=world.bob.headers
        )
        assert response.status_code == 200, response.text
    return Browse(ids, world.bob)


async def statements_of(
    client: Client, database: Database, url: str, headers: dict[str, str] | None = None
) -> list[str]:
    await client.get(url, headers=headers)  # caches and lazy set-up out of the way
    with counted_queries(database) as statements:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return statements


LISTS = {
    # name: (a page with few items, a page with many), of the same kind
    "api": (
        f"/api/v1/dialogues/{SLUG}/proposals?per_page=2",
        f"/api/v1/dialogues/{SLUG}/proposals?per_page=30",
    ),
    "api filtered": (
        f"/api/v1/dialogues/{SLUG}/proposals?theme=nature&sector=nord&per_page=100",
        f"/api/v1/dialogues/{SLUG}/proposals?theme=mobilite&sort=title&per_page=100",
    ),
    "html grid": (
        f"/dialogues/{SLUG}/proposals?theme=nature&sector=nord",
        f"/dialogues/{SLUG}/proposals",
    ),
    "html list": (
        f"/dialogues/{SLUG}/proposals?view=list&page=2",
        f"/dialogues/{SLUG}/proposals?view=list",
    ),
    "html map": (
        f"/dialogues/{SLUG}/proposals?view=map&theme=nature&sector=nord",
        f"/dialogues/{SLUG}/proposals?view=map",
    ),
    "geojson": (
        f"/api/v1/dialogues/{SLUG}/proposals.geojson?theme=nature&sector=nord",
        f"/api/v1/dialogues/{SLUG}/proposals.geojson",
    ),
}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("name", list(LISTS))
async def test_a_list_page_costs_a_few_queries_whatever_its_size(
    client: Client, database: Database, browse: Browse, name: str, signed_in: bool
) -> None:
    headers = browse.voter.headers if signed_in else None
    few, many = LISTS[name]
    small = await statements_of(client, database, few, headers)
    large = await statements_of(client, database, many, headers)
    assert len(small) == len(large), (small, large)
    assert len(large) <= LIST_PAGE, "\n".join(large)


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
async def test_a_proposal_page_costs_a_few_queries(
    client: Client, database: Database, browse: Browse, signed_in: bool
) -> None:
    headers = browse.voter.headers if signed_in else None
    commented = await statements_of(client, database, f"/proposals/{browse.proposals[0]}", headers)
    quiet = await statements_of(client, database, f"/proposals/{browse.proposals[-1]}", headers)
    assert len(commented) == len(quiet), (commented, quiet)
    assert len(commented) <= PROPOSAL_PAGE, "\n".join(commented)
    api = await statements_of(client, database, f"/api/v1/proposals/{browse.proposals[0]}")
    assert len(api) <= PROPOSAL_PAGE, "\n".join(api)


def vote_budget(database: Database, plugins: Plugins) -> int:
    """The most statements a vote may cost with the app's plugins."""
    extra = PERMISSION_RULES if plugins.has_permission_rules else 0
    return VOTE[database.engine.dialect.name] + extra


async def check_vote_counts(
    client: Client, database: Database, browse: Browse, world: World, most: int
) -> None:
    """Casts and withdraws votes of ``browse``'s dialogue; each costs at most ``most``
    statements (one more to create a ballot), the same for every vote after the first."""
    url = f"/api/v1/dialogues/{SLUG}/ballot/votes/{{}}"
    await client.get(f"/api/v1/dialogues/{SLUG}")  # the worker reads the dialogue once
    counts = []
    for person, proposal_id in (
        (world.alice, browse.proposals[5]),  # her first vote: the ballot is created
        (world.alice, browse.proposals[6]),
        (world.bob, browse.proposals[7]),  # a ballot that already holds three votes
    ):
        with counted_queries(database) as cast:
            response = await client.put(url.format(proposal_id), headers=person.headers)
        assert response.status_code == 200, response.text
        with counted_queries(database) as withdrawn:
            response = await client.delete(url.format(proposal_id), headers=person.headers)
        assert response.status_code == 200, response.text
        counts.append((len(cast), len(withdrawn)))
        assert len(cast) <= most + 1, "\n".join(cast)  # + the new ballot's insert
        assert len(withdrawn) <= most, "\n".join(withdrawn)
    assert counts[1] == counts[2], counts
    assert counts[1][0] <= most, counts


async def test_a_vote_costs_a_small_fixed_number_of_queries(
    client: Client, database: Database, browse: Browse, world: World, plugins: Plugins
) -> None:
    await check_vote_counts(client, database, browse, world, vote_budget(database, plugins))


class OpinionlessRule:
    """A plugin with an access rule that has no opinion."""

    @hookimpl
    def permission_allowed(self) -> bool | None:
        return None


async def test_a_permission_rule_adds_its_budget_to_a_vote(
    settings: Settings,
    database: Database,
    browse: Browse,
    world: World,
    participe_plugins: Sequence[PluginChoice],
) -> None:
    plugins = build_test_plugins([*participe_plugins, ("opinionless", OpinionlessRule())])
    assert plugins.has_permission_rules
    async with http_client(make_app(settings, database, plugins)) as client:
        await check_vote_counts(client, database, browse, world, vote_budget(database, plugins))
