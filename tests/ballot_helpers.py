"""Dialogues ready for voting, built through the API as organisers and citizens do, and
short calls to the ballot endpoints."""

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
from tests.conftest import Person, World
from web.templating import make_environment

Client = Any  # Litestar's AsyncTestClient or an httpx.AsyncClient on the live server


@dataclass(frozen=True)
class VoteSetup:
    slug: str
    proposals: list[int]

    @property
    def ballot(self) -> str:
        return f"/api/v1/dialogues/{self.slug}/ballot"

    def vote(self, proposal_id: int) -> str:
        return f"{self.ballot}/votes/{proposal_id}"


async def switch_phase(client: Client, world: World, slug: str, kind: str) -> None:
    response = await client.post(
        f"/api/v1/admin/dialogues/{slug}/phase", json={"kind": kind}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text


async def vote_dialogue(
    client: Client,
    world: World,
    vote: dict[str, Any],
    *,
    slug: str = "budget-2026",
    proposals: int = 3,
    costs: Sequence[int | None] | None = None,
    vote_groups: Sequence[str] = (),
    author: Person | None = None,
    dialogue: Mapping[str, Any] | None = None,
    details: Sequence[Mapping[str, Any]] = (),
) -> VoteSetup:
    """A dialogue with ``vote`` (``{"type", "settings"}``) whose vote phase is open, and
    ``proposals`` published proposals (with ``costs`` when given). ``dialogue`` adds to
    the dialogue's body (``themes``, ``form``, ...), ``details[i]`` to the i-th proposal's
    (``theme``, ``fields``, ...)."""
    response = await client.post(
        "/api/v1/admin/dialogues",
        json={
            "slug": slug,
            "title": "Budget participatif 2026",
            "kind": "budget",
            "vote": vote,
            "phases": [
                {"kind": "proposals"},
                {"kind": "vote", "groups": list(vote_groups)},
                {"kind": "results"},
            ],
            **(dialogue or {}),
        },
        headers=world.admin.headers,
    )
    assert response.status_code == 201, response.text
    await switch_phase(client, world, slug, "proposals")
    ids = []
    for index in range(proposals):
        body: dict[str, Any] = {"title": f"Proposition {index + 1}", "body": "Pour la ville."}
        if costs is not None and costs[index] is not None:
            body["cost"] = costs[index]
        if index < len(details):
            body.update(details[index])
        created = await client.post(
            f"/api/v1/dialogues/{slug}/proposals",
            json=body,
            headers=(author or world.alice).headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    await switch_phase(client, world, slug, "vote")
    return VoteSetup(slug, ids)


async def configure_before_vote(
    client: Client, world: World, slug: str, changes: dict[str, Any]
) -> None:
    """Applies ``changes`` to the dialogue as organisers do before the vote (once it opens,
    what decides a vote is frozen): back to the proposals phase, the change, the vote
    opened again."""
    await switch_phase(client, world, slug, "proposals")
    response = await client.patch(
        f"/api/v1/admin/dialogues/{slug}", json=changes, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    await switch_phase(client, world, slug, "vote")


async def put_vote(
    client: Client, person: Person, setup: VoteSetup, proposal_id: int, value: object = None
) -> httpx.Response:
    body = {} if value is None else {"value": value}
    response: httpx.Response = await client.put(
        setup.vote(proposal_id), json=body, headers=person.headers
    )
    return response


async def replace(
    client: Client, person: Person, setup: VoteSetup, votes: Mapping[int, object]
) -> httpx.Response:
    body = {"votes": [{"proposal_id": pid, "value": value} for pid, value in votes.items()]}
    response: httpx.Response = await client.put(setup.ballot, json=body, headers=person.headers)
    return response


def votes_of(body: dict[str, Any]) -> dict[int, Any]:
    return {vote["proposal_id"]: vote["value"] for vote in body["votes"]}


async def tally_of(database: Database, plugins: Plugins, setup: VoteSetup) -> Tally:
    """The dialogue's tally from its counted ballots, checked against the recount from
    the vote log."""
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        report = await recount.recount(session, plugins, dialogue)
    assert report.ok, report.differences
    assert report.from_log == report.from_ballots
    return report.from_ballots


def render_widget(plugins: Plugins, template: str, **context: Any) -> str:
    """A vote widget rendered with the app's template folders, as a page includes it (with
    the page's CSRF token)."""
    context.setdefault("csrf_token", "jeton-csrf")
    return make_environment(plugins.template_dirs()).get_template(template).render(**context)


async def settings_error(client: Client, world: World, vote: dict[str, Any]) -> str:
    """The error code of a dialogue created with ``vote`` (which must be refused)."""
    response = await client.post(
        "/api/v1/admin/dialogues",
        json={"slug": "refusee", "title": "Refusée", "kind": "ideas", "vote": vote},
        headers=world.admin.headers,
    )
    assert response.status_code == 422, response.text
    code: str = response.json()["code"]
    return code
