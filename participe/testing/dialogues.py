"""Dialogues ready for voting, built through the API as organisers and citizens do, and
short calls to the ballot endpoints.

``client`` is the test's :class:`litestar.testing.AsyncTestClient` (or an
``httpx.AsyncClient`` on a live server): every helper goes through HTTP, so that what a
test sets up is what a real organiser could have done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from core.db import Database
from core.models import Dialogue
from core.plugin_manager import Plugins
from core.services import recount
from core.services.tally import Tally
from participe.testing.people import Person, World

Client = Any  # Litestar's AsyncTestClient or an httpx.AsyncClient on the live server
ADMIN_DIALOGUES = "/api/v1/admin/dialogues"


@dataclass(frozen=True)
class VoteSetup:
    """A dialogue in its vote phase (its ``slug``) and the ids of its proposals."""

    slug: str
    proposals: list[int]

    @property
    def ballot(self) -> str:
        """The URL of the ballot: ``PUT`` replaces its votes, ``GET`` reads it."""
        return f"/api/v1/dialogues/{self.slug}/ballot"

    def vote(self, proposal_id: int) -> str:
        """The URL of one vote: ``PUT`` casts or changes it, ``DELETE`` withdraws it."""
        return f"{self.ballot}/votes/{proposal_id}"


async def switch_phase(
    client: Client, admin_headers: Mapping[str, str], slug: str, kind: str
) -> None:
    """Opens the dialogue's phase of ``kind`` now, as an administrator does."""
    response = await client.post(
        f"{ADMIN_DIALOGUES}/{slug}/phase", json={"kind": kind}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["current_phase"] == kind


async def vote_dialogue(
    client: Client,
    world: World,
    vote: Mapping[str, Any],
    *,
    slug: str = "budget-2026",
    proposals: int | Sequence[str] = 3,
    costs: Sequence[int | None] | None = None,
    vote_groups: Sequence[str] = (),
    author: Person | None = None,
    details: Sequence[Mapping[str, Any]] = (),
    **fields: Any,
) -> VoteSetup:
    """A dialogue with ``vote`` (``{"type", "settings"}``) whose vote phase is open.

    Its proposals (``proposals`` of them, or one per title given) were published by
    ``author`` (Alice unless given) during the proposals phase, with ``costs`` when
    given and ``details[i]`` added to the i-th proposal's body (``theme``, ``sector``,
    ``fields``...); only ``vote_groups`` may vote when given. ``fields`` are more fields
    of the dialogue's body (``kind``, ``title``, ``results_visibility``, ``themes``,
    ``modules``...).
    """
    body: dict[str, Any] = {
        "slug": slug,
        "title": "Budget participatif 2026",
        "kind": "budget",
        "vote": dict(vote),
        "phases": [
            {"kind": "proposals"},
            {"kind": "vote", "groups": list(vote_groups)},
            {"kind": "results"},
        ],
        **fields,
    }
    response = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert response.status_code == 201, response.text
    await switch_phase(client, world.admin.headers, slug, "proposals")
    titles = (
        [f"Proposition {n}" for n in range(1, proposals + 1)]
        if isinstance(proposals, int)
        else list(proposals)
    )
    ids = []
    for index, title in enumerate(titles):
        proposal: dict[str, Any] = {"title": title, "body": "Pour la ville."}
        if costs is not None and costs[index] is not None:
            proposal["cost"] = costs[index]
        if index < len(details):
            proposal.update(details[index])
        created = await client.post(
            f"/api/v1/dialogues/{slug}/proposals",
            json=proposal,
            headers=(author or world.alice).headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    await switch_phase(client, world.admin.headers, slug, "vote")
    return VoteSetup(slug, ids)


async def configure_before_vote(
    client: Client, world: World, slug: str, changes: Mapping[str, Any]
) -> None:
    """Applies ``changes`` to the dialogue as organisers do before the vote (once it opens,
    what decides a vote is frozen): back to the proposals phase, the change, the vote
    opened again."""
    await switch_phase(client, world.admin.headers, slug, "proposals")
    response = await client.patch(
        f"{ADMIN_DIALOGUES}/{slug}", json=dict(changes), headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    await switch_phase(client, world.admin.headers, slug, "vote")


async def put_vote(
    client: Client, person: Person, setup: VoteSetup, proposal_id: int, value: object = None
) -> httpx.Response:
    """``person`` votes for ``proposal_id`` (with ``value``, unless a plain support)."""
    body = {} if value is None else {"value": value}
    response: httpx.Response = await client.put(
        setup.vote(proposal_id), json=body, headers=person.headers
    )
    return response


async def replace(
    client: Client, person: Person, setup: VoteSetup, votes: Mapping[int, object]
) -> httpx.Response:
    """``person``'s ballot replaced by ``votes`` (proposal id → value, ``None`` for a
    plain support)."""
    body = {"votes": [{"proposal_id": pid, "value": value} for pid, value in votes.items()]}
    response: httpx.Response = await client.put(setup.ballot, json=body, headers=person.headers)
    return response


def votes_of(body: Mapping[str, Any]) -> dict[int, Any]:
    """The votes of a ballot's body, proposal id → value."""
    return {vote["proposal_id"]: vote["value"] for vote in body["votes"]}


async def recounted(database: Database, plugins: Plugins, slug: str) -> recount.RecountReport:
    """The recount of the dialogue ``slug``: its tally rebuilt from the vote log (and the
    ballot sources' own logs), beside the tally of the stored ballots."""
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None, f"no dialogue {slug!r}"
        return await recount.recount(session, plugins, dialogue)


async def tally_of(database: Database, plugins: Plugins, setup: VoteSetup) -> Tally:
    """The dialogue's tally from its counted ballots, checked against the recount from
    the vote log."""
    report = await recounted(database, plugins, setup.slug)
    assert report.ok, report.differences
    assert report.from_log == report.from_ballots
    return report.from_ballots
