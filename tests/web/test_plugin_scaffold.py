"""``participe plugin new`` writes a package that installs and whose test passes, and the
plugin author's guide carries the hook reference generated from the hookspecs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import hookspecs
from core.errors import ValidationFailed
from core.hook_docs import hook_reference, with_reference
from web.scaffold import create_plugin

ROOT = Path(__file__).resolve().parents[2]


def test_the_scaffold_installs_and_its_test_passes(tmp_path: Path) -> None:
    package = create_plugin("street_art", tmp_path)
    assert (package / "participe_street_art" / "plugin.py").exists()
    assert "class StreetArtNote" in (package / "participe_street_art" / "models.py").read_text()
    assert '"pytest-asyncio>=' in (package / "pyproject.toml").read_text()
    conftest = (package / "tests" / "conftest.py").read_text()
    assert 'pytest_plugins = ["participe.testing"]' in conftest
    assert 'return ["street_art"]' in conftest
    site = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    assert (site / "participe_street_art" / "migrations").is_dir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        # The platform's code under test (this checkout) after the package: the
        # generated tests import ``participe.testing`` from it.
        env={**os.environ, "PYTHONPATH": os.pathsep.join((str(site), str(ROOT)))},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_bad_names_are_refused(tmp_path: Path) -> None:
    for name in ("Street-Art", "1abc", "a"):
        with pytest.raises(ValidationFailed):
            create_plugin(name, tmp_path)
    create_plugin("ok_name", tmp_path)
    with pytest.raises(ValidationFailed, match="already exists"):
        create_plugin("ok_name", tmp_path)


def test_the_guide_is_generated_from_the_hookspecs() -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    assert guide == with_reference(guide), "run 'participe plugin docs'"
    reference = hook_reference()
    for name, value in vars(hookspecs).items():
        if hasattr(value, "participe_spec"):
            assert f"#### `{name}`" in reference
            assert (value.__doc__ or "").strip().splitlines()[0] in reference
