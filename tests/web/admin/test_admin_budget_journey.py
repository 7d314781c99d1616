"""A participatory budget run from the back office's pages alone, from an empty
organisation to published results: branding, the dialogue and its phases, a proposal form
with a confidential field, a support vote with a budget limit, review, vote, results,
exports. Citizens act through the public API. (The same journey in a real browser is
``tests/browser/test_admin_journey.py``.)"""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"


async def post_form(client: Client, world: World, path: str, data: dict[str, Any]) -> None:
    response = await client.post(
        path, data=data, headers=world.admin.headers, follow_redirects=False
    )
    assert response.status_code == 303, f"{path}: {response.status_code} {response.text[:2000]}"


async def test_a_participatory_budget_from_scratch(client: Client, world: World) -> None:
    admin = world.admin.headers
    branded = await client.post(
        "/admin/organisation",
        data={
            "name": "Ville de Test",
            "primary_color": "#6a1b4d",
            "text_color": "#161616",
            "background_color": "#ffffff",
            "font_body": "system",
            "font_heading": "serif",
            "text_legal_notice": "Mairie de Test.",
            "languages": ["fr", "en"],
            "default_language": "fr",
            "options.retention.inactive_accounts_months": "36",
            "options.retention.sent_emails_days": "90",
            "options.retention.exports_days": "1",
        },
        files={"logo": ("", b"", "application/octet-stream")},
        headers=admin,
        follow_redirects=False,
    )
    assert branded.status_code == 303, branded.text

    await post_form(
        client,
        world,
        "/admin/dialogues/new",
        {"title": "Budget participatif 2027", "slug": SLUG, "kind": "budget"},
    )
    await post_form(client, world, f"/admin/dialogues/{SLUG}/publish", {})  # a draft until now
    await post_form(
        client,
        world,
        f"/admin/dialogues/{SLUG}",
        {
            "title": "Budget participatif 2027",
            "kind": "budget",
            "description": "100 000 € pour vos projets.",
            "comments": "thread",
            "moderation": "post",
            "results_visibility": "after_vote",
            "budget_amount": "100000",
            "budget_rule": "greedy",
        },
    )
    await post_form(
        client,
        world,
        f"/admin/dialogues/{SLUG}/form",
        {
            "rows": "2",
            "f0-label": "Quartier",
            "f0-type": "text",
            "f0-position": "1",
            "f0-required": "on",
            "f1-label": "Téléphone",
            "f1-type": "text",
            "f1-position": "2",
            "f1-confidential": "on",
            "themes": "",
            "sectors": "nord = Nord\nsud = Sud",
        },
    )
    await post_form(
        client,
        world,
        f"/admin/dialogues/{SLUG}/vote",
        {
            "type": "support",
            "settings.label": "Je soutiens",
            "settings.min_votes": "0",
            "settings.max_votes": "",
            "settings.budget_limit": "60000",
        },
    )
    await post_form(
        client,
        world,
        f"/admin/dialogues/{SLUG}/phases",
        {
            "proposals-enabled": "on",
            "review-enabled": "on",
            "vote-enabled": "on",
            "results-enabled": "on",
        },
    )
    await post_form(client, world, f"/admin/dialogues/{SLUG}/phase", {"kind": "proposals"})

    # Citizens propose.
    ideas = {}
    for person, title, sector in (
        (world.alice, "Un verger partagé", "nord"),
        (world.bob, "Des bancs au marché", "sud"),
        (world.alice, "Une piste cyclable", "nord"),
    ):
        created = await client.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={
                "title": title,
                "body": "Pour la ville.",
                "sector": sector,
                "fields": {"quartier": "Centre", "telephone": "06 00 00 00 00"},
            },
            headers=person.headers,
        )
        assert created.status_code == 201, created.text
        assert (
            "telephone"
            not in (await client.get(f"/api/v1/proposals/{created.json()['id']}")).json()["fields"]
        )
        ideas[title] = created.json()["id"]

    # The staff reviews: costs, then accepts two in bulk and refuses one.
    await post_form(client, world, f"/admin/dialogues/{SLUG}/phase", {"kind": "review"})
    for title, cost in (
        ("Un verger partagé", "40000"),
        ("Des bancs au marché", "30000"),
        ("Une piste cyclable", "90000"),
    ):
        await post_form(
            client,
            world,
            f"/admin/proposals/{ideas[title]}/review",
            {
                "status": "under_review",
                "status_reason": "",
                "cost": cost,
                "feasibility": "feasible",
                "sector": "nord" if title != "Des bancs au marché" else "sud",
            },
        )
    await post_form(
        client,
        world,
        f"/admin/dialogues/{SLUG}/proposals/bulk",
        {
            "ids": [str(ideas["Un verger partagé"]), str(ideas["Des bancs au marché"])],
            "status": "accepted",
            "status_reason": "Soumise au vote.",
        },
    )
    await post_form(
        client,
        world,
        f"/admin/proposals/{ideas['Une piste cyclable']}/review",
        {"status": "refused", "status_reason": "Trop chère pour l'enveloppe.", "cost": "90000"},
    )

    # Citizens vote within the budget limit.
    await post_form(client, world, f"/admin/dialogues/{SLUG}/phase", {"kind": "vote"})
    ballot = f"/api/v1/dialogues/{SLUG}/ballot/votes"
    for person, picks in (
        (world.alice, ["Un verger partagé"]),
        (world.bob, ["Un verger partagé", "Des bancs au marché"]),
    ):
        responses = [
            await client.put(f"{ballot}/{ideas[title]}", json={}, headers=person.headers)
            for title in picks
        ]
        assert [r.status_code for r in responses][:1] == [200]
    # 40 000 + 30 000 exceeds Bob's limit of 60 000: the second support was refused.
    assert responses[-1].status_code == 409
    assert responses[-1].json()["code"] == "vote.budget_exceeded"
    carole = await world.person("carole@example.org")
    assert (
        await client.put(
            f"{ballot}/{ideas['Des bancs au marché']}", json={}, headers=carole.headers
        )
    ).status_code == 200

    hidden = await client.get(f"/api/v1/dialogues/{SLUG}/results", headers=world.alice.headers)
    assert hidden.status_code == 403 and hidden.json()["code"] == "results.hidden"

    # The vote ends: the results are published.
    await post_form(client, world, f"/admin/dialogues/{SLUG}/phase", {"kind": "results"})
    results = (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    assert results["published"] is True
    tallies = {item["title"]: item["tally"]["supports"] for item in results["proposals"]}
    assert tallies == {"Un verger partagé": 2, "Des bancs au marché": 1}
    assert set(results["winners"]) == {ideas["Un verger partagé"], ideas["Des bancs au marché"]}

    # Exports for the staff, confidential fields included.
    export = await client.get(
        f"/api/v1/admin/dialogues/{SLUG}/export",
        params={"what": "proposals", "format": "csv"},
        headers=admin,
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "Téléphone (confidentiel)"
    assert {row[-1] for row in rows[1:]} == {"06 00 00 00 00"}
    dashboard = await client.get(f"/admin/dialogues/{SLUG}/participation", headers=admin)
    assert "<strong>3</strong> participant·es" in dashboard.text
    assert (await client.get("/theme.css")).text.count("#6a1b4d") >= 1
