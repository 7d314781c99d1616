"""The budget rules as the ``budget`` module: on by default, so that a budget dialogue
keeps its rule; off, its rules and its Pabulib export are gone from the dialogue, and it
cannot be turned off while the dialogue's rule is one of them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.models import Dialogue
from core.plugin_manager import Plugins
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
ADMIN = f"/api/v1/admin/dialogues/{SLUG}"
MODULE = f"{ADMIN}/modules/budget"
EXPORT = f"{ADMIN}/pabulib"


def test_the_rules_apply_only_where_the_module_is_on(plugins: Plugins) -> None:
    on = Dialogue(modules={}, budget_rule="equal_shares")
    off = Dialogue(modules={"budget": None}, budget_rule="equal_shares")
    assert [rule.id for rule in plugins.aggregation_rules_for(on)] == ["greedy", "equal_shares"]
    assert plugins.aggregation_rule_for(on) is plugins.aggregation_rules["equal_shares"]
    assert plugins.aggregation_rules_for(off) == []
    assert plugins.aggregation_rule_for(off) is None


async def _patch(client: Client, world: World, **body: Any) -> Any:
    return await client.patch(ADMIN, json=body, headers=world.admin.headers)


async def test_a_budget_rule_in_use_keeps_its_module_on(client: Client, world: World) -> None:
    await create_dialogue(
        client,
        world.admin.headers,
        kind="budget",
        vote={"type": "support", "settings": {}},
        budget={"amount": 50_000, "rule": "greedy"},
    )
    assert (await client.get(EXPORT, headers=world.admin.headers)).status_code == 200
    refused = await client.delete(MODULE, headers=world.admin.headers)
    assert refused.status_code == 422 and refused.json()["code"] == "module.in_use"
    assert "greedy" in refused.json()["detail"]
    both = await _patch(client, world, modules={"budget": None})
    assert both.status_code == 422 and both.json()["code"] == "module.in_use"
    described = (await client.get(f"/api/v1/dialogues/{SLUG}")).json()
    assert described["budget"] == {"amount": 50_000, "rule": "greedy"}

    # Without a budget rule, the module turns off: its rules and its export are gone.
    assert (await _patch(client, world, budget=None)).status_code == 200
    assert (await client.delete(MODULE, headers=world.admin.headers)).status_code == 204
    on = await client.get(f"{ADMIN}/modules", headers=world.admin.headers)
    assert "budget" not in {item["name"] for item in on.json()["items"]}
    assert (await client.get(EXPORT, headers=world.admin.headers)).status_code == 404
    chosen = await _patch(client, world, budget={"amount": 50_000, "rule": "equal_shares"})
    assert chosen.status_code == 422, chosen.text
    assert chosen.json()["errors"][0]["field"] == "budget.rule"
    general = await client.get(f"/admin/dialogues/{SLUG}", headers=world.admin.headers)
    assert 'value="greedy"' not in general.text

    # The module and a rule together, in one body.
    together = await _patch(
        client,
        world,
        modules={"budget": {}},
        budget={"amount": 50_000, "rule": "equal_shares"},
    )
    assert together.status_code == 200, together.text
    assert together.json()["budget"] == {"amount": 50_000, "rule": "equal_shares"}
    assert (await client.get(EXPORT, headers=world.admin.headers)).status_code == 200
