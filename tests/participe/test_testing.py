"""``participe.testing``: which plugins its app loads, its people and its outbox."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.hookspecs import hookimpl
from participe.testing import Outbox, World, build_test_plugins
from participe.testing import apps as test_apps
from participe.testing.apps import PluginSelection

Client = AsyncTestClient[Litestar]


def test_the_named_plugins_load_and_the_other_installed_ones_are_blocked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(test_apps, "installed_plugins", lambda: ["ballots", "petition", "theme"])
    selection = PluginSelection.of(["petition"])
    assert (selection.load_entry_points, selection.disabled) == (True, ("ballots", "theme"))
    settings = selection.settings(rate_limits=False)
    assert settings.disabled_plugins == ("ballots", "theme") and not settings.rate_limits
    nothing = PluginSelection.of([])
    assert (nothing.load_entry_points, nothing.disabled) == (False, ())


def test_a_plugin_that_is_not_installed_is_named() -> None:
    with pytest.raises(LookupError, match="street_art not installed"):
        PluginSelection.of(["street_art"])


class Greeter:
    @hookimpl
    def migration_locations(self) -> list[str]:
        return []


def test_a_plugin_passed_as_a_pair_is_registered() -> None:
    plugins = build_test_plugins([("greeter", Greeter())])
    info = next(info for info in plugins.infos if info.name == "greeter")
    assert info.enabled and info.origin == "registered by the app"
    assert "greeter" not in {info.name for info in build_test_plugins().infos}


async def test_the_world_and_its_citizens_have_working_tokens(client: Client, world: World) -> None:
    assert world.org.slug == "ville" and world.admin.user.role == "admin"
    citizens = await world.citizens(2)
    assert [c.user.email for c in citizens] == ["citizen1@example.org", "citizen2@example.org"]
    for person in (world.admin, world.alice, *citizens):
        me = await client.get("/api/v1/me", headers=person.headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == person.user.email


async def test_the_outbox_holds_the_mail_the_app_sent(
    client: Client, world: World, outbox: Outbox
) -> None:
    assert await outbox.messages() == []
    for email in ("alice@example.org", "bob@example.org"):
        response = await client.post("/api/v1/auth/email", json={"email": email})
        assert response.status_code == 202, response.text
    assert [m.recipient for m in await outbox.messages()] == [
        "bob@example.org",
        "alice@example.org",
    ]
    [message] = await outbox.messages("alice@example.org", kind="sign_in")
    assert "/signin/" in message.text_body
    assert await outbox.messages("alice@example.org", kind="no_such_kind") == []
