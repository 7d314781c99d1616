"""Every hook in core/hookspecs.py is called by a test named ``test_hook_<hook name>``."""

from __future__ import annotations

import re
from pathlib import Path

from core import hookspecs

TESTS = Path(__file__).parent


def _hook_names() -> set[str]:
    return {
        name
        for name, value in vars(hookspecs).items()
        if callable(value) and hasattr(value, "participe_spec")
    }


def _tested_hooks() -> set[str]:
    pattern = re.compile(r"def (test_hook_[a-z_]+)\(")
    found: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        found.update(
            match.removeprefix("test_hook_") for match in pattern.findall(path.read_text())
        )
    return found


def test_every_hook_has_a_test() -> None:
    hooks = _hook_names()
    assert len(hooks) >= 17
    tested = {name for name in hooks if any(t.startswith(name) for t in _tested_hooks())}
    assert sorted(hooks - tested) == []
