"""``participe plugin new NAME``: a working plugin package to start from.

The files under ``files/`` are copied with ``__NAME__`` (the plugin's name, a Python
identifier), ``__CLASS__`` (the name in CamelCase) and ``__DIST__`` (its distribution
name) replaced; ``.tmpl`` endings are
dropped, so that the templates are not collected as the platform's own code or tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import ValidationFailed

FILES = Path(__file__).parent / "files"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def create_plugin(name: str, target: Path) -> Path:
    """Writes the package of plugin ``name`` into ``target / participe-NAME``; returns it."""
    if not NAME.match(name):
        raise ValidationFailed(
            "the plugin name must be lowercase letters, digits and '_', starting with a letter"
        )
    dist = "participe-" + name.replace("_", "-")
    class_name = "".join(part.capitalize() for part in name.split("_"))
    root = target / dist
    if root.exists():
        raise ValidationFailed(f"{root} already exists")
    for source in sorted(FILES.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = str(source.relative_to(FILES)).replace("__NAME__", name)
        destination = root / relative.removesuffix(".tmpl")
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = (
            source.read_text()
            .replace("__CLASS__", class_name)
            .replace("__NAME__", name)
            .replace("__DIST__", dist)
        )
        destination.write_text(text)
    return root
