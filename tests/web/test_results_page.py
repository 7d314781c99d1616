"""The results page: charts with their title, description and table, the winners, a 403
page while hidden, and the organisers' buttons and report."""

from __future__ import annotations

import json
import random
import re
from html import unescape
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core import uploads
from core.db import Database
from core.models import Proposal
from core.settings import Settings
from participe.testing import configure_before_vote, put_vote, replace, vote_dialogue
from tests.conftest import World
from tests.results_helpers import citizens, read_results, vote_at_random
from tests.web.front_helpers import image_bytes


def _page(slug: str) -> str:
    return f"/dialogues/{slug}/results"


async def _configure(client: Any, world: World, slug: str, **changes: Any) -> None:
    if "budget" in changes:  # frozen once the vote is open
        await configure_before_vote(client, world, slug, changes)
        return
    response = await client.patch(
        f"/api/v1/admin/dialogues/{slug}", json=changes, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text


async def test_binary_results_have_a_pie_and_a_table_per_proposal(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    vote = {
        "type": "binary",
        "settings": {"options": ["for", "against"], "labels": {"for": "Oui !"}},
    }
    setup = await vote_dialogue(client, world, vote, proposals=2)
    await _configure(client, world, setup.slug, results_visibility="live")
    await replace(
        client, world.bob, setup, {setup.proposals[0]: "for", setup.proposals[1]: "against"}
    )
    await replace(client, world.alice, setup, {setup.proposals[0]: "against"})
    response = await client.get(_page(setup.slug))
    assert response.status_code == 200, response.text
    html = response.text
    assert html.count('role="img"') == 2
    for proposal_id in setup.proposals:
        assert f'aria-labelledby="chart-{proposal_id}-title chart-{proposal_id}-desc"' in html
        assert f'<title id="chart-{proposal_id}-title">' in html
        assert f'<desc id="chart-{proposal_id}-desc">' in html
    assert html.count("<table") == 2
    assert '<th scope="row">Oui !</th><td class="number">1 (50,0\u202f%)</td>' in html
    assert "2 bulletins comptés" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


async def test_budget_results_show_the_winners_and_bars(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {}}, proposals=3, costs=[600, 500, 300]
    )
    await _configure(
        client, world, setup.slug,
        results_visibility="live", budget={"amount": 1000, "rule": "greedy"},
    )  # fmt: skip
    first, second, third = setup.proposals
    for person, chosen in ((world.bob, [first, third]), (world.alice, [first, second])):
        for proposal_id in chosen:
            assert (await put_vote(client, person, setup, proposal_id)).status_code == 200
    body = (await read_results(client, setup.slug)).json()
    assert body["winners"] == [first, third]  # 2 supports, then 1 each: 500 no longer fits
    html = (await client.get(_page(setup.slug))).text
    assert 'id="chart-results"' in html and '<desc id="chart-results-desc">' in html
    assert "✓ Proposition 1" in html
    assert "Projets retenus" in html
    assert "Budget engagé : 900\u00a0€ sur 1\u202f000\u00a0€." in html
    rows = re.findall(r"<tr><th scope=\"row\"><a href=\"/proposals/(\d+)\">", html)
    assert [int(r) for r in rows] == [first, second, third]


async def test_budget_winners_show_their_image_rank_amount_and_map(
    client: AsyncTestClient[Litestar], world: World, database: Database, settings: Settings
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {}},
        proposals=["Un jardin", "Une fontaine", "Un kiosque"],
        costs=[600, 300, 500],
        details=[{"location": {"lat": 47.2, "lng": -1.55}}, {}, {}],
        results_visibility="live",
        budget={"amount": 1000, "rule": "greedy"},
    )
    garden, fountain, kiosk = setup.proposals
    picture = uploads.store_image(settings.upload_dir, image_bytes((1200, 675)))
    async with database.session() as session:
        (await session.get_one(Proposal, garden)).image_path = picture.name
        await session.commit()
    for person, chosen in ((world.bob, [garden, fountain]), (world.alice, [garden])):
        for proposal_id in chosen:
            assert (await put_vote(client, person, setup, proposal_id)).status_code == 200
    page = await client.get(_page(setup.slug))
    html = page.text
    cards = re.findall(r'<li class="winner-card">(.*?)</li>', html, re.S)
    assert len(cards) == 2  # 600 + 300: the kiosk's 500 no longer fits
    assert f'srcset="/media/{uploads.sized_name(picture.name, 400)} 400w' in cards[0]
    assert ">Un jardin</a>" in cards[0] and "600\u00a0€" in cards[0]
    assert '<span class="winner-rank" aria-hidden="true">2</span>' in cards[1]
    assert "<img" not in cards[1] and "Une fontaine" in cards[1]
    assert '<meter class="basket-meter budget-meter" min="0" max="1000" value="900"' in html
    # Only the located winner is on the map, with its link; the page lets the tiles in.
    points = re.search(r'data-points="([^"]*)"', html)
    assert points is not None
    assert json.loads(unescape(points[1])) == [
        {"point": [47.2, -1.55], "title": "Un jardin", "url": f"/proposals/{garden}"}
    ]
    assert "https://tile.openstreetmap.org" in page.headers["content-security-policy"]
    assert f"/proposals/{kiosk}" not in html.split('class="winner-cards"')[1].split("</ol>")[0]
    english = await client.get(_page(setup.slug), headers={"Accept-Language": "en"})
    assert "Where the selected projects are" in english.text


async def test_hidden_results_page(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    await _configure(client, world, setup.slug, results_visibility="manual")
    response = await client.get(_page(setup.slug), headers=world.alice.headers)
    assert response.status_code == 403
    assert "Les résultats ne sont pas encore publiés." in response.text
    assert 'role="img"' not in response.text

    preview = await client.get(_page(setup.slug), headers=world.admin.headers)
    assert preview.status_code == 200
    assert "Aperçu réservé à l'équipe" in preview.text
    assert 'name="action" value="publish"' in preview.text

    published = await client.post(
        _page(setup.slug),
        data={"action": "publish"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert published.headers["location"] == _page(setup.slug)
    shown = await client.get(_page(setup.slug), headers=world.alice.headers)
    assert shown.status_code == 200 and "Aperçu" not in shown.text
    refused = await client.post(
        _page(setup.slug), data={"action": "unpublish"}, headers=world.alice.headers
    )
    assert refused.status_code == 403
    bad = await client.post(_page(setup.slug), data={"action": "?"}, headers=world.admin.headers)
    assert bad.status_code == 422


async def test_organisers_see_the_report_on_the_page(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {}}, proposals=4,
        costs=[400, 300, 200, 100],
    )  # fmt: skip
    await _configure(
        client, world, setup.slug,
        results_visibility="live", budget={"amount": 600, "rule": "equal_shares"},
    )  # fmt: skip
    await vote_at_random(client, await citizens(world, 6), setup, "support", random.Random(2))
    staff = (await client.get(_page(setup.slug), headers=world.admin.headers)).text
    assert "Et si…" in staff
    assert "Satisfaction moyenne" in staff and "règle choisie" in staff
    citizen = (await client.get(_page(setup.slug), headers=world.alice.headers)).text
    assert "Et si…" not in citizen
