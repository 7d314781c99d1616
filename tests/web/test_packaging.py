"""What the distribution ships: its version on the command line, the licence text and the
``py.typed`` markers inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from tests.web.test_cli import run

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"participe {metadata.version('participe')}\n"


def test_the_wheel_ships_the_licence_and_the_typed_markers(tmp_path: Path) -> None:
    # Build isolation fetches the setuptools that pyproject.toml asks for (SPDX licence
    # expressions need 77 or later), as a release build does; no dependency is built.
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("participe-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
        licence = archive.read(f"{info}/licenses/LICENSE").decode()
        fields = archive.read(f"{info}/METADATA").decode()
    assert licence == (ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "License-Expression: AGPL-3.0-or-later" in fields
    assert {"core/py.typed", "plugins/py.typed", "participe/py.typed"} <= names
    # What plugin authors import: the public API's list and the test kit.
    assert {"participe/public_api.py", "participe/testing/__init__.py"} <= names
