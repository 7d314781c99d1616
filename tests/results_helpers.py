"""Helpers of the results tests: citizens who vote at random through the API, the results
as the API answers them, and counts made by the test itself from the stored ballots."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select, update

from core.db import Database
from core.models import Ballot, Dialogue, Phase, Vote
from core.models.ballots import BallotStatus
from core.models.dialogues import PhaseKind
from participe.testing import VoteSetup, put_vote, replace
from tests.ballot_helpers import Client
from tests.conftest import Person, World


def results_url(slug: str) -> str:
    return f"/api/v1/dialogues/{slug}/results"


def admin_results_url(slug: str, what: str) -> str:
    return f"/api/v1/admin/dialogues/{slug}/results/{what}"


async def read_results(client: Client, slug: str, person: Person | None = None) -> httpx.Response:
    headers = person.headers if person is not None else {}
    response: httpx.Response = await client.get(results_url(slug), headers=headers)
    return response


async def citizens(world: World, count: int, prefix: str = "voter") -> list[Person]:
    return [await world.person(f"{prefix}{index}@example.org") for index in range(count)]


async def set_phase_dates(
    database: Database, slug: str, kind: str, *, starts_at: Any = ..., ends_at: Any = ...
) -> None:
    """Rewrites a phase's dates in the database, as time passing would."""
    values: dict[str, datetime | None] = {}
    if starts_at is not ...:
        values["starts_at"] = starts_at
    if ends_at is not ...:
        values["ends_at"] = ends_at
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == slug))
        await session.execute(
            update(Phase)
            .where(Phase.dialogue_id == dialogue_id, Phase.kind == PhaseKind(kind))
            .values(**values)
        )
        await session.commit()


async def stored_ballots(database: Database, slug: str) -> list[dict[int, int]]:
    """The counted ballots of ``slug`` as the tables hold them: ``{proposal: value}``."""
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == slug))
        rows = await session.execute(
            select(Ballot.id, Vote.proposal_id, Vote.value)
            .join(Vote, Vote.ballot_id == Ballot.id)
            .where(
                Ballot.dialogue_id == dialogue_id,
                Ballot.status == BallotStatus.CONFIRMED,
                Ballot.voided_at.is_(None),
            )
        )
        ballots: dict[int, dict[int, int]] = defaultdict(dict)
        for ballot_id, proposal_id, value in rows:
            ballots[ballot_id][proposal_id] = value
    return [ballots[key] for key in sorted(ballots)]


async def vote_at_random(
    client: Client,
    people: list[Person],
    setup: VoteSetup,
    vote_type: str,
    rng: random.Random,
    settings: dict[str, Any] | None = None,
) -> None:
    """Every person casts a random valid ballot of ``vote_type``."""
    settings = settings or {}
    for person in people:
        chosen = rng.sample(setup.proposals, rng.randint(1, len(setup.proposals)))
        if vote_type == "support":
            for proposal_id in chosen:
                response = await put_vote(client, person, setup, proposal_id)
                assert response.status_code == 200, response.text
        elif vote_type == "binary":
            options = settings.get("options", ["yes", "no"])
            votes: dict[int, object] = {p: rng.choice(options) for p in chosen}
            response = await replace(client, person, setup, votes)
            assert response.status_code == 200, response.text
        elif vote_type == "points":
            if settings.get("mode") == "scale":
                top = settings.get("scale_max", 5)
                votes = {p: rng.randint(0, top) for p in chosen}
            else:
                left = settings.get("points_budget", 10)
                votes = {}
                for proposal_id in chosen:
                    if left < 1:
                        break
                    given = rng.randint(1, left)
                    votes[proposal_id] = given
                    left -= given
            response = await replace(client, person, setup, votes)
            assert response.status_code == 200, response.text
        elif vote_type == "ranked":
            votes = {p: rank for rank, p in enumerate(chosen, start=1)}
            response = await replace(client, person, setup, votes)
            assert response.status_code == 200, response.text
        else:
            raise AssertionError(vote_type)


def by_id(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {p["id"]: p["tally"] for p in body["proposals"]}
