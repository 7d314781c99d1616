"""Helpers for the follow-up of winning projects: a participatory budget whose results
are published, with the ``projects`` module on, built through the API."""

from __future__ import annotations

from typing import Any

from participe.testing import (
    VoteSetup,
    World,
    enable_module,
    put_vote,
    switch_phase,
    vote_dialogue,
)

SLUG = "budget-2026"
PROJECTS = f"/api/v1/dialogues/{SLUG}/projects"
ADMIN_PROJECTS = f"/api/v1/admin/dialogues/{SLUG}/projects"
PAGE = f"/dialogues/{SLUG}/projects"
TITLES = ["Un banc au parc", "Des arbres rue Haute", "Une piscine olympique", "Un composteur"]
#: The piscine costs more than the budget: it cannot win.
COSTS = [3_000, 12_000, 2_000_000, 800]
PLACES = [
    {"location": {"lat": 48.8566, "lng": 2.3522}},
    {"location": {"lat": 48.8606, "lng": 2.3376}},
    {"location": {"lat": 48.8530, "lng": 2.3499}},
]


async def budget_with_results(
    client: Any, world: World, *, publish: bool = True, module: bool = True,
    stages: list[dict[str, Any]] | None = None,
) -> VoteSetup:  # fmt: skip
    """Four proposals, a budget of 20 000 € (greedy); Alice and Bob support the first
    three, Alice the fourth: the winners are the first, the second and the fourth.
    With ``publish``, the results are published (the results phase opened)."""
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {}},
        slug=SLUG,
        proposals=TITLES,
        costs=COSTS,
        details=PLACES,
        budget={"amount": 20_000, "rule": "greedy"},
    )
    for person in (world.alice, world.bob):
        for proposal_id in setup.proposals[:3]:
            assert (await put_vote(client, person, setup, proposal_id)).status_code == 200
    assert (await put_vote(client, world.alice, setup, setup.proposals[3])).status_code == 200
    if module:
        settings = {"stages": stages} if stages is not None else {}
        response = await enable_module(client, world, SLUG, "projects", settings)
        assert response.status_code == 200, response.text
    if publish:
        await switch_phase(client, world.admin.headers, SLUG, "results")
        published = await client.post(
            f"/api/v1/admin/dialogues/{SLUG}/results/publish", headers=world.admin.headers
        )
        assert published.status_code == 200, published.text
    return setup
