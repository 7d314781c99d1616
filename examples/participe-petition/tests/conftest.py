"""The package's tests run Participe with this plugin, through ``participe.testing``."""

from __future__ import annotations

import pytest

pytest_plugins = ["participe.testing"]


@pytest.fixture(scope="session")
def participe_plugins() -> list[str]:
    return ["petition"]  # the name in [project.entry-points.participe]
