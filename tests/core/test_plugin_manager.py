"""The plugin manager: built-ins, entry points, block list, validation."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import msgspec
import pytest

from core.errors import ConfigurationError
from core.hookspecs import hookimpl
from core.modules import Module
from core.plugin_manager import make_plugin_manager
from core.settings import Settings
from web.plugins import DEFAULT_PLUGINS, build_plugins

BUILT_INS = {"support", "vote_binary", "vote_points", "vote_ranked", "questionnaire"}


@pytest.fixture
def tiny_package(tmp_path: Path) -> Iterator[str]:
    """A plugin distribution installed on ``sys.path``: a module and its dist-info with a
    ``participe`` entry point, as pip would leave them."""
    (tmp_path / "participe_tiny.py").write_text(
        textwrap.dedent(
            """
            from core.hookspecs import hookimpl

            CALLS = []

            class Shout:
                id = "shout"
                title = "Shout"

            @hookimpl
            def register_block_types(registry):
                CALLS.append("register_block_types")
                registry.add(Shout())
            """
        )
    )
    dist_info = tmp_path / "participe_tiny-1.2.3.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: participe-tiny\nVersion: 1.2.3\n"
    )
    (dist_info / "entry_points.txt").write_text("[participe]\ntiny = participe_tiny\n")
    sys.path.insert(0, str(tmp_path))
    yield "tiny"
    sys.path.remove(str(tmp_path))
    sys.modules.pop("participe_tiny", None)


def test_the_built_ins_are_registered() -> None:
    plugins = build_plugins(Settings(load_entry_points=False))
    names = {info.name for info in plugins.infos}
    assert names >= BUILT_INS
    assert {name for name, _ in DEFAULT_PLUGINS} >= BUILT_INS
    assert all(info.enabled for info in plugins.infos)
    assert {"text", "long_text", "choice", "postal_code", "image"} <= set(plugins.field_types.ids())
    assert "csv" in plugins.export_formats


def test_an_installed_package_is_loaded_and_called(tiny_package: str) -> None:
    plugins = build_plugins(Settings())
    info = next(info for info in plugins.infos if info.name == tiny_package)
    assert (info.version, info.enabled) == ("1.2.3", True)
    assert info.origin.startswith("participe-tiny")
    assert "shout" in plugins.block_types
    assert sys.modules["participe_tiny"].CALLS == ["register_block_types"]


def test_a_blocked_plugin_is_not_loaded(tiny_package: str) -> None:
    plugins = build_plugins(Settings(disabled_plugins=("tiny", "vote_ranked")))
    assert "participe_tiny" not in sys.modules
    assert "shout" not in plugins.block_types
    enabled = {info.name: info.enabled for info in plugins.infos}
    assert enabled["tiny"] is False and enabled["vote_ranked"] is False


def test_an_unknown_blocked_name_stops_start_up() -> None:
    with pytest.raises(ConfigurationError, match="unknown plugin"):
        build_plugins(Settings(disabled_plugins=("vote_rankd",), load_entry_points=False))


def test_two_plugins_registering_one_id_stop_start_up() -> None:
    class Twice:
        id = "text"
        title = "again"

    class Plugin:
        @hookimpl
        def register_field_types(self, registry: Any) -> None:
            registry.add(Twice())

    with pytest.raises(ConfigurationError, match="'text' registered twice"):
        make_plugin_manager(extra_plugins=[("again", Plugin())], load_entry_points=False)


def test_a_settings_type_msgspec_cannot_use_stops_start_up() -> None:
    class Broken(msgspec.Struct):
        # A bound on an optional number: msgspec refuses the type itself.
        most: Annotated[int | None, msgspec.Meta(ge=1)] = None

    class Plugin:
        @hookimpl
        def register_modules(self, registry: Any) -> None:
            registry.add(Module(name="broken", title="Cassé", settings_type=Broken))

    with pytest.raises(ConfigurationError, match="module 'broken': its settings type"):
        make_plugin_manager(extra_plugins=[("broken", Plugin())], load_entry_points=False)


def test_an_implementation_of_no_hook_is_refused() -> None:
    class Plugin:
        @hookimpl
        def register_vote_typos(self, registry: Any) -> None:
            pass

    with pytest.raises(ConfigurationError, match="invalid plugin"):
        make_plugin_manager(extra_plugins=[("typo", Plugin())], load_entry_points=False)


def test_each_app_has_its_own_registries() -> None:
    class Custom:
        id = "custom"
        title = "Custom"

    class Plugin:
        @hookimpl
        def register_block_types(self, registry: Any) -> None:
            registry.add(Custom())

    with_plugin = make_plugin_manager(extra_plugins=[("custom", Plugin())], load_entry_points=False)
    without = make_plugin_manager(load_entry_points=False)
    assert "custom" in with_plugin.block_types
    assert "custom" not in without.block_types
