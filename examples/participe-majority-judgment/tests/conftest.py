"""The package's tests run Participe with this plugin loaded through its entry point
(``pip install -e .``), with the fixtures of :mod:`participe.testing`."""

from __future__ import annotations

import pytest

pytest_plugins = ["participe.testing"]


@pytest.fixture(scope="session")
def participe_plugins() -> list[str]:
    return ["majority_judgment"]
