"""The public API for plugin authors: one list (``participe.public_api``), the same in
the guide, and the example packages import nothing else from the platform."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from participe.public_api import PUBLIC_MODULES, is_public
from web.scaffold import create_plugin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GUIDE = ROOT / "docs" / "plugins.md"


def example_packages() -> list[Path]:
    """Every package under ``examples/`` (a folder with a ``pyproject.toml``)."""
    return sorted(path.parent for path in EXAMPLES.glob("*/pyproject.toml"))


#: What packaging and tools leave beside the sources (``pip install .`` writes ``build/``).
NOT_SOURCES = frozenset({"build", "dist", "__pycache__", ".tox", ".venv", "venv"})


def sources_of(package: Path) -> list[Path]:
    """The Python files of ``package``: its code, its tests, its migrations."""
    return sorted(
        path
        for path in package.rglob("*.py")
        if not NOT_SOURCES & set(path.relative_to(package).parts)
    )


def imports_of(source: str, filename: str) -> Iterator[tuple[int, str, str | None]]:
    """``(line, module, name)`` of every absolute import in ``source``, wherever it stands
    (under ``if TYPE_CHECKING:``, in a function); ``name`` is ``None`` for ``import x``."""
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module, alias.name


def _exports(module: str) -> list[str] | None:
    exported: list[str] | None = getattr(importlib.import_module(module), "__all__", None)
    return exported


def outside_the_public_api(path: Path, source: str | None = None) -> list[str]:
    """The imports of ``path`` that reach the platform outside its public API, each as
    ``file:line: statement``: a module not listed, or a name that a listed package does
    not export (it declares ``__all__`` and the name is not there)."""
    text = path.read_text() if source is None else source
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    wrong = []
    for line, module, name in sorted(imports_of(text, str(path)), key=lambda found: found[0]):
        statement = f"import {module}" if name is None else f"from {module} import {name}"
        if not is_public(module, name):
            wrong.append(f"{where}:{line}: {statement}")
            continue
        if name is None or f"{module}.{name}" in PUBLIC_MODULES or module not in PUBLIC_MODULES:
            continue
        exported = _exports(module)
        if exported is not None and name not in exported:
            wrong.append(f"{where}:{line}: {statement} (not in {module}.__all__)")
    return wrong


def test_the_examples_are_found() -> None:
    names = {package.name for package in example_packages()}
    assert {"participe-majority-judgment", "participe-paper-ballots"} <= names
    for package in example_packages():
        assert sources_of(package), package


@pytest.mark.parametrize("package", example_packages(), ids=lambda path: path.name)
def test_an_example_imports_only_the_public_api(package: Path) -> None:
    wrong = [found for path in sources_of(package) for found in outside_the_public_api(path)]
    assert wrong == [], "imports outside the public API (participe/public_api.py):\n" + "\n".join(
        wrong
    )


def test_the_check_names_the_file_and_the_import(tmp_path: Path) -> None:
    path = tmp_path / "pages.py"
    source = (
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "import msgspec\n"
        "from core import hookimpl, vote_chain\n"
        "from core.services import dialogues\n"
        "from core.models import Dialogue\n"
        "from . import settings\n"
        "if TYPE_CHECKING:\n"
        "    from web.admin.dialogues import load_dialogue\n"
        "def load():\n"
        "    import plugins.budget.pabulib\n"
        "from core import read_cache\n"
        "from core.services import users\n"
        "from core.models import Undeclared\n"
    )
    assert outside_the_public_api(path, source) == [
        f"{path}:9: from web.admin.dialogues import load_dialogue",
        f"{path}:11: import plugins.budget.pabulib",
        f"{path}:12: from core import read_cache (not in core.__all__)",
        f"{path}:13: from core.services import users",
        f"{path}:14: from core.models import Undeclared (not in core.models.__all__)",
    ]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_module_exists(module: str) -> None:
    importlib.import_module(module)


def test_the_guide_lists_the_public_api() -> None:
    guide = GUIDE.read_text()
    section = guide.split("\n## The public API\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- `([\w.]+)`", section, flags=re.MULTILINE)
    assert listed == list(PUBLIC_MODULES), "docs/plugins.md and participe/public_api.py differ"


BUILT_IN = ROOT / "plugins"


@pytest.mark.parametrize(
    "plugin", sorted(p.name for p in BUILT_IN.iterdir() if (p / "__init__.py").exists())
)
def test_a_built_in_plugin_imports_only_the_public_api(plugin: str) -> None:
    """The built-in plugins are written as a client's would be: from the platform, only
    the public API (their own package aside)."""
    own = f"plugins.{plugin}"
    wrong = [
        found
        for path in sources_of(BUILT_IN / plugin)
        for found in outside_the_public_api(path)
        if not found.split(": ", 1)[1].split()[1].startswith((own + ".", own + " "))
        and found.split(": ", 1)[1].split()[1] != own
    ]
    assert wrong == []


def test_the_scaffold_imports_only_the_public_api(tmp_path: Path) -> None:
    package = create_plugin("street_art", tmp_path)
    wrong = [found for path in sources_of(package) for found in outside_the_public_api(path)]
    assert wrong == []
