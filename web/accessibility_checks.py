"""What the project's automated accessibility tests check, read from the data file the
browser tests themselves use (``web/files/accessibility_checks.json``): the axe-core
tags they run, the impacts that fail a test and the page types. The accessibility
statement (``/accessibility``) lists them from the same file, so that it says what the
tests do, no more."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS_FILE = Path(__file__).parent / "files" / "accessibility_checks.json"


@dataclass(frozen=True)
class Label:
    fr: str
    en: str

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class CheckedPage:
    id: str
    area: str
    label: Label


@dataclass(frozen=True)
class AccessibilityChecks:
    tool: str
    tags: dict[str, Label]
    failing_impacts: dict[str, Label]
    pages: tuple[CheckedPage, ...]

    @property
    def page_ids(self) -> frozenset[str]:
        return frozenset(page.id for page in self.pages)

    def area(self, area: str) -> list[CheckedPage]:
        return [page for page in self.pages if page.area == area]


def _label(raw: dict[str, Any]) -> Label:
    return Label(fr=str(raw["fr"]), en=str(raw["en"]))


def load(path: Path = CHECKS_FILE) -> AccessibilityChecks:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return AccessibilityChecks(
        tool=str(raw["tool"]),
        tags={key: _label(value) for key, value in raw["tags"].items()},
        failing_impacts={key: _label(value) for key, value in raw["failing_impacts"].items()},
        pages=tuple(
            CheckedPage(id=str(page["id"]), area=str(page["area"]), label=_label(page))
            for page in raw["pages"]
        ),
    )


#: Read once: the file ships with the code and changes only with it.
CHECKS = load()
