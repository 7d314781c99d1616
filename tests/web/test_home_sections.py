"""The organisation's home lists its dialogues by where they stand: open ones first
(closing soonest first, with their step and until when), then those to come, then the
finished ones."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import utcnow
from tests.conftest import World
from tests.helpers import create_dialogue, phases_now
from tests.web.front_helpers import text_of

Client = AsyncTestClient[Litestar]


def _dated(kind: str, start_days: float, end_days: float | None) -> dict[str, str]:
    now = utcnow()
    phase = {"kind": kind, "starts_at": (now + timedelta(days=start_days)).isoformat()}
    if end_days is not None:
        phase["ends_at"] = (now + timedelta(days=end_days)).isoformat()
    return phase


async def test_open_dialogues_come_first_then_upcoming_then_finished(
    client: Client, world: World
) -> None:
    admin = world.admin.headers
    await create_dialogue(
        client, admin, slug="finie", title="Une démarche finie", phases=phases_now("results")
    )
    await create_dialogue(
        client,
        admin,
        slug="bientot",
        title="Une démarche à venir",
        phases=[_dated("proposals", 5, 20), _dated("vote", 20, 30)],
    )
    await create_dialogue(
        client,
        admin,
        slug="longue",
        title="Une longue consultation",
        phases=[_dated("proposals", -3, 40), _dated("vote", 40, 50)],
    )
    await create_dialogue(
        client,
        admin,
        slug="courte",
        title="Un vote qui se termine",
        phases=[_dated("proposals", -20, -10), _dated("vote", -10, 3)],
    )
    page = await client.get("/")
    assert page.status_code == 200, page.text
    order = [
        re.search(rf"<h3><a href=\"/dialogues/{slug}\">", page.text).start()  # type: ignore[union-attr]
        for slug in ("courte", "longue", "bientot", "finie")
    ]
    assert order == sorted(order)
    headings = [
        m.start() for m in re.finditer(r'<h2 id="home-(open|upcoming|finished)">', page.text)
    ]
    assert (
        len(headings) == 3
        and headings[0] < order[0]
        and headings[1] < order[2] < headings[2] < order[3]
    )
    text = text_of(page.text)
    assert "Démarches en cours" in text and "Démarches à venir" in text
    assert "Démarches terminées" in text
    assert re.search(r"Un vote qui se termine Vote Jusqu'au \d+ \w+ \d{4}", text), text
    assert re.search(r"Une démarche à venir À partir du \d+ \w+ \d{4}", text), text
    english = text_of((await client.get("/", headers={"Accept-Language": "en"})).text)
    assert "Coming up" in english and "Finished" in english
    assert re.search(r"Un vote qui se termine Vote Until \w+ \d+, \d{4}", english), english


async def test_a_home_without_dialogues_says_so(client: Client, world: World) -> None:
    page = await client.get("/")
    assert "Aucune démarche pour le moment." in page.text
    assert 'class="home-section' not in page.text
