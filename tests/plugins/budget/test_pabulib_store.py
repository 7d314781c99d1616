"""Pabulib files in and out of the database: import through the API and the command, the
same winners as pabutools on the same file, the recount, and the round trip."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
from pabutools.election import parse_pabulib as pabutools_parse
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import VoteSetup, tally_of
from plugins.budget.pabulib import PabulibFile, format_pabulib, parse_pabulib, read_pabulib
from tests.conftest import World
from tests.results_helpers import read_results

DATA = Path(__file__).parents[2] / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))
IMPORT = "/api/v1/admin/pabulib/import"


class PointsSat(AdditiveSatisfaction):  # type: ignore[misc]
    def __init__(self, instance: object, profile: object, ballot: object) -> None:
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


def _pabutools(path: Path, rule: str) -> list[str]:
    instance, profile = pabutools_parse(str(path))
    points = read_pabulib(path).vote_type != "approval"
    sat, greedy_sat = (Additive_Cardinal_Sat, PointsSat) if points else (Cost_Sat, Cost_Sat)
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}],
        )
    return sorted(p.name for p in outcome)


async def _import(client: Any, world: World, path: Path, slug: str, **params: str) -> Any:
    return await client.post(
        IMPORT,
        params={"slug": slug, **params},
        content=path.read_bytes(),  # noqa: ASYNC240 - a small test file
        headers={**world.admin.headers, "Content-Type": "text/plain"},
    )


async def _pabulib_winners(client: Any, world: World, slug: str) -> list[str]:
    body = (await read_results(client, slug, world.admin)).json()
    proposals = {}
    for proposal_id in body["winners"]:
        proposal = (await client.get(f"/api/v1/proposals/{proposal_id}")).json()
        proposals[proposal_id] = proposal["fields"]["pabulib_id"]
    return sorted(proposals.values())


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
async def test_imported_results_equal_pabutools(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    plugins: Plugins,
    path: Path,
    rule: str,
) -> None:
    response = await _import(client, world, path, "import", rule=rule)
    assert response.status_code == 201, response.text
    dialogue = response.json()
    data = read_pabulib(path)
    assert dialogue["kind"] == "budget"
    assert dialogue["budget"] == {"amount": int(data.budget), "rule": rule}
    expected_type = "support" if data.vote_type == "approval" else "points"
    assert dialogue["vote"]["type"] == expected_type
    body = (await read_results(client, "import", world.admin)).json()
    assert body["ballots_counted"] == len(data.votes)
    assert body["published"] is False  # the organiser publishes imported results
    assert len(body["proposals"]) == len(data.projects)
    assert await _pabulib_winners(client, world, "import") == _pabutools(path, rule)
    # Written through the ballot tables and the vote log: the recount agrees.
    tally = await tally_of(database, plugins, VoteSetup("import", []))
    assert tally.ballots_counted == len(data.votes)


def _comparable(data: PabulibFile) -> dict[str, Any]:
    return {
        "budget": data.budget,
        "vote_type": data.vote_type,
        "projects": sorted((p.project_id, p.cost, p.name) for p in data.projects),
        "votes": Counter(
            (
                v.voter_id,
                tuple(sorted(zip(v.projects, v.points or [1.0] * len(v.projects), strict=True))),
            )
            for v in data.votes
        ),
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
async def test_round_trip(client: AsyncTestClient[Litestar], world: World, path: Path) -> None:
    assert (await _import(client, world, path, "aller")).status_code == 201
    exported = await client.get(
        "/api/v1/admin/dialogues/aller/pabulib", headers=world.admin.headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/plain")
    assert 'filename="aller.pb"' in exported.headers["content-disposition"]
    again = parse_pabulib(exported.text)
    original = read_pabulib(path)
    assert _comparable(again) == _comparable(original)
    assert again.meta["rule"] == original.meta["rule"]
    # Extra project columns come back too.
    assert {p.project_id: p.extra["category"] for p in again.projects} == {
        p.project_id: p.extra["category"] for p in original.projects
    }
    # Imported again, the file gives the same results.
    back = await client.post(
        IMPORT,
        params={"slug": "retour"},
        content=exported.content,
        headers={**world.admin.headers, "Content-Type": "text/plain"},
    )
    assert back.status_code == 201, back.text
    first = (await read_results(client, "aller", world.admin)).json()
    second = (await read_results(client, "retour", world.admin)).json()
    assert [p["tally"] for p in first["proposals"]] == [p["tally"] for p in second["proposals"]]
    assert len(first["winners"]) == len(second["winners"])


async def test_support_dialogue_exports_approvals(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    from participe.testing import put_vote, vote_dialogue

    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {}}, costs=[100, 200, 300]
    )
    await put_vote(client, world.bob, setup, setup.proposals[2])
    await put_vote(client, world.bob, setup, setup.proposals[0])
    text = (
        await client.get(
            f"/api/v1/admin/dialogues/{setup.slug}/pabulib", headers=world.admin.headers
        )
    ).text
    data = parse_pabulib(text)
    assert data.vote_type == "approval"
    assert [(p.project_id, p.cost) for p in data.projects] == [
        (str(pid), cost) for pid, cost in zip(setup.proposals, [100, 200, 300], strict=True)
    ]
    assert [set(v.projects) for v in data.votes] == [
        {str(setup.proposals[0]), str(setup.proposals[2])}
    ]


async def test_bad_files_and_refusals(client: AsyncTestClient[Litestar], world: World) -> None:
    bad = await client.post(
        IMPORT,
        params={"slug": "x"},
        content=b"META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\nv1;9\n",
        headers={**world.admin.headers, "Content-Type": "text/plain"},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "validation")
    assert "line 9" in bad.json()["detail"]
    binary = await client.post(
        IMPORT,
        params={"slug": "x"},
        content=b"\xff\xfe",
        headers={**world.admin.headers, "Content-Type": "text/plain"},
    )
    assert binary.status_code == 422
    citizen = await client.post(
        IMPORT, params={"slug": "x"}, content=FILES[0].read_bytes(), headers=world.alice.headers
    )
    assert citizen.status_code == 403
    assert (await _import(client, world, FILES[0], "deux")).status_code == 201
    taken = await _import(client, world, FILES[0], "deux")
    assert (taken.status_code, taken.json()["code"]) == (409, "dialogue.slug_taken")
    unknown_rule = await _import(client, world, FILES[0], "trois", rule="nope")
    assert unknown_rule.status_code == 422


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PARTICIPE_DATABASE_URL": database_url,
        "PARTICIPE_LOAD_ENTRY_POINTS": "off",
    }
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "pabulib", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).parents[3],
    )


async def test_command_import_and_export(
    client: AsyncTestClient[Litestar], world: World, database_url: str, tmp_path: Path
) -> None:
    path = DATA / "villeneuve_2025_cumulative.pb"
    imported = _cli(database_url, "import", str(path), "--slug", "cli", "--org", "ville")
    assert imported.returncode == 0, imported.stderr
    assert "dialogue cli: 12 projects, 45 ballots imported" in imported.stdout
    exported = _cli(database_url, "export", "cli", "--org", "ville")
    assert exported.returncode == 0, exported.stderr
    assert _comparable(parse_pabulib(exported.stdout)) == _comparable(read_pabulib(path))
    assert format_pabulib(parse_pabulib(exported.stdout)) == exported.stdout
    again = _cli(database_url, "import", str(path), "--slug", "cli", "--org", "ville")
    assert again.returncode == 1 and "already exists" in again.stderr
    missing = _cli(
        database_url, "import", str(tmp_path / "none.pb"), "--slug", "y", "--org", "ville"
    )
    assert missing.returncode == 1 and "cannot read" in missing.stderr
