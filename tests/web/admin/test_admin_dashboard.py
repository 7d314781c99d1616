"""The participation dashboard: accessible SVG charts and the same figures as tables."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.models.users import Role
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from web.admin.charts import Series, bar_chart, line_chart

Client = AsyncTestClient[Litestar]


def test_charts_are_named_described_and_escaped() -> None:
    chart = str(bar_chart("Par <secteur>", [("Nord & Sud", 3), ("Centre", 10)]))
    assert chart.startswith('<svg class="chart" role="img"')
    title_id, desc_id = re.search(r'aria-labelledby="(\S+) (\S+)"', chart).groups()  # type: ignore[union-attr]
    assert f'<title id="{title_id}">Par &lt;secteur&gt;</title>' in chart
    assert f'<desc id="{desc_id}">Nord &amp; Sud : 3; Centre : 10.</desc>' in chart
    assert "style=" not in chart
    line = str(line_chart("Cumul", ["2027-03-01", "2027-03-02"], [Series("Votes", [1, 4])]))
    assert "Du 2027-03-01 au 2027-03-02 : Votes : 4 à la fin." in line
    assert "<polyline" in line and "style=" not in line
    assert "Aucune donnée." in str(bar_chart("Vide", []))


async def test_the_dashboard_shows_figures(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    voter = await world.person("carole@example.org", postal_code="44000")
    for proposal_id in setup.proposals[:2]:
        assert (await put_vote(client, voter, setup, proposal_id)).status_code == 200
    await client.post(
        f"/api/v1/proposals/{setup.proposals[0]}/comments",
        json={"body": "Oui"},
        headers=world.bob.headers,
    )
    reviewer = await world.person("rev@ville.test", Role.REVIEWER)
    page = await client.get(
        f"/admin/dialogues/{setup.slug}/participation", headers=reviewer.headers
    )
    assert page.status_code == 200
    text = page.text
    assert text.count('role="img"') == 3
    cards = re.findall(r"<li><strong>(\d+)</strong> (\S+)</li>", text)
    assert cards == [
        ("3", "participant·es"),
        ("3", "propositions"),
        ("1", "commentaires"),
        ("2", "votes"),
    ]
    assert '<th scope="row">44000</th>' in text
    assert "(non renseigné)" in text
    assert (
        await client.get(
            f"/admin/dialogues/{setup.slug}/participation", headers=world.alice.headers
        )
    ).status_code == 403
