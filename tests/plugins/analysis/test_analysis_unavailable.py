"""Without the ``participe[analysis]`` extra, the analysis stays out of the way: no
module to grant or turn on, no route, no job, no link on the form; the platform works
and the start-up log says why. The extra is made missing by blocking its packages'
import, as an environment without them would."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from core.db import Database
from core.models.event_jobs import EventJob
from core.settings import Settings
from participe.testing import PluginChoice, build_test_plugins, http_client, make_app
from plugins.analysis.extra import PACKAGES, available, missing
from tests.conftest import World
from tests.helpers import create_dialogue

SLUG = "idees"


@pytest.fixture
def without_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PACKAGES:
        monkeypatch.setitem(sys.modules, name, None)  # ``import name`` fails


def test_the_extra_is_found_missing(without_extra: None) -> None:
    assert missing() == list(PACKAGES)
    assert not available()


async def test_the_platform_works_without_the_extra(
    without_extra: None,
    settings: Settings,
    database: Database,
    world: World,
    participe_plugins: Sequence[PluginChoice],
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugins = build_test_plugins(participe_plugins)
    assert "analysis" not in plugins.modules
    caplog.set_level(logging.WARNING, logger="participe.analysis")
    async with http_client(make_app(settings, database, plugins)) as client:
        assert "participe[analysis]" in caplog.text
        admin = world.admin.headers
        await create_dialogue(client, admin, slug=SLUG)
        listed = await client.get("/api/v1/admin/modules", headers=admin)
        assert "analysis" not in {item["name"] for item in listed.json()["items"]}
        turned_on = await client.put(
            f"/api/v1/admin/dialogues/{SLUG}/modules/analysis", json={"settings": {}}, headers=admin
        )
        assert turned_on.status_code == 404
        created = await client.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={"title": "Une piste cyclable", "body": "Pour les vélos."},
            headers=world.alice.headers,
        )
        assert created.status_code == 201, created.text
        similar = await client.post(
            f"/api/v1/dialogues/{SLUG}/analysis/similar", json={"title": "Piste cyclable"}
        )
        assert similar.status_code == 404
        step = await client.get(f"/dialogues/{SLUG}/proposals/similar?title=piste")
        assert step.status_code == 404
        duplicates = await client.get(
            f"/api/v1/admin/dialogues/{SLUG}/analysis/duplicates", headers=admin
        )
        assert duplicates.status_code == 404
        form = await client.get(f"/dialogues/{SLUG}/proposals/new", headers=world.alice.headers)
        assert form.status_code == 200 and "/proposals/similar" not in form.text
    async with database.session() as session:
        handlers = set(await session.scalars(select(EventJob.handler)))
    assert not any(handler.startswith("analysis.") for handler in handlers)
